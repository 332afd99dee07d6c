import type { Statement } from "better-sqlite3";
import { BackendError } from "../../core/errors.js";
import type { DeadLetter, Envelope } from "../../transport/bus.js";
import type { BusJournal, JournalOutcome, PendingMessage } from "../../transport/bus-journal.js";
import type { Stage } from "../../transport/subjects.js";
import { isSqliteError, openDatabase, sqliteError } from "./database.js";
import type { OpenDatabaseOptions, SqliteDatabase } from "./database.js";

export interface SqliteBusJournalOptions {
  /** Close the database handle in `close()`. True when the journal opened the file itself. */
  closeDatabase?: boolean;
  /**
   * How long acked messages are kept. Their idempotency keys keep rejecting duplicates
   * for that long, so keep it at least the bus's dedup window. Default 24 h.
   */
  retainAckedMs?: number;
  /** Most dead letters kept; older ones are pruned. Default 1000. */
  maxDeadLetters?: number;
  /** How often `markDone` prunes. Default 60 s. */
  pruneIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface MessageRow {
  stage: string;
  envelope: string;
  deliveries: number;
  reason: string | null;
  done_at: string | null;
}

/**
 * The bus journal in the `bus_messages` table. Synchronous: better-sqlite3 calls are
 * fast and a journal write must finish before `publish` resolves anyway. The unique
 * (stage, idempotency_key) index makes a duplicate append a no-op. Acked rows are pruned
 * after `retainAckedMs` and dead letters beyond `maxDeadLetters`, so the table stays bounded.
 */
export class SqliteBusJournal implements BusJournal {
  readonly #db: SqliteDatabase;
  readonly #closeDatabase: boolean;
  readonly #retainAckedMs: number;
  readonly #maxDeadLetters: number;
  readonly #pruneIntervalMs: number;
  readonly #now: () => number;
  #lastPrune = 0;
  #closed = false;

  readonly #append: Statement<[Record<string, unknown>]>;
  readonly #recordDelivery: Statement<[string, string]>;
  readonly #markDone: Statement<[Record<string, unknown>]>;
  readonly #pendingAll: Statement<[], MessageRow>;
  readonly #pendingStage: Statement<[string], MessageRow>;
  readonly #deadLetters: Statement<[number], MessageRow>;
  readonly #pruneAcked: Statement<[string]>;
  readonly #pruneDead: Statement<[number]>;

  /** Opens (or creates) the file at `path` and owns the handle. */
  static open(
    path: string,
    options: OpenDatabaseOptions & Omit<SqliteBusJournalOptions, "closeDatabase"> = {},
  ) {
    return new SqliteBusJournal(openDatabase(path, options), { ...options, closeDatabase: true });
  }

  /** Uses a handle from `openDatabase`; a shared handle (e.g. with the incident store) is not closed. */
  constructor(db: SqliteDatabase, options: SqliteBusJournalOptions = {}) {
    this.#db = db;
    this.#closeDatabase = options.closeDatabase ?? false;
    this.#retainAckedMs = options.retainAckedMs ?? 24 * 3_600_000;
    this.#maxDeadLetters = Math.max(1, options.maxDeadLetters ?? 1000);
    this.#pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#append = db.prepare(
      `INSERT INTO bus_messages (stage, envelope_id, idempotency_key, envelope, created_at)
       VALUES (@stage, @id, @key, @envelope, @at) ON CONFLICT DO NOTHING`,
    );
    this.#recordDelivery = db.prepare(
      "UPDATE bus_messages SET deliveries = deliveries + 1 WHERE stage = ? AND envelope_id = ? AND status = 'pending'",
    );
    this.#markDone = db.prepare(
      `UPDATE bus_messages SET status = @status, reason = @reason, done_at = @at
       WHERE stage = @stage AND envelope_id = @id AND status = 'pending'`,
    );
    const pendingColumns = "SELECT stage, envelope, deliveries, reason, done_at FROM bus_messages";
    this.#pendingAll = db.prepare(`${pendingColumns} WHERE status = 'pending' ORDER BY seq`);
    this.#pendingStage = db.prepare(`${pendingColumns} WHERE status = 'pending' AND stage = ? ORDER BY seq`);
    // The newest `limit` dead letters, returned oldest first.
    this.#deadLetters = db.prepare(
      `SELECT stage, envelope, deliveries, reason, done_at FROM (
         SELECT * FROM bus_messages WHERE status = 'term' ORDER BY done_at DESC, seq DESC LIMIT ?
       ) ORDER BY done_at, seq`,
    );
    this.#pruneAcked = db.prepare("DELETE FROM bus_messages WHERE status = 'ack' AND done_at < ?");
    this.#pruneDead = db.prepare(
      `DELETE FROM bus_messages WHERE status = 'term' AND seq NOT IN
       (SELECT seq FROM bus_messages WHERE status = 'term' ORDER BY done_at DESC, seq DESC LIMIT ?)`,
    );
  }

  append(stage: Stage, envelope: Envelope): boolean {
    return this.#run("append", () => {
      const info = this.#append.run({
        stage,
        id: envelope.id,
        key: envelope.idempotencyKey,
        envelope: JSON.stringify(envelope),
        at: this.#iso(),
      });
      return info.changes > 0;
    });
  }

  recordDelivery(stage: Stage, envelopeId: string): void {
    this.#run("recordDelivery", () => this.#recordDelivery.run(stage, envelopeId));
  }

  markDone(stage: Stage, envelopeId: string, outcome: JournalOutcome, reason?: string): void {
    this.#run("markDone", () => {
      this.#markDone.run({ stage, id: envelopeId, status: outcome, reason: reason ?? null, at: this.#iso() });
      if (this.#now() - this.#lastPrune >= this.#pruneIntervalMs) this.#prune();
    });
  }

  pending(stage?: Stage): PendingMessage[] {
    return this.#run("pending", () => {
      const rows = stage === undefined ? this.#pendingAll.all() : this.#pendingStage.all(stage);
      return rows.map((row) => ({
        stage: row.stage as Stage,
        envelope: JSON.parse(row.envelope) as Envelope,
        deliveries: row.deliveries,
      }));
    });
  }

  deadLetters(limit: number): DeadLetter[] {
    return this.#run("deadLetters", () =>
      this.#deadLetters.all(Math.max(0, Math.trunc(limit))).map((row) => ({
        stage: row.stage as Stage,
        envelope: JSON.parse(row.envelope) as Envelope,
        reason: row.reason ?? "",
        deliveries: row.deliveries,
        at: row.done_at ?? "",
      })),
    );
  }

  /** Deletes acked messages past retention and the oldest dead letters beyond the bound. */
  prune(): number {
    return this.#run("prune", () => this.#prune());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#closeDatabase) this.#db.close();
  }

  #prune(): number {
    this.#lastPrune = this.#now();
    const cutoff = new Date(this.#now() - this.#retainAckedMs).toISOString();
    return this.#db
      .transaction(
        () => this.#pruneAcked.run(cutoff).changes + this.#pruneDead.run(this.#maxDeadLetters).changes,
      )
      .immediate();
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }

  #run<T>(what: string, fn: () => T): T {
    if (this.#closed) throw new BackendError("the bus journal is closed", "sqlite", false);
    try {
      return fn();
    } catch (error) {
      if (isSqliteError(error)) throw sqliteError(error, `bus journal ${what}`);
      throw error;
    }
  }
}

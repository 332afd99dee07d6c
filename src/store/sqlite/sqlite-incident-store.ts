import type { Statement } from "better-sqlite3";
import type { Category } from "../../core/vocabulary.js";
import { AiopsError, BackendError, ConflictError, InputError, NotFoundError } from "../../core/errors.js";
import {
  SUMMARY_OMITTED,
  type Incident,
  type IncidentState,
  type IncidentSummary,
} from "../../core/incident.js";
import type { IncidentPage, IncidentQuery, IncidentStore } from "../incident-store.js";
import { pageBounds } from "../incident-query.js";
import { isSqliteError, isUniqueViolation, openDatabase, sqliteError } from "./database.js";
import type { OpenDatabaseOptions, SqliteDatabase } from "./database.js";

export interface SqliteIncidentStoreOptions {
  /** Close the database handle in `close()`. True when the store opened the file itself. */
  closeDatabase?: boolean;
}

type IncidentRow = {
  id: string;
  correlation_key: string;
  state: string;
  alertname: string;
  namespace: string | null;
  subject_name: string | null;
  summary: string | null;
  category: string | null;
  opened_at: string;
  updated_at: string;
  resolved_at: string | null;
  document: string;
};

interface SummaryRow {
  doc: string;
  alert_count: number;
  action: string | null;
  confidence: number | null;
}

const SUMMARY_COLUMNS = `
  json_remove(document, ${SUMMARY_OMITTED.map((field) => `'$.${field}'`).join(", ")}) AS doc,
  json_array_length(document, '$.alerts') AS alert_count,
  json_extract(document, '$.plan.action') AS action,
  json_extract(document, '$.diagnosis.confidence') AS confidence`;

const TERMINAL = `('resolved', 'failed')`;

/**
 * Incidents in SQLite: the whole Incident as a JSON document, with the fields that
 * queries filter on copied into columns, and one `incident_alerts` row per alert
 * fingerprint. Writes are transactions (BEGIN IMMEDIATE), so a read-mutate-write never
 * interleaves with another writer, in this process or another one on the same file.
 * Newest means greatest `openedAt` (ISO 8601 UTC strings), then latest inserted.
 * A partial unique index on `correlation_key` over the non-terminal states enforces one
 * open incident per key, for every writer of the file.
 */
export class SqliteIncidentStore implements IncidentStore {
  readonly name = "sqlite";
  readonly #db: SqliteDatabase;
  readonly #closeDatabase: boolean;
  readonly #listStatements = new Map<string, { page: Statement; total: Statement }>();
  #closed = false;

  readonly #get: Statement<[string], IncidentRow>;
  readonly #openByKey: Statement<[string], IncidentRow>;
  readonly #byFingerprint: Statement<[string], IncidentRow>;
  readonly #insert: Statement<[Record<string, unknown>]>;
  readonly #updateRow: Statement<[Record<string, unknown>]>;
  readonly #deleteAlerts: Statement<[string]>;
  readonly #insertAlert: Statement<[string, string, string]>;
  readonly #counts: Statement<[], { state: string; category: string; count: number }>;

  /** Opens (or creates) the file at `path` and owns the handle. */
  static open(path: string, options: OpenDatabaseOptions = {}): SqliteIncidentStore {
    return new SqliteIncidentStore(openDatabase(path, options), { closeDatabase: true });
  }

  /** Uses a handle from `openDatabase` (which has applied the schema); shared handles are not closed. */
  constructor(db: SqliteDatabase, options: SqliteIncidentStoreOptions = {}) {
    this.#db = db;
    this.#closeDatabase = options.closeDatabase ?? false;
    this.#get = db.prepare("SELECT * FROM incidents WHERE id = ?");
    this.#openByKey = db.prepare(
      `SELECT * FROM incidents WHERE correlation_key = ? AND state NOT IN ${TERMINAL}
       ORDER BY opened_at DESC, rowid DESC LIMIT 1`,
    );
    this.#byFingerprint = db.prepare(
      `SELECT i.* FROM incident_alerts a JOIN incidents i ON i.id = a.incident_id
       WHERE a.fingerprint = ? ORDER BY i.opened_at DESC, i.rowid DESC LIMIT 1`,
    );
    this.#insert = db.prepare(
      `INSERT INTO incidents (id, correlation_key, state, alertname, namespace, subject_name, summary,
         category, opened_at, updated_at, resolved_at, document)
       VALUES (@id, @correlation_key, @state, @alertname, @namespace, @subject_name, @summary,
         @category, @opened_at, @updated_at, @resolved_at, @document)`,
    );
    this.#updateRow = db.prepare(
      `UPDATE incidents SET correlation_key = @correlation_key, state = @state, alertname = @alertname,
         namespace = @namespace, subject_name = @subject_name, summary = @summary, category = @category,
         opened_at = @opened_at, updated_at = @updated_at, resolved_at = @resolved_at, document = @document
       WHERE id = @id`,
    );
    this.#deleteAlerts = db.prepare("DELETE FROM incident_alerts WHERE incident_id = ?");
    this.#insertAlert = db.prepare(
      "INSERT OR IGNORE INTO incident_alerts (fingerprint, incident_id, starts_at) VALUES (?, ?, ?)",
    );
    this.#counts = db.prepare(
      `SELECT state, COALESCE(category, 'none') AS category, COUNT(*) AS count
       FROM incidents GROUP BY 1, 2 ORDER BY 1, 2`,
    );
  }

  async get(id: string): Promise<Incident | undefined> {
    return this.#run("get", () => parse(this.#get.get(id)));
  }

  async findOpenByKey(correlationKey: string): Promise<Incident | undefined> {
    return this.#run("findOpenByKey", () => parse(this.#openByKey.get(correlationKey)));
  }

  async findByFingerprint(fingerprint: string): Promise<Incident | undefined> {
    return this.#run("findByFingerprint", () => parse(this.#byFingerprint.get(fingerprint)));
  }

  async create(incident: Incident): Promise<void> {
    this.#run("create", () => {
      try {
        this.#db
          .transaction(() => {
            if (this.#get.get(incident.id)) throw new ConflictError(`incident ${incident.id} already exists`);
            this.#insert.run(toRow(incident));
            this.#writeAlerts(incident);
          })
          .immediate();
      } catch (error) {
        // The partial unique index incidents_open_key: another open incident holds the key.
        if (isUniqueViolation(error)) throw openKeyConflict(incident.correlationKey);
        throw error;
      }
    });
  }

  async update(id: string, mutate: (current: Incident) => Incident): Promise<Incident> {
    return this.#run("update", () => {
      let next: Incident | undefined;
      try {
        return this.#db
          .transaction(() => {
            const current = parse(this.#get.get(id));
            if (!current) throw new NotFoundError(`incident ${id} not found`);
            next = mutate(current);
            if (next.id !== id) throw new InputError("an update must not change the incident id", "id");
            this.#updateRow.run(toRow(next));
            this.#deleteAlerts.run(id);
            this.#writeAlerts(next);
            // Return what was stored, not the caller's object: the same shape a later get() gives.
            return JSON.parse(JSON.stringify(next)) as Incident;
          })
          .immediate();
      } catch (error) {
        // Only incidents_open_key can fail here (alert rows are INSERT OR IGNORE): the update
        // would reopen an incident, or move it to a key, that another open incident holds.
        if (isUniqueViolation(error) && next) throw openKeyConflict(next.correlationKey);
        throw error;
      }
    });
  }

  async list(query: IncidentQuery): Promise<IncidentPage> {
    return this.#run("list", () => {
      const { limit, offset } = pageBounds(query);
      const where: string[] = [];
      const params: Record<string, unknown> = { limit, offset };
      if (query.state !== undefined) {
        where.push("state = @state");
        params.state = query.state;
      }
      if (query.category !== undefined) {
        where.push("category = @category");
        params.category = query.category;
      }
      if (query.namespace !== undefined) {
        where.push("namespace = @namespace");
        params.namespace = query.namespace;
      }
      if (query.alertname !== undefined) {
        where.push("alertname = @alertname");
        params.alertname = query.alertname;
      }
      if (query.awaitingOutcome) {
        where.push(
          "state != 'resolved' AND json_type(document, '$.applied') IS NOT NULL AND json_type(document, '$.outcome') IS NULL",
        );
      }
      const q = query.q?.trim();
      if (q) {
        where.push(
          `(alertname LIKE @q ESCAPE '\\' OR namespace LIKE @q ESCAPE '\\'
            OR subject_name LIKE @q ESCAPE '\\' OR summary LIKE @q ESCAPE '\\')`,
        );
        params.q = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      }
      const statements = this.#listStatement(where.length ? `WHERE ${where.join(" AND ")}` : "");
      const { total } = statements.total.get(params) as { total: number };
      const rows = statements.page.all(params) as SummaryRow[];
      return { items: rows.map(toSummary), total, limit, offset };
    });
  }

  async counts(): Promise<{ state: IncidentState; category: Category | "none"; count: number }[]> {
    return this.#run("counts", () =>
      this.#counts.all().map((r) => ({
        state: r.state as IncidentState,
        category: r.category as Category | "none",
        count: r.count,
      })),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#closeDatabase) this.#db.close();
  }

  #writeAlerts(incident: Incident): void {
    for (const alert of incident.alerts)
      this.#insertAlert.run(alert.fingerprint, incident.id, alert.startsAt);
  }

  #listStatement(where: string): { page: Statement; total: Statement } {
    // At most 2^5 distinct WHERE clauses exist, so this cache stays small.
    let statements = this.#listStatements.get(where);
    if (!statements) {
      statements = {
        page: this.#db.prepare(
          `SELECT ${SUMMARY_COLUMNS} FROM incidents ${where}
           ORDER BY opened_at DESC, rowid DESC LIMIT @limit OFFSET @offset`,
        ),
        total: this.#db.prepare(`SELECT COUNT(*) AS total FROM incidents ${where}`),
      };
      this.#listStatements.set(where, statements);
    }
    return statements;
  }

  /** Runs a synchronous SQLite call; the system's errors pass through, SQLite's become BackendError. */
  #run<T>(what: string, fn: () => T): T {
    if (this.#closed) throw new BackendError("the incident store is closed", "sqlite", false);
    try {
      return fn();
    } catch (error) {
      if (error instanceof AiopsError || !isSqliteError(error)) throw error;
      throw sqliteError(error, what);
    }
  }
}

function openKeyConflict(correlationKey: string): ConflictError {
  return new ConflictError(`another open incident holds the correlation key ${correlationKey}`);
}

function parse(row: IncidentRow | undefined): Incident | undefined {
  return row ? (JSON.parse(row.document) as Incident) : undefined;
}

function toRow(incident: Incident): IncidentRow {
  return {
    id: incident.id,
    correlation_key: incident.correlationKey,
    state: incident.state,
    alertname: incident.alertname,
    namespace: incident.namespace ?? null,
    subject_name: incident.subject?.name ?? null,
    summary: incident.diagnosis?.summary ?? null,
    category: incident.category ?? null,
    opened_at: incident.openedAt,
    updated_at: incident.updatedAt,
    resolved_at: incident.resolvedAt ?? null,
    document: JSON.stringify(incident),
  };
}

function toSummary(row: SummaryRow): IncidentSummary {
  const summary = JSON.parse(row.doc) as IncidentSummary;
  summary.alertCount = row.alert_count;
  if (row.action !== null) summary.action = row.action;
  if (row.confidence !== null) summary.confidence = row.confidence;
  return summary;
}

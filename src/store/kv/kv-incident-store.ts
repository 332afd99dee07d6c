import { createHash } from "node:crypto";
import { jetstream, JetStreamApiCodes, JetStreamApiError, StorageType } from "@nats-io/jetstream";
import { Kvm, KvWatchInclude } from "@nats-io/kv";
import type { KV, KvEntry } from "@nats-io/kv";
import {
  ClosedConnectionError,
  DrainingConnectionError,
  InvalidArgumentError,
  InvalidSubjectError,
  PermissionViolationError,
} from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Category } from "../../core/vocabulary.js";
import { AiopsError, BackendError, ConflictError, InputError, NotFoundError } from "../../core/errors.js";
import type { Incident, IncidentState } from "../../core/incident.js";
import {
  countIncidents,
  isTerminal,
  matchesIncidentQuery,
  newestFirst,
  pageOfMatches,
  type OrderedIncident,
} from "../incident-query.js";
import type { IncidentPage, IncidentQuery, IncidentStore } from "../incident-store.js";

const BACKEND = "nats-kv";

export const DEFAULT_KV_BUCKET = "aiops_incidents";

export interface KvIncidentStoreOptions {
  /** The KV bucket (letters, digits, `-` and `_`). Created with file storage when absent. Default `aiops_incidents`. */
  bucket?: string;
  /**
   * The bucket's max age: the server drops any key not written for that long, open
   * incidents included. Only applied when the bucket is created. Default: kept forever.
   */
  maxAgeMs?: number;
  /**
   * A soft bound on stored incidents. After a create pushes the count past it, the
   * oldest resolved or failed incidents are deleted until it fits again; open incidents
   * are never deleted, so the count can stay above the bound while more are open.
   * Checking costs a scan of the bucket (see `list`). Default: unbounded.
   */
  maxIncidents?: number;
  /** Revisions kept per key, 1..5 (history serves inspection with `nats kv history`). Default 1. */
  history?: number;
  /** How long one request to the server may take. Default 5000. */
  timeoutMs?: number;
  /**
   * A whole call (several requests, retries, a scan) fails with a retryable BackendError
   * after this long, so that a lost connection never hangs a caller. Default 30 000.
   */
  operationTimeoutMs?: number;
  /**
   * How old a key claim must be before another create may take it over when the incident
   * it names does not exist (its creator died between the claim and the write, or the
   * incident aged out). Younger claims are an incident being created right now: the
   * second create gets ConflictError and retries. Default 30 000.
   */
  orphanClaimMs?: number;
  /**
   * How long `counts()` (the incident gauge of /metrics) reuses its last scan, so that
   * frequent scrapes do not each read the whole bucket. Default 5000; 0 scans every time.
   */
  countsMaxAgeMs?: number;
}

/** The value under `inc.<id>`: the incident and the revision of its first write (its insertion order). */
interface StoredIncident {
  /** Absent until the first update: then the entry itself is the first write. */
  createdRevision?: number;
  incident: Incident;
}

/** `order` is the revision of the incident's first write: the tie-break between equal `openedAt`. */
interface Loaded extends OrderedIncident {
  /** The `inc.` entry's revision, for revision-checked writes. */
  revision: number;
}

/** Bounded optimistic retries: a conflict means another writer just won, so a retry soon succeeds. */
const MAX_ATTEMPTS = 30;
/** Concurrent reads during a scan. */
const SCAN_CONCURRENCY = 32;
/** Incidents whose last write this instance remembers. */
const RECENT_WRITES = 256;

/** A small LRU of this instance's own last writes, as written; a stale entry only costs a retried update. */
class RecentWrites {
  readonly #max: number;
  readonly #entries = new Map<string, { value: string; revision: number; order: number }>();

  constructor(max: number) {
    this.#max = max;
  }

  put(id: string, value: string, revision: number, order: number): void {
    this.#entries.delete(id);
    this.#entries.set(id, { value, revision, order });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** The entry decoded and removed: the caller owns the copy, and its next write puts one back. */
  take(id: string): Loaded | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    const stored = JSON.parse(entry.value) as StoredIncident;
    return { incident: stored.incident, revision: entry.revision, order: entry.order };
  }
}

/**
 * Incidents in a JetStream KV bucket, shared by every replica with no server but NATS.
 *
 * Key layout (KV keys allow `[-/_=.a-zA-Z0-9]`; ids and fingerprints are escaped, see `keyToken`):
 * - `inc.<id>` → `{ createdRevision?, incident }` JSON. The incident is wrapped so that
 *   insertion order (the revision of its first write) survives updates: it breaks ties
 *   between equal `openedAt`, as rowid does in SQLite.
 * - `fp.<fingerprint>` → the id of the newest incident holding that alert.
 * - `open.<sha256(correlationKey) hex>` → the id of the open incident with that key.
 *
 * Consistency without multi-key transactions: the `open.` key is the atomic claim
 * (`kv.create`, or a revision-checked take-over of a claim whose incident is closed or
 * orphaned) and is taken BEFORE the incident is written; `fp.` pointers are also written
 * before the incident, and removed (revision-checked, only if they still name this
 * incident) after it. A failure between steps therefore leaves at worst a pointer to an
 * incident that does not (yet) match it, and every read verifies what a pointer names;
 * a retried call rewrites the same pointers. Updates are get → mutate → revision-checked
 * update, retried on conflict, so no write is lost; updates of one incident from one
 * store instance also queue locally, so that retries are only needed between replicas.
 *
 * Reads use the stream leader (no direct get), so a write is visible to the next read.
 * Every error from NATS becomes `BackendError("nats-kv")`, retryable unless the connection
 * is closed or the request was invalid; no call waits longer than `operationTimeoutMs`.
 * As with any remote store, a write that timed out may still have been applied: callers
 * retry through the idempotent paths (a retried create meets ConflictError and joins).
 */
export class KvIncidentStore implements IncidentStore {
  readonly name = BACKEND;
  readonly #kv: KV;
  readonly #maxIncidents: number | undefined;
  readonly #operationTimeoutMs: number;
  readonly #orphanClaimMs: number;
  /** Tail of the local update queue per incident id; entries live while an update runs. */
  readonly #updateTails = new Map<string, Promise<unknown>>();
  /** This instance's last writes of the most recently written incidents (see `#update`). */
  readonly #recent = new RecentWrites(RECENT_WRITES);
  readonly #countsMaxAgeMs: number;
  /** The last counting scan: `tookMs` is set once it finished (and `at` is then its end). */
  #counts:
    | {
        at: number;
        tookMs?: number;
        value: Promise<{ state: IncidentState; category: Category | "none"; count: number }[]>;
      }
    | undefined;
  #closed = false;

  /**
   * Opens the bucket, creating it when absent (file storage, `history` revisions per key,
   * `maxAgeMs`). The caller owns `nc`: `close()` leaves it open.
   */
  static async open(nc: NatsConnection, options: KvIncidentStoreOptions = {}): Promise<KvIncidentStore> {
    const bucket = options.bucket ?? DEFAULT_KV_BUCKET;
    if (!/^[-\w]+$/.test(bucket)) throw new InputError("bucket: letters, digits, - and _ only", "bucket");
    const history = options.history ?? 1;
    if (!Number.isInteger(history) || history < 1 || history > 5)
      throw new InputError("history must be an integer in 1..5", "history");
    const maxAgeMs = options.maxAgeMs ?? 0;
    if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) throw new InputError("maxAgeMs must be >= 0", "maxAgeMs");
    const max = options.maxIncidents;
    if (max !== undefined && (!Number.isInteger(max) || max < 1))
      throw new InputError("maxIncidents must be a positive integer", "maxIncidents");
    const timeoutMs = positive(options.timeoutMs, 5_000, "timeoutMs");
    const operationTimeoutMs = positive(options.operationTimeoutMs, 30_000, "operationTimeoutMs");
    const orphanClaimMs = options.orphanClaimMs ?? 30_000;
    if (!Number.isFinite(orphanClaimMs) || orphanClaimMs < 0)
      throw new InputError("orphanClaimMs must be >= 0", "orphanClaimMs");

    const kv = await withDeadline("open", operationTimeoutMs, async () => {
      const js = jetstream(nc, { timeout: timeoutMs });
      return new Kvm(js).create(bucket, {
        history,
        storage: StorageType.File,
        ttl: Math.trunc(maxAgeMs),
        timeout: timeoutMs,
        // Leader reads: a read-modify-write must see the last write, not a lagging replica.
        allow_direct: false,
        description: "aiops incidents (inc.<id>, fp.<fingerprint>, open.<sha256 of correlation key>)",
      });
    });
    const countsMaxAgeMs = options.countsMaxAgeMs ?? 5_000;
    if (!Number.isFinite(countsMaxAgeMs) || countsMaxAgeMs < 0)
      throw new InputError("countsMaxAgeMs must be >= 0", "countsMaxAgeMs");
    return new KvIncidentStore(kv, { maxIncidents: max, operationTimeoutMs, orphanClaimMs, countsMaxAgeMs });
  }

  private constructor(
    kv: KV,
    options: {
      maxIncidents?: number;
      operationTimeoutMs: number;
      orphanClaimMs: number;
      countsMaxAgeMs: number;
    },
  ) {
    this.#kv = kv;
    this.#maxIncidents = options.maxIncidents;
    this.#operationTimeoutMs = options.operationTimeoutMs;
    this.#orphanClaimMs = options.orphanClaimMs;
    this.#countsMaxAgeMs = options.countsMaxAgeMs;
  }

  async get(id: string): Promise<Incident | undefined> {
    return this.#call("get", async () => (await this.#load(id))?.incident);
  }

  async findOpenByKey(correlationKey: string): Promise<Incident | undefined> {
    return this.#call("findOpenByKey", async () => {
      const holder = await this.#pointer(openKey(correlationKey));
      if (holder === undefined) return undefined;
      const loaded = await this.#load(holder);
      return loaded && holdsKey(loaded.incident, correlationKey) ? loaded.incident : undefined;
    });
  }

  async findByFingerprint(fingerprint: string): Promise<Incident | undefined> {
    return this.#call("findByFingerprint", async () => {
      const holder = await this.#pointer(fingerprintKey(fingerprint));
      if (holder === undefined) return undefined;
      const loaded = await this.#load(holder);
      return loaded && holdsFingerprint(loaded.incident, fingerprint) ? loaded.incident : undefined;
    });
  }

  async create(incident: Incident): Promise<void> {
    await this.#call("create", async () => {
      const value = encode({ incident });
      // What a later read returns (undefined fields dropped), shared with no caller.
      const copy = (JSON.parse(value) as StoredIncident).incident;
      const id = copy.id;
      const claims = !isTerminal(copy.state);
      const claimed = claims && (await this.#claim(copy.correlationKey, id));
      // A new incident is the latest inserted, so it wins every tie on openedAt.
      const newest = { incident: copy, order: Number.MAX_SAFE_INTEGER };
      for (const fingerprint of fingerprints(copy)) await this.#pointFingerprint(fingerprint, newest);
      let revision: number;
      try {
        revision = await this.#kv.create(incidentKey(id), value);
      } catch (error) {
        // A failure without an answer (timeout) may still have written the incident, so the
        // claim stays (an unused one is taken over once orphaned). A definite duplicate id
        // releases the claim if this call took it; one already naming `id` is the existing
        // incident's.
        if (!isWrongLastSequence(error)) throw error;
        if (claimed) await this.#release(copy.correlationKey, id).catch(() => undefined);
        throw new ConflictError(`incident ${id} already exists`);
      }
      if (claims) {
        // The claim may have been taken over as orphaned while this create stalled between
        // its two writes: the later creator owns the key, so this one backs out.
        const holder = await this.#pointer(openKey(copy.correlationKey));
        if (holder !== id) {
          await this.#kv.purge(incidentKey(id), { previousSeq: revision }).catch(() => undefined);
          throw keyConflict(copy.correlationKey, holder);
        }
      }
      this.#recent.put(id, value, revision, revision);
      if (this.#maxIncidents !== undefined) {
        // Best effort: the incident is stored; a failed prune is retried by the next create.
        await this.#prune(this.#maxIncidents).catch(() => undefined);
      }
    });
  }

  async update(id: string, mutate: (current: Incident) => Incident): Promise<Incident> {
    return this.#call("update", () => this.#queued(id, () => this.#update(id, mutate)));
  }

  /**
   * Scans every `inc.` key: O(n) reads per call (in parallel), which is fine for the
   * thousands of incidents a cluster accumulates between prunes, not for millions.
   */
  async list(query: IncidentQuery): Promise<IncidentPage> {
    return this.#call("list", async () => {
      // Only the matches are kept while scanning: a filtered list of a large bucket (the
      // outcome sweep's) must not hold every incident in memory at once.
      const matches: Loaded[] = [];
      await this.#scan((entry) => {
        if (matchesIncidentQuery(entry.incident, query)) matches.push(entry);
      });
      return pageOfMatches(matches, query);
    });
  }

  /**
   * A scan, like `list`, shared by the calls of `countsMaxAgeMs`: a metrics scrape every
   * few seconds must not read the whole bucket each time.
   */
  async counts(): Promise<{ state: IncidentState; category: Category | "none"; count: number }[]> {
    const cached = this.#counts;
    if (cached && this.#countsMaxAgeMs > 0) {
      // A scan under way is shared, and a finished one reused for at least ten times what it
      // took, so that on a large bucket scrapes cannot keep the store scanning back to back.
      if (cached.tookMs === undefined) return cached.value;
      if (Date.now() - cached.at < Math.max(this.#countsMaxAgeMs, 10 * cached.tookMs)) return cached.value;
    }
    const started = Date.now();
    const value = this.#call("counts", async () => {
      const seen: Pick<Incident, "state" | "category">[] = [];
      await this.#scan(
        ({ incident }) => void seen.push({ state: incident.state, category: incident.category }),
      );
      return countIncidents(seen);
    });
    const entry: { at: number; tookMs?: number; value: typeof value } = { at: started, value };
    this.#counts = entry;
    value.then(
      () => {
        entry.tookMs = Date.now() - started;
        entry.at = Date.now();
      },
      // A failed scan is not remembered: the next call tries again.
      () => {
        if (this.#counts === entry) this.#counts = undefined;
      },
    );
    return value;
  }

  /**
   * Calls `onIncident` with every incident written from now on by any replica (a KV watch
   * on `inc.>`, updates only). The watch is not durable: a stopped one is simply restarted.
   */
  async watch(onIncident: (incident: Incident) => void): Promise<{ stop(): void }> {
    const watcher = await this.#call("watch", () =>
      this.#kv.watch({ key: "inc.>", include: KvWatchInclude.UpdatesOnly, ignoreDeletes: true }),
    );
    void (async () => {
      for await (const entry of watcher) {
        if (entry.operation !== "PUT") continue;
        try {
          onIncident(entry.json<StoredIncident>().incident);
        } catch {
          // An entry that is not an incident (written by hand) is not worth stopping the watch for.
        }
      }
    })();
    return { stop: () => watcher.stop() };
  }

  /** Stops accepting calls. The connection belongs to the caller and stays open. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  async #update(id: string, mutate: (current: Incident) => Incident): Promise<Incident> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // The first attempt may start from this instance's own last write (the collector
      // updates an incident right after creating it): the revision check of the write
      // catches a stale copy, and the retry reads afresh.
      const recent = attempt === 0 ? this.#recent.take(id) : undefined;
      const loaded = recent ?? (await this.#load(id));
      if (!loaded) throw new NotFoundError(`incident ${id} not found`);
      // `current` is this attempt's own copy (decoded for it), so mutate may change it in
      // place: a throwing mutate leaves nothing stored half-changed, and a retry decodes
      // afresh. What the key and pointer bookkeeping needs of it is read first.
      const current = loaded.incident;
      const holdsKeyBefore = !isTerminal(current.state);
      const keyBefore = current.correlationKey;
      const before = new Set(fingerprints(current));
      const value = encode({ createdRevision: loaded.order, incident: mutate(current) });
      // What a later read returns (undefined fields dropped), shared with no caller.
      const next = (JSON.parse(value) as StoredIncident).incident;
      if (next.id !== id) throw new InputError("an update must not change the incident id", "id");

      const holdsKeyAfter = !isTerminal(next.state);
      const keyChanged = keyBefore !== next.correlationKey;
      if (holdsKeyAfter && (!holdsKeyBefore || keyChanged)) await this.#claim(next.correlationKey, id);
      const self = { incident: next, order: loaded.order };
      for (const fingerprint of fingerprints(next)) {
        if (!before.has(fingerprint)) await this.#pointFingerprint(fingerprint, self);
      }

      let revision: number;
      try {
        revision = await this.#kv.update(incidentKey(id), value, loaded.revision);
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
        await pause(attempt);
        continue;
      }

      const after = new Set(fingerprints(next));
      for (const fingerprint of before) {
        if (!after.has(fingerprint)) await this.#dropPointer(fingerprintKey(fingerprint), id);
      }
      if (holdsKeyBefore && (!holdsKeyAfter || keyChanged)) await this.#release(keyBefore, id);
      this.#recent.put(id, value, revision, loaded.order);
      return next;
    }
    throw new BackendError(`incident ${id}: too many concurrent updates, try again`, BACKEND, true);
  }

  /**
   * Makes `open.<hash>` name `id`. Taken over only from an incident that no longer holds
   * the key (closed, or moved to another key), or from an orphaned claim; otherwise the
   * key is someone else's and this is a ConflictError. True when this call wrote the
   * claim, false when it already named `id`.
   */
  async #claim(correlationKey: string, id: string): Promise<boolean> {
    const key = openKey(correlationKey);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        await this.#kv.create(key, id);
        return true;
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
      }
      const entry = live(await this.#kv.get(key));
      if (!entry) continue; // deleted since: create again
      const holder = entry.string();
      if (holder === id) return false;
      const held = await this.#load(holder);
      if (held && holdsKey(held.incident, correlationKey)) throw keyConflict(correlationKey, holder);
      if (!held && Date.now() - entry.created.getTime() < this.#orphanClaimMs) {
        throw keyConflict(correlationKey, holder);
      }
      try {
        await this.#kv.update(key, id, entry.revision);
        return true;
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
        await pause(attempt);
      }
    }
    throw new BackendError(
      `correlation key ${correlationKey}: too much contention, try again`,
      BACKEND,
      true,
    );
  }

  /** Deletes `open.<hash>` if it still names `id`. */
  async #release(correlationKey: string, id: string): Promise<void> {
    await this.#dropPointer(openKey(correlationKey), id);
  }

  /** Makes `fp.<fingerprint>` name `self` unless a newer incident holding that alert has it. */
  async #pointFingerprint(fingerprint: string, self: OrderedIncident) {
    const key = fingerprintKey(fingerprint);
    const id = self.incident.id;
    // A new alert's fingerprint is usually unclaimed: try the create first, read only when taken.
    try {
      await this.#kv.create(key, id);
      return;
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
    }
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const entry = live(await this.#kv.get(key));
      try {
        if (!entry) {
          await this.#kv.create(key, id);
          return;
        }
        const holder = entry.string();
        if (holder === id) return;
        const other = await this.#load(holder);
        if (other && holdsFingerprint(other.incident, fingerprint) && newestFirst(other, self) < 0) return;
        await this.#kv.update(key, id, entry.revision);
        return;
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
        await pause(attempt);
      }
    }
    throw new BackendError(`fingerprint ${fingerprint}: too much contention, try again`, BACKEND, true);
  }

  /** Deletes a pointer key only while it names `id`; a concurrent change wins. */
  async #dropPointer(key: string, id: string): Promise<void> {
    const entry = live(await this.#kv.get(key));
    if (!entry || entry.string() !== id) return;
    try {
      await this.#kv.delete(key, { previousSeq: entry.revision });
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
    }
  }

  /** The id a pointer key names, if it holds one. */
  async #pointer(key: string): Promise<string | undefined> {
    return live(await this.#kv.get(key))?.string();
  }

  async #load(id: string): Promise<Loaded | undefined> {
    return decode(live(await this.#kv.get(incidentKey(id))));
  }

  /** Every stored incident. Keys first (headers only), then the values, SCAN_CONCURRENCY at a time. */
  /** Reads every `inc.` entry, keeping those `keep` accepts (all by default). */
  /** Every incident key, listed (no values read). */
  async #incidentKeys(): Promise<string[]> {
    const keys: string[] = [];
    const iterator = await this.#kv.keys("inc.>");
    // A keys iterator has no timeout of its own: stop it if the connection stalls mid-scan,
    // and fail rather than return a partial list.
    let stalled = false;
    const stall = setTimeout(() => {
      stalled = true;
      iterator.stop();
    }, this.#operationTimeoutMs);
    try {
      for await (const key of iterator) keys.push(key);
    } finally {
      clearTimeout(stall);
    }
    if (stalled) throw new BackendError("NATS KV scan stalled", BACKEND, true);
    return keys;
  }

  /**
   * Reads the incidents of `keys` (default: all) and hands each to `visit`, keeping none
   * itself: a caller keeps what it needs, so a large bucket is never held whole.
   */
  async #scan(visit: (entry: Loaded) => void, keys?: string[]): Promise<void> {
    const all = keys ?? (await this.#incidentKeys());
    for (let i = 0; i < all.length; i += SCAN_CONCURRENCY) {
      const batch = all.slice(i, i + SCAN_CONCURRENCY);
      const entries = await Promise.all(batch.map(async (key) => decode(live(await this.#kv.get(key)))));
      // A key deleted between the listing and the read is simply gone.
      for (const entry of entries) if (entry) visit(entry);
    }
  }

  /** Deletes the oldest resolved or failed incidents while more than `max` are stored. */
  async #prune(max: number): Promise<void> {
    // Listing keys is cheap; values are read only when there is something to prune.
    const keys = await this.#incidentKeys();
    if (keys.length <= max) return;
    const all: Loaded[] = [];
    await this.#scan((entry) => void all.push(entry), keys);
    let excess = all.length - max;
    if (excess <= 0) return;
    const victims = all.filter((l) => isTerminal(l.incident.state)).sort((a, b) => newestFirst(b, a));
    for (const victim of victims) {
      if (excess <= 0) break;
      try {
        // Revision-checked: an incident changed since the scan (reopened, say) is kept.
        await this.#kv.purge(incidentKey(victim.incident.id), { previousSeq: victim.revision });
      } catch (error) {
        if (isWrongLastSequence(error)) continue;
        throw error;
      }
      excess--;
      for (const fingerprint of fingerprints(victim.incident)) {
        await this.#dropPointer(fingerprintKey(fingerprint), victim.incident.id);
      }
      await this.#release(victim.incident.correlationKey, victim.incident.id);
    }
  }

  /** Runs updates of one incident one after another within this instance. */
  async #queued<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#updateTails.get(id) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.#updateTails.set(id, tail);
    try {
      return await current;
    } finally {
      if (this.#updateTails.get(id) === tail) this.#updateTails.delete(id);
    }
  }

  /** The system's errors pass through; NATS errors and stalls become BackendError. */
  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new BackendError("the incident store is closed", BACKEND, false);
    return withDeadline(what, this.#operationTimeoutMs, fn);
  }
}

async function withDeadline<T>(what: string, ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const work = fn();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BackendError(`NATS KV ${what} took longer than ${ms} ms`, BACKEND, true)),
      ms,
    );
  });
  // The abandoned call may still fail later; that failure has nobody left to tell.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } catch (error) {
    throw toBackendError(error, what);
  } finally {
    clearTimeout(timer);
  }
}

function toBackendError(error: unknown, what: string): Error {
  if (error instanceof AiopsError) return error;
  const permanent =
    error instanceof ClosedConnectionError ||
    error instanceof DrainingConnectionError ||
    error instanceof InvalidArgumentError ||
    error instanceof InvalidSubjectError ||
    error instanceof PermissionViolationError;
  const detail = error instanceof Error ? `: ${error.message}` : "";
  return new BackendError(`NATS KV ${what} failed${detail}`, BACKEND, !permanent, { cause: error });
}

function isWrongLastSequence(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

function positive(value: number | undefined, fallback: number, field: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new InputError(`${field} must be a positive number`, field);
  return v;
}

/** Waits a little before a retry, with jitter, so that two replicas stop colliding. */
async function pause(attempt: number): Promise<void> {
  const ms = Math.min(100, 2 ** Math.min(attempt, 6)) * Math.random();
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** An entry that holds a value, or undefined for a missing, deleted or purged key. */
function live(entry: KvEntry | null): KvEntry | undefined {
  return entry && entry.operation === "PUT" ? entry : undefined;
}

function encode(stored: StoredIncident): string {
  return JSON.stringify(stored);
}

function decode(entry: KvEntry | undefined): Loaded | undefined {
  if (!entry) return undefined;
  const stored = entry.json<StoredIncident>();
  return {
    incident: stored.incident,
    revision: entry.revision,
    order: stored.createdRevision ?? entry.revision,
  };
}

function fingerprints(incident: Incident): string[] {
  return [...new Set(incident.alerts.map((a) => a.fingerprint))];
}

function holdsKey(incident: Incident, correlationKey: string): boolean {
  return !isTerminal(incident.state) && incident.correlationKey === correlationKey;
}

function holdsFingerprint(incident: Incident, fingerprint: string): boolean {
  return incident.alerts.some((a) => a.fingerprint === fingerprint);
}

function keyConflict(correlationKey: string, holder: string | undefined): ConflictError {
  const by = holder === undefined ? "another incident" : `incident ${holder}`;
  return new ConflictError(`${by} is already open for key ${correlationKey}`);
}

/**
 * One KV key token for arbitrary text: `[-_a-zA-Z0-9]` stay, every other UTF-8 byte
 * becomes `=XX`. Injective (`=` itself is escaped), and never empty or dotted, so that an
 * id cannot reach into another key's space.
 */
export function keyToken(text: string): string {
  if (text === "") return "=";
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[-_a-zA-Z0-9]/.test(c) ? c : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function incidentKey(id: string): string {
  return `inc.${keyToken(id)}`;
}

function fingerprintKey(fingerprint: string): string {
  return `fp.${keyToken(fingerprint)}`;
}

/** Correlation keys are long and full of `|` and `/`: a fixed-length hash keeps the key valid. */
function openKey(correlationKey: string): string {
  return `open.${createHash("sha256").update(correlationKey).digest("hex")}`;
}

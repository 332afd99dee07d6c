import { BackendError, InputError, NotFoundError } from "../../core/errors.js";
import {
  isSqliteError,
  openDatabase,
  sqliteError,
  type SqliteDatabase,
} from "../../store/sqlite/database.js";
import type {
  MemoryFilter,
  MemoryRecord,
  SimilarIncident,
  VectorSpace,
  VectorStore,
} from "../vector-store.js";

/**
 * The embedded store's own tables, beside the program's migrated schema in the same file.
 * Idempotent, so it runs on every open; it is not part of the user_version migrations because
 * the vector memory is a cache of what the incidents say and may be rebuilt.
 * `version` counts writes to a collection and `seq` is the version that last wrote a row, so
 * a process can pick up rows written by another connection without re-reading everything.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS memory_collections (
    id INTEGER PRIMARY KEY,
    model TEXT NOT NULL,
    dimension INTEGER NOT NULL CHECK (dimension > 0),
    version INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (model, dimension)
  );
  CREATE TABLE IF NOT EXISTS memory_items (
    collection_id INTEGER NOT NULL REFERENCES memory_collections (id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL,
    vector BLOB NOT NULL,
    record TEXT NOT NULL CHECK (json_valid(record)),
    seq INTEGER NOT NULL,
    PRIMARY KEY (collection_id, incident_id)
  );
  CREATE INDEX IF NOT EXISTS memory_items_seq ON memory_items (collection_id, seq);
`;

/**
 * One collection's vectors in memory: a row-major Float32 matrix of L2-normalised vectors
 * with the records beside it, so a query reads no SQLite rows.
 */
interface Cache {
  version: number;
  size: number;
  matrix: Float32Array;
  records: MemoryRecord[];
  rowOf: Map<string, number>;
}

interface Collection {
  id: number;
  dimension: number;
  cache?: Cache;
}

interface ItemRow {
  incident_id: string;
  vector: Buffer;
  record: string;
}

export interface EmbeddedVectorStoreOptions {
  /** Close the database handle in `close()`. Default false: the handle's owner closes it. */
  closeDatabase?: boolean;
}

/**
 * VectorStore in the program's SQLite file: one collection per vector space, vectors stored
 * as little-endian Float32 BLOBs with the record as JSON.
 *
 * Search is exact: a cosine scan (a dot product of normalised vectors) over an in-memory
 * matrix per collection, loaded lazily and kept in sync on writes; the metadata filter is
 * applied before ranking. A scan costs O(n · d): it is fine for thousands of incidents, but
 * the benchmark target of < 5 ms per query at 100k × 384 needs an approximate (HNSW) index,
 * which this class does not have yet.
 */
export class EmbeddedVectorStore implements VectorStore {
  readonly name = "embedded";
  readonly #db: SqliteDatabase;
  readonly #closeDatabase: boolean;
  readonly #collections = new Map<string, Collection>();
  readonly #statements;

  constructor(db: SqliteDatabase, options: EmbeddedVectorStoreOptions = {}) {
    this.#db = db;
    this.#closeDatabase = options.closeDatabase ?? false;
    try {
      db.exec(SCHEMA);
      this.#statements = {
        findCollection: db.prepare<[string, number], { id: number }>(
          "SELECT id FROM memory_collections WHERE model = ? AND dimension = ?",
        ),
        insertCollection: db.prepare<[string, number, string]>(
          "INSERT OR IGNORE INTO memory_collections (model, dimension, created_at) VALUES (?, ?, ?)",
        ),
        version: db.prepare<[number], { version: number }>(
          "SELECT version FROM memory_collections WHERE id = ?",
        ),
        bumpVersion: db.prepare<[number], { version: number }>(
          "UPDATE memory_collections SET version = version + 1 WHERE id = ? RETURNING version",
        ),
        upsertItem: db.prepare<[number, string, Buffer, string, number]>(
          `INSERT INTO memory_items (collection_id, incident_id, vector, record, seq) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (collection_id, incident_id)
           DO UPDATE SET vector = excluded.vector, record = excluded.record, seq = excluded.seq`,
        ),
        getRecord: db.prepare<[number, string], { record: string }>(
          "SELECT record FROM memory_items WHERE collection_id = ? AND incident_id = ?",
        ),
        setRecord: db.prepare<[string, number, number, string]>(
          "UPDATE memory_items SET record = ?, seq = ? WHERE collection_id = ? AND incident_id = ?",
        ),
        count: db.prepare<[number], { n: number }>(
          "SELECT count(*) AS n FROM memory_items WHERE collection_id = ?",
        ),
        itemsSince: db.prepare<[number, number], ItemRow>(
          "SELECT incident_id, vector, record FROM memory_items WHERE collection_id = ? AND seq > ? ORDER BY seq",
        ),
      };
    } catch (error) {
      throw sqliteError(error, "preparing the embedded vector store");
    }
  }

  /** Opens (creating if needed) the SQLite file at `path` and a store that closes it on `close()`. */
  static open(path: string): EmbeddedVectorStore {
    return new EmbeddedVectorStore(openDatabase(path), { closeDatabase: true });
  }

  async upsert(
    space: VectorSpace,
    items: readonly { vector: Float32Array; record: MemoryRecord }[],
  ): Promise<void> {
    checkSpace(space);
    if (items.length === 0) return;
    const prepared = items.map(({ vector, record }) => ({
      vector: normalised(vector, space.dimension),
      record: { ...record },
    }));
    const collection = this.#collection(space, true);
    if (!collection) return;
    const s = this.#statements;
    const write = this.#db.transaction(() => {
      const version = s.bumpVersion.get(collection.id)?.version ?? 0;
      for (const { vector, record } of prepared) {
        s.upsertItem.run(
          collection.id,
          record.incidentId,
          Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength),
          JSON.stringify(record),
          version,
        );
      }
      return version;
    });
    const version = this.#run(() => write.immediate(), "upsert");
    const cache = collection.cache;
    // Apply our own write to the cache only when nothing else wrote in between; otherwise the
    // next query catches up from SQLite (our rows included).
    if (cache && cache.version === version - 1) {
      for (const { vector, record } of prepared) setRow(cache, record, vector, space.dimension);
      cache.version = version;
    }
  }

  async query(
    space: VectorSpace,
    vector: Float32Array,
    k: number,
    filter: MemoryFilter = {},
  ): Promise<SimilarIncident[]> {
    checkSpace(space);
    const q = normalised(vector, space.dimension);
    if (!(k > 0)) return [];
    const collection = this.#collection(space, false);
    if (!collection) return [];
    const cache = this.#fresh(collection);
    const accept = matcher(filter);
    if (accept === "none") return [];
    const best = topK(cache, q, Math.floor(k), accept === "all" ? undefined : accept);
    return best.map(({ row, score }) => ({
      ...(cache.records[row] as MemoryRecord),
      similarity: Math.min(1, Math.max(0, score)),
    }));
  }

  async updateRecord(
    space: VectorSpace,
    incidentId: string,
    patch: Partial<Omit<MemoryRecord, "incidentId">>,
  ): Promise<void> {
    checkSpace(space);
    const collection = this.#collection(space, false);
    const notFound = () =>
      new NotFoundError(`no remembered incident ${incidentId} in ${space.model}/${space.dimension}`);
    if (!collection) throw notFound();
    const s = this.#statements;
    const write = this.#db.transaction(() => {
      const row = s.getRecord.get(collection.id, incidentId);
      if (!row) return undefined;
      const record: MemoryRecord = {
        ...(JSON.parse(row.record) as MemoryRecord),
        ...definedOnly(patch),
        incidentId,
      };
      const version = s.bumpVersion.get(collection.id)?.version ?? 0;
      s.setRecord.run(JSON.stringify(record), version, collection.id, incidentId);
      return { record, version };
    });
    const result = this.#run(() => write.immediate(), "updateRecord");
    if (!result) throw notFound();
    const cache = collection.cache;
    if (cache && cache.version === result.version - 1) {
      const row = cache.rowOf.get(incidentId);
      if (row !== undefined) cache.records[row] = result.record;
      cache.version = result.version;
    }
  }

  async count(space: VectorSpace): Promise<number> {
    checkSpace(space);
    const collection = this.#collection(space, false);
    if (!collection) return 0;
    return this.#run(() => this.#statements.count.get(collection.id)?.n ?? 0, "count");
  }

  async close(): Promise<void> {
    this.#collections.clear();
    if (this.#closeDatabase && this.#db.open) this.#db.close();
  }

  /** The collection of a space; created when `create`, otherwise undefined when absent. */
  #collection(space: VectorSpace, create: boolean): Collection | undefined {
    const key = `${space.dimension}\u0000${space.model}`;
    const known = this.#collections.get(key);
    if (known) return known;
    const s = this.#statements;
    const id = this.#run(() => {
      if (create) s.insertCollection.run(space.model, space.dimension, new Date().toISOString());
      return s.findCollection.get(space.model, space.dimension)?.id;
    }, "collection lookup");
    if (id === undefined) return undefined;
    const collection: Collection = { id, dimension: space.dimension };
    this.#collections.set(key, collection);
    return collection;
  }

  /** The collection's cache, loaded on first use and brought up to date with SQLite. */
  #fresh(collection: Collection): Cache {
    const s = this.#statements;
    return this.#run(() => {
      const version = s.version.get(collection.id)?.version ?? 0;
      let cache = collection.cache;
      if (cache && cache.version === version) return cache;
      cache ??= { version: 0, size: 0, matrix: new Float32Array(0), records: [], rowOf: new Map() };
      const dim = collection.dimension;
      for (const row of s.itemsSince.iterate(collection.id, cache.version)) {
        if (row.vector.byteLength !== dim * 4) {
          throw new BackendError(
            `embedded vector store: item ${row.incident_id} has ${row.vector.byteLength / 4} dimensions, expected ${dim}`,
            "sqlite",
            false,
          );
        }
        // Copy the bytes: a Buffer's offset need not be 4-aligned for a Float32Array view.
        const vector = new Float32Array(dim);
        new Uint8Array(vector.buffer).set(row.vector);
        setRow(cache, JSON.parse(row.record) as MemoryRecord, vector, dim);
      }
      cache.version = version;
      collection.cache = cache;
      return cache;
    }, "loading vectors");
  }

  #run<T>(fn: () => T, what: string): T {
    try {
      return fn();
    } catch (error) {
      if (isSqliteError(error)) throw sqliteError(error, `embedded vector store ${what}`);
      throw error;
    }
  }
}

function checkSpace(space: VectorSpace): void {
  if (!Number.isInteger(space.dimension) || space.dimension <= 0) {
    throw new InputError(`vector space dimension must be a positive integer, got ${space.dimension}`);
  }
  if (space.model.length === 0) throw new InputError("vector space model must not be empty");
}

/** A copy of `vector` scaled to unit length; all zeros stay zeros (similarity 0 to anything). */
function normalised(vector: Float32Array, dimension: number): Float32Array {
  if (vector.length !== dimension) {
    throw new InputError(`vector has ${vector.length} dimensions, the space has ${dimension}`);
  }
  let norm = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i] as number;
    if (!Number.isFinite(x)) throw new InputError("vector contains a non-finite value");
    norm += x * x;
  }
  const out = new Float32Array(dimension);
  if (norm === 0) return out;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimension; i++) out[i] = (vector[i] as number) * scale;
  return out;
}

/** Inserts or replaces one row of the cache, growing the matrix geometrically. */
function setRow(cache: Cache, record: MemoryRecord, vector: Float32Array, dim: number): void {
  let row = cache.rowOf.get(record.incidentId);
  if (row === undefined) {
    row = cache.size++;
    if (cache.size * dim > cache.matrix.length) {
      const grown = new Float32Array(Math.max(64, cache.size * 2) * dim);
      grown.set(cache.matrix);
      cache.matrix = grown;
    }
    cache.rowOf.set(record.incidentId, row);
  }
  cache.matrix.set(vector, row * dim);
  cache.records[row] = record;
}

/**
 * The filter as a predicate on records: `all` when there is no filter, `none` when nothing
 * can match (an empty outcome list).
 */
function matcher(filter: MemoryFilter): ((record: MemoryRecord) => boolean) | "all" | "none" {
  const { category } = filter;
  const outcomes =
    filter.outcome === undefined
      ? undefined
      : new Set<string>(Array.isArray(filter.outcome) ? filter.outcome : [filter.outcome]);
  if (outcomes && outcomes.size === 0) return "none";
  if (category === undefined && outcomes === undefined) return "all";
  return (record) =>
    (category === undefined || record.category === category) &&
    (outcomes === undefined || outcomes.has(record.outcome));
}

/** The k rows most similar to `q` (dot product of unit vectors), best first; ties by row order. */
function topK(
  cache: Cache,
  q: Float32Array,
  k: number,
  accept: ((record: MemoryRecord) => boolean) | undefined,
): { row: number; score: number }[] {
  const { matrix, records, size } = cache;
  const dim = q.length;
  const tail = dim - (dim % 4);
  // Scoring first, in a tight loop (four accumulators let the JIT pipeline the multiplies);
  // rows the filter rejects score -Infinity and are never selected.
  const scores = new Float64Array(size);
  for (let row = 0, base = 0; row < size; row++, base += dim) {
    if (accept !== undefined && !accept(records[row] as MemoryRecord)) {
      scores[row] = -Infinity;
      continue;
    }
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j < tail; j += 4) {
      s0 += (q[j] as number) * (matrix[base + j] as number);
      s1 += (q[j + 1] as number) * (matrix[base + j + 1] as number);
      s2 += (q[j + 2] as number) * (matrix[base + j + 2] as number);
      s3 += (q[j + 3] as number) * (matrix[base + j + 3] as number);
    }
    for (; j < dim; j++) s0 += (q[j] as number) * (matrix[base + j] as number);
    scores[row] = s0 + s1 + s2 + s3;
  }
  if (k >= size) {
    const all: { row: number; score: number }[] = [];
    for (let row = 0; row < size; row++) {
      const score = scores[row] as number;
      if (score !== -Infinity) all.push({ row, score });
    }
    return all.sort((a, b) => b.score - a.score || a.row - b.row);
  }
  // A sorted list of the best k so far; k is small (a handful of similar incidents), so most
  // rows are rejected by one comparison with the k-th score.
  const best: { row: number; score: number }[] = [];
  let floor = -Infinity;
  for (let row = 0; row < size; row++) {
    const score = scores[row] as number;
    if (score === -Infinity || (best.length >= k && score <= floor)) continue;
    let at = best.length;
    while (at > 0 && (best[at - 1] as { score: number }).score < score) at--;
    best.splice(at, 0, { row, score });
    if (best.length > k) best.pop();
    if (best.length >= k) floor = (best[best.length - 1] as { score: number }).score;
  }
  return best;
}

/** The keys of `patch` whose value is defined: an absent field means "unchanged". */
function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

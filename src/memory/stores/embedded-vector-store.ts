import { BackendError, InputError, NotFoundError } from "../../core/errors.js";
import {
  isSqliteError,
  openDatabase,
  sqliteError,
  type SqliteDatabase,
} from "../../store/sqlite/database.js";
import {
  filterOutcomes,
  patchRecord,
  type MemoryFilter,
  type MemoryRecord,
  type SimilarIncident,
  type VectorSpace,
  type VectorStore,
} from "../vector-store.js";
import { CollectionIndex, type HnswSettings, type IndexRows, type IndexStatus } from "./hnsw-index.js";

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
 * with the records beside it, so a query reads no SQLite rows. Rows never move; `counts`
 * holds how many records have each category and outcome, so a filter's selectivity is known
 * without a scan. The HNSW index, when the collection has one, is over these rows.
 */
interface Cache {
  version: number;
  size: number;
  matrix: Float32Array;
  records: MemoryRecord[];
  rowOf: Map<string, number>;
  counts: Map<string, Map<string, number>>;
  index?: CollectionIndex;
  /** Queries answered by the index and by a scan. */
  answered: { index: number; scan: number };
}

interface Collection {
  id: number;
  model: string;
  dimension: number;
  cache?: Cache;
  /** A load of many rows in progress (queries wait for it). */
  loading?: Promise<void>;
}

interface ItemRow {
  incident_id: string;
  vector: Buffer;
  record: string;
}

/** Rows read per event-loop turn when many are loaded (a few milliseconds' work). */
const PAGE_ROWS = 500;

export interface EmbeddedVectorStoreOptions {
  /** Close the database handle in `close()`. Default false: the handle's owner closes it. */
  closeDatabase?: boolean;
  /**
   * How queries search: `exact` always scans; `hnsw` keeps an HNSW index of every collection
   * and uses it for every query it can answer; `auto` (the default) keeps an index for
   * collections of at least `exactBelow` rows and scans the smaller ones (and filters that
   * leave fewer rows than that).
   */
  index?: "auto" | "exact" | "hnsw";
  /** With `auto`: the row count below which a collection, or a filter's rows, is scanned. Default 5000. */
  exactBelow?: number;
  /** HNSW parameters. Defaults: m 16, efConstruction 100, ef 128, sliceMs 5. */
  hnsw?: Partial<HnswSettings>;
  /**
   * Save each index beside a file database (in `<file>.hnsw/`), so that a restart loads it
   * instead of rebuilding it. Default true; never for an in-memory database.
   */
  persistIndex?: boolean;
}

/** How a collection is searched now, for diagnostics and the benchmark. */
export interface SearchStatus extends Partial<IndexStatus> {
  /** What the next query without a filter would use. */
  search: "exact" | "hnsw";
  rows: number;
  /** Queries answered so far by the index and by a scan, since the vectors were loaded. */
  answered: { index: number; scan: number };
}

const DEFAULT_EXACT_BELOW = 5000;
const DEFAULT_HNSW: HnswSettings = { m: 16, efConstruction: 100, ef: 128, sliceMs: 5 };
/** An index that has fallen behind by more rows than this is not used: the query scans. */
const PENDING_SCAN_LIMIT = 1000;

/**
 * VectorStore in the program's SQLite file: one collection per vector space, vectors stored
 * as little-endian Float32 BLOBs with the record as JSON.
 *
 * Each collection is searched in an in-memory matrix of its unit vectors, by cosine similarity
 * (the dot product of unit vectors). The matrix is loaded on first use (in pages, one per
 * event-loop turn, while the collection's queries wait) and kept in sync on writes and with
 * rows other connections wrote (by `seq`). Small collections are scanned exactly (O(n · d):
 * about a millisecond for a few thousand rows of 384 dimensions, ~35 ms at 100k). From
 * `exactBelow` rows on (option `index`),
 * an HNSW index (hnswlib) answers instead: built in the background in slices that yield to the
 * event loop, saved beside the database file and loaded on restart after a check against the
 * rows (see CollectionIndex). Until it has caught up, queries scan; rows it has not indexed yet
 * are scanned beside each search, so no row is ever missed. The metadata filter is applied
 * before ranking: through the index's filter callback, or by a scan when it leaves fewer than
 * `exactBelow` rows or the index returns fewer than k. Similarities are always exact.
 */
export class EmbeddedVectorStore implements VectorStore {
  readonly name = "embedded";
  readonly #db: SqliteDatabase;
  readonly #closeDatabase: boolean;
  readonly #collections = new Map<string, Collection>();
  readonly #statements;
  readonly #exactBelow: number;
  readonly #hnsw: HnswSettings;
  readonly #indexDir: string | undefined;
  #closed = false;

  constructor(db: SqliteDatabase, options: EmbeddedVectorStoreOptions = {}) {
    this.#db = db;
    this.#closeDatabase = options.closeDatabase ?? false;
    const mode = options.index ?? "auto";
    this.#exactBelow =
      mode === "exact" ? Infinity : mode === "hnsw" ? 0 : (options.exactBelow ?? DEFAULT_EXACT_BELOW);
    this.#hnsw = { ...DEFAULT_HNSW, ...options.hnsw };
    this.#indexDir = options.persistIndex !== false && !db.memory ? `${db.name}.hnsw` : undefined;
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
        countSince: db.prepare<[number, number], { n: number }>(
          "SELECT count(*) AS n FROM memory_items WHERE collection_id = ? AND seq > ?",
        ),
        // By rowid, in table order (NOT INDEXED: the seq index would sort every page again).
        pageSince: db.prepare<[number, number, number, number], ItemRow & { rid: number }>(
          `SELECT rowid AS rid, incident_id, vector, record FROM memory_items NOT INDEXED
           WHERE rowid > ? AND collection_id = ? AND seq > ? ORDER BY rowid LIMIT ?`,
        ),
      };
    } catch (error) {
      throw sqliteError(error, "preparing the embedded vector store");
    }
  }

  /** Opens (creating if needed) the SQLite file at `path` and a store that closes it on `close()`. */
  static open(
    path: string,
    options: Omit<EmbeddedVectorStoreOptions, "closeDatabase"> = {},
  ): EmbeddedVectorStore {
    return new EmbeddedVectorStore(openDatabase(path), { ...options, closeDatabase: true });
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
      this.#indexRows(collection, cache);
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
    const n = Math.floor(k);
    const accept = matcher(filter);
    // Nothing to find: the collection is not even looked up.
    if (!(n > 0) || accept === "none") return [];
    const collection = this.#collection(space, false);
    if (!collection) return [];
    const cache = await this.#fresh(collection);
    const best = this.#search(cache, q, n, accept === "all" ? undefined : accept, filter);
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
      const record = patchRecord({ ...(JSON.parse(row.record) as MemoryRecord), incidentId }, patch);
      const version = s.bumpVersion.get(collection.id)?.version ?? 0;
      s.setRecord.run(JSON.stringify(record), version, collection.id, incidentId);
      return { record, version };
    });
    const result = this.#run(() => write.immediate(), "updateRecord");
    if (!result) throw notFound();
    const cache = collection.cache;
    if (cache && cache.version === result.version - 1) {
      const row = cache.rowOf.get(incidentId);
      if (row !== undefined) putRecord(cache, row, result.record);
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
    this.#closed = true;
    const collections = [...this.#collections.values()];
    this.#collections.clear();
    await Promise.all(collections.map((c) => c.loading?.catch(() => undefined)));
    await Promise.all(collections.map((c) => c.cache?.index?.close()));
    if (this.#closeDatabase && this.#db.open) this.#db.close();
  }

  /** How the space is searched now (loading its vectors if they are not in memory yet). */
  async searchStatus(space: VectorSpace): Promise<SearchStatus> {
    checkSpace(space);
    const collection = this.#collection(space, false);
    if (!collection) return { search: "exact", rows: 0, answered: { index: 0, scan: 0 } };
    const cache = await this.#fresh(collection);
    const index = cache.index;
    const answered = { ...cache.answered };
    if (!index) return { search: "exact", rows: cache.size, answered };
    const search = index.usable(PENDING_SCAN_LIMIT) ? "hnsw" : "exact";
    return { search, rows: cache.size, answered, ...index.status() };
  }

  /**
   * Resolves once the space's index, if it has one, is loaded or built and holds every row
   * (for the benchmark and tests: queries never need to wait, they scan meanwhile).
   */
  async indexSettled(space: VectorSpace): Promise<void> {
    checkSpace(space);
    const collection = this.#collection(space, false);
    if (collection) await (await this.#fresh(collection)).index?.settled();
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
    const collection: Collection = { id, model: space.model, dimension: space.dimension };
    this.#collections.set(key, collection);
    return collection;
  }

  /**
   * The collection's cache, loaded on first use and brought up to date with SQLite. A few
   * rows are read at once; many (the first load, or a large catch-up) are read in pages, one
   * per event-loop turn, while queries of the collection wait.
   */
  async #fresh(collection: Collection): Promise<Cache> {
    const s = this.#statements;
    for (;;) {
      if (collection.loading) {
        await collection.loading;
        continue;
      }
      const cache = collection.cache;
      const version = this.#run(() => s.version.get(collection.id)?.version ?? 0, "loading vectors");
      if (cache && cache.version === version) return cache;
      // Only a cache that fell behind needs to know by how much.
      const since = cache?.version ?? 0;
      const behind = cache
        ? this.#run(() => s.countSince.get(collection.id, since)?.n, "loading vectors")
        : undefined;
      if (cache && behind !== undefined && behind <= PAGE_ROWS) {
        this.#run(() => {
          for (const row of s.itemsSince.iterate(collection.id, since))
            applyRow(cache, row, collection.dimension);
        }, "loading vectors");
        cache.version = version;
        this.#indexRows(collection, cache);
        return cache;
      }
      collection.loading = this.#load(collection, version).finally(() => {
        collection.loading = undefined;
      });
    }
  }

  /** Reads the rows written since the cache's version (all of them for a new cache) in pages. */
  async #load(collection: Collection, version: number): Promise<void> {
    const s = this.#statements;
    const dim = collection.dimension;
    const cache =
      collection.cache ?? emptyCache(this.#run(() => s.count.get(collection.id)?.n ?? 0, "count") * dim);
    const since = cache.version;
    let after = 0;
    for (;;) {
      if (this.#closed) throw new BackendError("embedded vector store closed while loading", "sqlite", false);
      const rows = this.#run(
        () => s.pageSince.all(after, collection.id, since, PAGE_ROWS),
        "loading vectors",
      );
      for (const row of rows) applyRow(cache, row, dim);
      if (rows.length < PAGE_ROWS) break;
      after = (rows[rows.length - 1] as { rid: number }).rid;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Rows written meanwhile were read or have a later seq: the next query catches up.
    cache.version = version;
    collection.cache = cache;
    this.#indexRows(collection, cache);
  }

  /** Starts the collection's index once it is big enough, and lets it take the rows that changed. */
  #indexRows(collection: Collection, cache: Cache): void {
    if (!cache.index && cache.size > 0 && cache.size >= this.#exactBelow) {
      const dim = collection.dimension;
      const rows: IndexRows = {
        dimension: dim,
        get size() {
          return cache.size;
        },
        vector: (row) => cache.matrix.subarray(row * dim, (row + 1) * dim),
        incidentId: (row) => (cache.records[row] as MemoryRecord).incidentId,
        rowOf: (incidentId) => cache.rowOf.get(incidentId),
      };
      const persistence = this.#indexDir
        ? { dir: this.#indexDir, key: `c${collection.id}`, model: collection.model }
        : undefined;
      cache.index = new CollectionIndex(rows, this.#hnsw, persistence);
    }
    cache.index?.update();
  }

  /**
   * The k best rows: from the index (plus a scan of the rows it has not caught up with) when
   * it can answer, otherwise by a scan. A filter leaving fewer than `exactBelow` rows scans:
   * the index would wander through many rejected neighbours.
   */
  #search(
    cache: Cache,
    q: Float32Array,
    k: number,
    accept: ((record: MemoryRecord) => boolean) | undefined,
    filter: MemoryFilter,
  ): Scored[] {
    const index = cache.index;
    const acceptRow = accept && ((row: number) => accept(cache.records[row] as MemoryRecord));
    if (index?.usable(PENDING_SCAN_LIMIT)) {
      const matching = accept ? countMatching(cache, filter) : cache.size;
      if (matching === 0) return [];
      if (matching >= this.#exactBelow) {
        const best = new TopK(k);
        const { matrix } = cache;
        const dim = q.length;
        for (const row of index.search(q, k, acceptRow)) best.offer(row, dot(q, matrix, row * dim));
        for (const row of index.pendingRows()) {
          if (!acceptRow || acceptRow(row)) best.offer(row, dot(q, matrix, row * dim));
        }
        // Fewer than k although more rows match: the graph search fell short, so scan.
        if (best.size >= Math.min(k, matching)) {
          cache.answered.index++;
          return best.results();
        }
      }
    }
    cache.answered.scan++;
    return scan(cache, q, k, acceptRow);
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

function emptyCache(floats: number): Cache {
  return {
    version: 0,
    size: 0,
    matrix: new Float32Array(floats),
    records: [],
    rowOf: new Map(),
    counts: new Map(),
    answered: { index: 0, scan: 0 },
  };
}

/** Applies a row read from SQLite to the cache. */
function applyRow(cache: Cache, row: ItemRow, dim: number): void {
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

/**
 * Inserts or replaces one row of the cache, growing the matrix geometrically, and tells the
 * index when the row's vector is new or different.
 */
function setRow(cache: Cache, record: MemoryRecord, vector: Float32Array, dim: number): void {
  let row = cache.rowOf.get(record.incidentId);
  let changed = true;
  if (row === undefined) {
    row = cache.size++;
    if (cache.size * dim > cache.matrix.length) {
      const grown = new Float32Array(Math.max(64, cache.size * 2) * dim);
      grown.set(cache.matrix);
      cache.matrix = grown;
    }
    cache.rowOf.set(record.incidentId, row);
  } else {
    changed = !sameVector(cache.matrix, row * dim, vector);
  }
  if (changed) {
    cache.matrix.set(vector, row * dim);
    cache.index?.changed(row);
  }
  putRecord(cache, row, record);
}

function sameVector(matrix: Float32Array, base: number, vector: Float32Array): boolean {
  for (let i = 0; i < vector.length; i++) if (matrix[base + i] !== vector[i]) return false;
  return true;
}

/** Sets a row's record, keeping the per category and outcome counts. */
function putRecord(cache: Cache, row: number, record: MemoryRecord): void {
  const old = cache.records[row];
  if (old) count(cache, old, -1);
  cache.records[row] = record;
  count(cache, record, 1);
}

function count(cache: Cache, record: MemoryRecord, delta: number): void {
  let outcomes = cache.counts.get(record.category);
  if (!outcomes) cache.counts.set(record.category, (outcomes = new Map()));
  outcomes.set(record.outcome, (outcomes.get(record.outcome) ?? 0) + delta);
}

/** How many rows a filter takes, from the counts. */
function countMatching(cache: Cache, filter: MemoryFilter): number {
  const wanted = filterOutcomes(filter);
  let n = 0;
  for (const [category, outcomes] of cache.counts) {
    if (filter.category !== undefined && category !== filter.category) continue;
    if (wanted === undefined) for (const c of outcomes.values()) n += c;
    else for (const outcome of wanted) n += outcomes.get(outcome) ?? 0;
  }
  return n;
}

/**
 * The filter as a predicate on records: `all` when there is no filter, `none` when nothing
 * can match (an empty outcome list).
 */
function matcher(filter: MemoryFilter): ((record: MemoryRecord) => boolean) | "all" | "none" {
  const { category } = filter;
  const outcomes = filterOutcomes(filter);
  if (outcomes && outcomes.size === 0) return "none";
  if (category === undefined && outcomes === undefined) return "all";
  return (record) =>
    (category === undefined || record.category === category) &&
    (outcomes === undefined || outcomes.has(record.outcome));
}

interface Scored {
  row: number;
  score: number;
}

/** The dot product of `q` with the matrix row starting at `base` (four accumulators let the JIT pipeline the multiplies). */
function dot(q: Float32Array, matrix: Float32Array, base: number): number {
  const dim = q.length;
  const tail = dim - (dim % 4);
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
  return s0 + s1 + s2 + s3;
}

/**
 * The best k rows offered so far, best first; ties by row order. k is small (a handful of
 * similar incidents), so most rows are rejected by one comparison with the k-th.
 */
class TopK {
  readonly #k: number;
  readonly #best: Scored[] = [];

  constructor(k: number) {
    this.#k = k;
  }

  get size(): number {
    return this.#best.length;
  }

  offer(row: number, score: number): void {
    const best = this.#best;
    if (best.length >= this.#k && !ranksBefore(row, score, best[best.length - 1] as Scored)) return;
    let at = best.length;
    while (at > 0 && ranksBefore(row, score, best[at - 1] as Scored)) at--;
    best.splice(at, 0, { row, score });
    if (best.length > this.#k) best.pop();
  }

  results(): Scored[] {
    return this.#best;
  }
}

function ranksBefore(row: number, score: number, other: Scored): boolean {
  return score > other.score || (score === other.score && row < other.row);
}

/** The exact k rows most similar to `q` among those `accept` takes, best first; ties by row order. */
function scan(
  cache: Cache,
  q: Float32Array,
  k: number,
  accept: ((row: number) => boolean) | undefined,
): Scored[] {
  const { matrix, size } = cache;
  const dim = q.length;
  if (k >= size) {
    const all: Scored[] = [];
    for (let row = 0; row < size; row++) {
      if (!accept || accept(row)) all.push({ row, score: dot(q, matrix, row * dim) });
    }
    return all.sort((a, b) => b.score - a.score || a.row - b.row);
  }
  const best = new TopK(k);
  for (let row = 0, base = 0; row < size; row++, base += dim) {
    if (!accept || accept(row)) best.offer(row, dot(q, matrix, base));
  }
  return best.results();
}

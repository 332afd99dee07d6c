import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import hnswlib from "hnswlib-node";

type Hnsw = InstanceType<typeof hnswlib.HierarchicalNSW>;

/** The rows of one collection's in-memory cache, as the index sees them. Rows never move. */
export interface IndexRows {
  readonly dimension: number;
  readonly size: number;
  /** The row's unit vector (a view into the cache's matrix). */
  vector(row: number): Float32Array;
  incidentId(row: number): string;
  rowOf(incidentId: string): number | undefined;
}

export interface HnswSettings {
  /** Graph degree (hnswlib's M). */
  m: number;
  efConstruction: number;
  /** Candidate list size of a search (hnswlib's ef); at least k is used. */
  ef: number;
  /** How long one slice of a background build may hold the event loop. */
  sliceMs: number;
}

/** Where a collection's index is saved: `<dir>/<key>.json` names the index file beside it. */
export interface IndexPersistence {
  dir: string;
  key: string;
  model: string;
}

export interface IndexStatus {
  /** Loaded from disk or created, so that searches may use it. */
  ready: boolean;
  /** Rows whose current vector is in the index. */
  indexed: number;
  /** Rows waiting to be added (new) or re-added (vector replaced). */
  pending: number;
  /** Rows taken from a saved index when it was loaded (not rebuilt). */
  loaded: number;
  /** Why the index was given up (searches are exact from then on). */
  error?: string;
}

/** A change of the rows smaller than this is indexed at once rather than in the background. */
const SYNC_ADD_LIMIT = 32;
/** A background build saves the index when at least this many rows changed since the last save. */
const SAVE_AFTER_CHANGES = 1000;
const META_FORMAT = 2;

/**
 * The sidecar of a saved index (JSON, its lists packed into strings so it parses at once):
 * per label, the incident whose vector the label holds and that vector's fingerprint.
 */
interface Meta {
  format: number;
  space: "ip";
  model: string;
  dimension: number;
  /** The index file, in the same directory. */
  file: string;
  count: number;
  /** Incident ids by label, joined by "\n"; "" for a label whose incident is gone. */
  ids: string;
  /** Fingerprints by label: float64 little-endian, base64. */
  fingerprints: string;
}

interface Saved {
  hnsw: Hnsw;
  ids: string[];
  fingerprints: number[];
}

/**
 * An HNSW index (hnswlib, inner product on unit vectors) over the rows of one collection's
 * cache. Labels are assigned per row, once; a row whose vector is replaced keeps its label and
 * is re-added (hnswlib replaces a label's vector in place).
 *
 * The index may lag behind the rows: rows not yet (re-)added are "pending", and callers scan
 * them exactly beside a search, so a search plus the pending scan always covers every row.
 * Pending rows are added by a background build in slices of `sliceMs` that yield to the event
 * loop (setImmediate), or at once when only a few changed. A label whose row is pending still
 * holds the row's old vector: searches drop such labels.
 *
 * With `persistence`, the index is written to a file (by hnswlib, off the main thread) with a
 * JSON sidecar naming, per label, the incident and a fingerprint of the vector it holds; on
 * start it is loaded instead of rebuilt, and every label is checked against the rows: labels
 * whose incident is gone are deleted, labels whose vector changed are re-added, rows not in
 * the file are added. A file that cannot be read or does not fit means a rebuild.
 */
export class CollectionIndex {
  readonly #rows: IndexRows;
  readonly #settings: HnswSettings;
  readonly #persistence: IndexPersistence | undefined;
  #hnsw: Hnsw | undefined;
  #labelOfRow: number[] = [];
  #rowOfLabel: number[] = [];
  #fingerprintOfLabel: number[] = [];
  /** Per row: the index holds its current vector. */
  #current: boolean[] = [];
  readonly #pending = new Set<number>();
  /** Labels that hold an old vector of a pending row (searches ask for this many more). */
  #stale = 0;
  #loaded = 0;
  #changesSinceSave = 0;
  #starting: Promise<void> | undefined;
  #building: Promise<void> | undefined;
  #saving: Promise<void> | undefined;
  #closed = false;
  #error: string | undefined;
  readonly #probe: Float64Array;
  /** hnswlib takes plain arrays: one is reused for every call rather than garbage per row. */
  readonly #point: number[];

  constructor(rows: IndexRows, settings: HnswSettings, persistence?: IndexPersistence) {
    this.#rows = rows;
    this.#settings = settings;
    this.#persistence = persistence;
    this.#probe = fingerprintProbe(rows.dimension);
    this.#point = new Array<number>(rows.dimension).fill(0);
    for (let row = 0; row < rows.size; row++) this.#pending.add(row);
    if (!persistence) {
      this.#create();
      return;
    }
    this.#starting = this.#load(persistence)
      .catch(() => undefined)
      .then(async (saved) => {
        if (this.#closed) return;
        if (saved) await this.#bind(saved);
        else this.#create();
      })
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        this.#starting = undefined;
        this.#schedule();
      });
  }

  /** The row was added or its vector replaced; `update()` once the batch of changes is done. */
  changed(row: number): void {
    if (this.#current[row]) {
      this.#current[row] = false;
      this.#stale++;
    }
    this.#pending.add(row);
  }

  /** Indexes the changed rows: at once when they are few, otherwise in the background. */
  update(): void {
    this.#schedule();
  }

  /** Whether `search` may answer now, leaving at most `pendingLimit` rows to scan beside it. */
  usable(pendingLimit: number): boolean {
    return this.#hnsw !== undefined && this.#starting === undefined && this.#pending.size <= pendingLimit;
  }

  /** Rows not (correctly) in the index: scan them beside a search. */
  pendingRows(): ReadonlySet<number> {
    return this.#pending;
  }

  /**
   * Up to k rows the index finds nearest to `q`, among the rows `accept` takes; rows whose
   * vector in the index is outdated are left out (they are pending).
   */
  search(q: Float32Array, k: number, accept?: (row: number) => boolean): number[] {
    const hnsw = this.#hnsw;
    if (!hnsw) return [];
    const want = Math.min(k + this.#stale, hnsw.getMaxElements());
    if (want <= 0) return [];
    hnsw.setEf(Math.max(this.#settings.ef, want));
    const rowOf = this.#rowOfLabel;
    const filter = accept
      ? (label: number) => {
          const row = rowOf[label] ?? -1;
          return row >= 0 && this.#current[row] === true && accept(row);
        }
      : undefined;
    const { neighbors } = hnsw.searchKnn(this.#pointOf(q), want, filter);
    const rows: number[] = [];
    for (const label of neighbors) {
      const row = rowOf[label] ?? -1;
      if (row >= 0 && this.#current[row] === true) rows.push(row);
    }
    return rows;
  }

  status(): IndexStatus {
    return {
      ready: this.#hnsw !== undefined && this.#starting === undefined,
      indexed: this.#rows.size - this.#pending.size,
      pending: this.#pending.size,
      loaded: this.#loaded,
      ...(this.#error ? { error: this.#error } : {}),
    };
  }

  /** Resolves once the index is ready and has no pending rows (or is closed). */
  async settled(): Promise<void> {
    for (;;) {
      if (this.#starting) await this.#starting;
      else if (this.#building) await this.#building;
      else if (this.#saving) await this.#saving;
      else if (this.#pending.size > 0 && this.#hnsw && !this.#closed) this.#schedule();
      else return;
    }
  }

  /** Stops the background build and saves the index if it changed since it was last saved. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#starting;
    await this.#building;
    await this.#saving;
    if (this.#changesSinceSave > 0) await this.#save();
  }

  /** An empty index; every row is pending. */
  #create(): void {
    const hnsw = new hnswlib.HierarchicalNSW("ip", this.#rows.dimension);
    hnsw.initIndex({
      maxElements: Math.max(1024, Math.ceil(this.#rows.size * 1.25)),
      m: this.#settings.m,
      efConstruction: this.#settings.efConstruction,
    });
    this.#hnsw = hnsw;
    // Nothing saved matched: the next save replaces whatever is on disk.
    this.#changesSinceSave = 1;
  }

  /** Gives the index up: searches are exact from now on. */
  #fail(error: unknown): void {
    this.#hnsw = undefined;
    this.#error = error instanceof Error ? error.message : String(error);
  }

  /** Reads the saved index and its sidecar; undefined when there is none or it does not fit. */
  async #load(p: IndexPersistence): Promise<Saved | undefined> {
    const meta = JSON.parse(await readFile(join(p.dir, `${p.key}.json`), "utf8")) as Partial<Meta>;
    if (
      meta.format !== META_FORMAT ||
      meta.space !== "ip" ||
      meta.model !== p.model ||
      meta.dimension !== this.#rows.dimension ||
      typeof meta.count !== "number" ||
      typeof meta.ids !== "string" ||
      typeof meta.fingerprints !== "string" ||
      typeof meta.file !== "string" ||
      meta.file.includes("/")
    )
      return undefined;
    const ids = meta.count === 0 ? [] : meta.ids.split("\n");
    const packed = Buffer.from(meta.fingerprints, "base64");
    if (ids.length !== meta.count || packed.length !== meta.count * 8) return undefined;
    const fingerprints = Array.from({ length: meta.count }, (_, i) => packed.readDoubleLE(i * 8));
    const hnsw = new hnswlib.HierarchicalNSW("ip", this.#rows.dimension);
    await hnsw.readIndex(join(p.dir, meta.file));
    if (hnsw.getNumDimensions() !== this.#rows.dimension || hnsw.getCurrentCount() !== meta.count)
      return undefined;
    return { hnsw, ids, fingerprints };
  }

  /**
   * Takes a loaded index: labels whose vector still matches their row's are kept, the others'
   * rows stay pending (re-added under the same label). Checks in slices that yield; rows that
   * change meanwhile are marked as usual and end up pending.
   */
  async #bind(saved: Saved): Promise<void> {
    const { hnsw, ids, fingerprints } = saved;
    this.#current = [];
    this.#labelOfRow = [];
    this.#rowOfLabel = new Array<number>(ids.length).fill(-1);
    this.#fingerprintOfLabel = fingerprints;
    this.#stale = 0;
    this.#loaded = 0;
    let deadline = performance.now() + this.#settings.sliceMs;
    for (let label = 0; label < ids.length; label++) {
      if ((label & 255) === 255 && performance.now() >= deadline) {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.#closed) return;
        deadline = performance.now() + this.#settings.sliceMs;
      }
      const id = ids[label] as string;
      const row = id === "" ? undefined : this.#rows.rowOf(id);
      if (row === undefined || (this.#labelOfRow[row] ?? -1) !== -1) {
        // The incident is gone (or the label was dead already): never found again.
        try {
          hnsw.markDelete(label);
        } catch {
          // already deleted in the file
        }
        continue;
      }
      this.#labelOfRow[row] = label;
      this.#rowOfLabel[label] = row;
      if (fingerprint(this.#rows.vector(row), this.#probe) === fingerprints[label]) {
        this.#current[row] = true;
        this.#pending.delete(row);
        this.#loaded++;
      } else {
        this.#stale++;
      }
    }
    this.#hnsw = hnsw;
    this.#changesSinceSave = this.#pending.size;
  }

  /** Adds the pending rows now when they are few and the index is free, otherwise in the background. */
  #schedule(): void {
    if (this.#closed || this.#starting || this.#building || !this.#hnsw || this.#pending.size === 0) return;
    if (!this.#saving && this.#pending.size <= SYNC_ADD_LIMIT) {
      try {
        for (const row of this.#pending) this.#add(row);
      } catch (error) {
        this.#fail(error);
      }
      return;
    }
    this.#building = this.#build()
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        this.#building = undefined;
      });
  }

  async #build(): Promise<void> {
    while (!this.#closed && this.#hnsw && this.#pending.size > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      // hnswlib writes the file from another thread: the index must not change meanwhile.
      if (this.#saving) await this.#saving;
      if (this.#closed || !this.#hnsw) return;
      const deadline = performance.now() + this.#settings.sliceMs;
      for (const row of this.#pending) {
        this.#add(row);
        if (performance.now() >= deadline) break;
      }
      // Rows that changed during a save are picked up by the next turn of the loop.
      if (this.#pending.size === 0 && this.#changesSinceSave >= SAVE_AFTER_CHANGES) await this.#save();
    }
  }

  #add(row: number): void {
    const hnsw = this.#hnsw as Hnsw;
    let label = this.#labelOfRow[row] ?? -1;
    if (label === -1) {
      label = this.#rowOfLabel.length;
      if (label >= hnsw.getMaxElements()) hnsw.resizeIndex(Math.max(1024, label * 2));
      this.#labelOfRow[row] = label;
      this.#rowOfLabel.push(row);
    } else {
      this.#stale--;
    }
    const vector = this.#rows.vector(row);
    hnsw.addPoint(this.#pointOf(vector), label);
    this.#fingerprintOfLabel[label] = fingerprint(vector, this.#probe);
    this.#current[row] = true;
    this.#pending.delete(row);
    this.#changesSinceSave++;
  }

  #pointOf(vector: Float32Array): number[] {
    const point = this.#point;
    for (let i = 0; i < point.length; i++) point[i] = vector[i] as number;
    return point;
  }

  /** Writes the index and then its sidecar (atomically, by rename), and removes older files. */
  async #save(): Promise<void> {
    const p = this.#persistence;
    const hnsw = this.#hnsw;
    if (!p || !hnsw || this.#saving) return;
    const file = `${p.key}-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}.bin`;
    const ids = this.#rowOfLabel.map((row) => (row >= 0 ? this.#rows.incidentId(row) : ""));
    // An id the packing cannot hold: no saved index, so a rebuild after a restart.
    if (ids.some((id) => id.includes("\n"))) return;
    const packed = Buffer.alloc(ids.length * 8);
    ids.forEach((_, label) => packed.writeDoubleLE(this.#fingerprintOfLabel[label] ?? Number.NaN, label * 8));
    const meta: Meta = {
      format: META_FORMAT,
      space: "ip",
      model: p.model,
      dimension: this.#rows.dimension,
      file,
      count: ids.length,
      ids: ids.join("\n"),
      fingerprints: packed.toString("base64"),
    };
    const changes = this.#changesSinceSave;
    const write = async () => {
      await mkdir(p.dir, { recursive: true });
      await hnsw.writeIndex(join(p.dir, file));
      const metaPath = join(p.dir, `${p.key}.json`);
      const tmp = `${metaPath}.${randomBytes(4).toString("hex")}.tmp`;
      await writeFile(tmp, JSON.stringify(meta));
      await rename(tmp, metaPath);
      this.#changesSinceSave -= changes;
      for (const name of await readdir(p.dir)) {
        if (name !== file && name.startsWith(`${p.key}-`) && name.endsWith(".bin"))
          await unlink(join(p.dir, name)).catch(() => undefined);
      }
    };
    // The index is a cache of the rows: a failed save only means a rebuild after a restart.
    this.#saving = write()
      .catch(() => undefined)
      .finally(() => {
        this.#saving = undefined;
      });
    await this.#saving;
  }
}

/** A fixed pseudo-random direction: the dot product with it tells a changed vector apart. */
function fingerprintProbe(dimension: number): Float64Array {
  const probe = new Float64Array(dimension);
  for (let i = 0; i < dimension; i++) probe[i] = (Math.imul(i + 1, 0x9e3779b1) >>> 0) / 2 ** 32 - 0.5;
  return probe;
}

function fingerprint(vector: Float32Array, probe: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += (vector[i] as number) * (probe[i] as number);
  return sum;
}

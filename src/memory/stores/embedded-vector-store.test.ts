import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { random } from "../../bench/incident-corpus.js";
import { InputError } from "../../core/errors.js";
import { openDatabase } from "../../store/sqlite/database.js";
import type { MemoryFilter, MemoryRecord, VectorSpace, VectorStore } from "../vector-store.js";
import { describeVectorStoreContract, freshSpace, makeRecord, unitVector } from "../vector-store.contract.js";
import { EmbeddedVectorStore } from "./embedded-vector-store.js";

describeVectorStoreContract("embedded", async () => EmbeddedVectorStore.open(":memory:"));

/**
 * The same contract with the HNSW index answering every query: the index is kept from the
 * first row on, and each query checks that the index, not a scan, answered it.
 */
describeVectorStoreContract("embedded, HNSW index forced on", async () => {
  const store = EmbeddedVectorStore.open(":memory:", { index: "hnsw" });
  const checked: VectorStore = {
    name: store.name,
    upsert: (space, items) => store.upsert(space, items),
    async query(space, vector, k, filter) {
      const hits = await store.query(space, vector, k, filter);
      expect((await store.searchStatus(space)).answered.scan).toBe(0);
      return hits;
    },
    updateRecord: (space, id, patch) => store.updateRecord(space, id, patch),
    count: (space) => store.count(space),
    close: () => store.close(),
  };
  return checked;
});

describe("EmbeddedVectorStore", () => {
  const dir = mkdtempSync(join(tmpdir(), "aiops-embedded-vectors-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps its vectors in the database file across reopenings, beside the program's tables", async () => {
    const path = join(dir, "persist.db");
    const space = freshSpace();
    const first = EmbeddedVectorStore.open(path);
    await first.upsert(space, [{ vector: unitVector(8, [1]), record: makeRecord("p1") }]);
    await first.close();
    const second = EmbeddedVectorStore.open(path);
    expect(await second.count(space)).toBe(1);
    expect((await second.query(space, unitVector(8, [1]), 1))[0]?.incidentId).toBe("p1");
    await second.close();
  });

  it("takes a handle it does not close, and sees writes made through another connection", async () => {
    const path = join(dir, "shared.db");
    const space = freshSpace();
    const dbA = openDatabase(path);
    const dbB = openDatabase(path);
    const a = new EmbeddedVectorStore(dbA);
    const b = new EmbeddedVectorStore(dbB);
    await a.upsert(space, [{ vector: unitVector(8, [1]), record: makeRecord("one") }]);
    expect(await b.query(space, unitVector(8, [1]), 5)).toHaveLength(1); // b's cache is loaded now
    await a.upsert(space, [{ vector: unitVector(8, [0, 1]), record: makeRecord("two") }]);
    await a.updateRecord(space, "one", { outcome: "resolved" });
    await b.upsert(space, [{ vector: unitVector(8, [0, 0, 1]), record: makeRecord("three") }]);
    const hits = await b.query(space, unitVector(8, [1]), 5);
    expect(hits.map((h) => h.incidentId).sort()).toEqual(["one", "three", "two"]);
    expect(hits.find((h) => h.incidentId === "one")?.outcome).toBe("resolved");
    await a.close();
    await b.close();
    expect(dbA.open && dbB.open).toBe(true);
    dbA.close();
    dbB.close();
  });

  it("rejects vectors of the wrong dimension or with non-finite values", async () => {
    const store = EmbeddedVectorStore.open(":memory:");
    const space = freshSpace();
    await expect(
      store.upsert(space, [{ vector: unitVector(4, [1]), record: makeRecord("w") }]),
    ).rejects.toBeInstanceOf(InputError);
    await expect(store.query(space, Float32Array.from([NaN, 0, 0, 0, 0, 0, 0, 0]), 1)).rejects.toBeInstanceOf(
      InputError,
    );
    await store.close();
  });
});

// ---------------------------------------------------------------------------------------
// The HNSW index

const DIM = 64;
const CATEGORIES = ["oom_killed", "crash_loop_app_error", "image_pull_error", "evicted"] as const;
const OUTCOMES = ["unknown", "resolved", "confirmed"] as const;

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/** Uniformly random directions. */
function randomVectors(n: number, seed: number): Float32Array[] {
  const next = random(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: DIM }, () => gaussian(next)));
}

/**
 * Vectors around a few dozen centres, with some exact duplicates, as recurring incidents
 * give: many ties and many near neighbours.
 */
function clusteredVectors(n: number, seed: number): Float32Array[] {
  const next = random(seed);
  const centres = randomVectors(40, seed + 1);
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    if (out.length > 0 && next() < 0.2) {
      out.push(Float32Array.from(out[Math.floor(next() * out.length)] as Float32Array));
      continue;
    }
    const centre = centres[Math.floor(next() * centres.length)] as Float32Array;
    const spread = 0.1 + next() * 0.4;
    out.push(Float32Array.from(centre, (c) => c + spread * gaussian(next)));
  }
  return out;
}

function items(vectors: Float32Array[], prefix = "v"): { vector: Float32Array; record: MemoryRecord }[] {
  return vectors.map((vector, i) => ({
    vector,
    record: makeRecord(`${prefix}${i}`, {
      category: CATEGORIES[i % CATEGORIES.length],
      outcome: OUTCOMES[Math.floor(i / 4) % OUTCOMES.length],
    }),
  }));
}

/** Queries near stored vectors (a stored vector plus noise). */
function queriesNear(vectors: Float32Array[], n: number, seed: number): Float32Array[] {
  const next = random(seed);
  return Array.from({ length: n }, () => {
    const base = vectors[Math.floor(next() * vectors.length)] as Float32Array;
    return Float32Array.from(base, (c) => c + 0.3 * gaussian(next));
  });
}

/**
 * Tie-aware recall@k of `store` against `exact`: a returned item counts when its similarity
 * is at least the exact k-th similarity (less a rounding margin), since equal vectors tie.
 */
async function recall(
  store: VectorStore,
  exact: VectorStore,
  space: VectorSpace,
  queries: Float32Array[],
  k: number,
  filter?: MemoryFilter,
): Promise<number> {
  let found = 0;
  let wanted = 0;
  for (const q of queries) {
    const truth = await exact.query(space, q, k, filter);
    const hits = await store.query(space, q, k, filter);
    const kth = truth[truth.length - 1]?.similarity ?? 0;
    wanted += truth.length;
    found += Math.min(truth.length, hits.filter((h) => h.similarity >= kth - 1e-6).length);
    if (filter?.category) for (const h of hits) expect(h.category).toBe(filter.category);
  }
  return found / wanted;
}

/** A store and an exact store on one database file, sharing the rows. */
function pair(path: string, options: Parameters<typeof EmbeddedVectorStore.open>[1] = { index: "hnsw" }) {
  const store = EmbeddedVectorStore.open(path, options);
  const exact = EmbeddedVectorStore.open(path, { index: "exact" });
  return { store, exact, close: () => Promise.all([store.close(), exact.close()]) };
}

describe("EmbeddedVectorStore with its HNSW index", () => {
  const dir = mkdtempSync(join(tmpdir(), "aiops-hnsw-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const space = (): VectorSpace => freshSpace(DIM, "hnsw");

  it("finds at least 95% of the exact top 5 on random and on clustered vectors", async () => {
    for (const [name, vectors] of [
      ["random", randomVectors(3000, 11)],
      ["clustered", clusteredVectors(3000, 12)],
    ] as const) {
      const { store, exact, close } = pair(join(dir, `recall-${name}.db`));
      const s = space();
      await store.upsert(s, items(vectors));
      await store.indexSettled(s);
      const status = await store.searchStatus(s);
      expect(status).toMatchObject({ search: "hnsw", rows: 3000, indexed: 3000, pending: 0 });
      const r = await recall(store, exact, s, queriesNear(vectors, 100, 13), 5);
      expect(r, name).toBeGreaterThanOrEqual(0.95);
      expect((await store.searchStatus(s)).answered).toEqual({ index: 100, scan: 0 });
      await close();
    }
  });

  it("honours filters through the index, and scans when a filter leaves few rows", async () => {
    const { store, exact, close } = pair(join(dir, "filters.db"), { index: "auto", exactBelow: 500 });
    const s = space();
    const vectors = clusteredVectors(3000, 21);
    await store.upsert(s, items(vectors));
    await store.indexSettled(s);
    const queries = queriesNear(vectors, 40, 22);
    // A quarter of the rows: the index answers, with its filter callback.
    const category = { category: "evicted" } as const;
    expect(await recall(store, exact, s, queries, 5, category)).toBeGreaterThanOrEqual(0.95);
    expect((await store.searchStatus(s)).answered).toEqual({ index: 40, scan: 0 });
    // 1/12 of the rows (250 < exactBelow): scanned, so exactly the exact answer.
    const selective = { category: "evicted", outcome: "resolved" } as const;
    for (const q of queries.slice(0, 10)) {
      const hits = await store.query(s, q, 5, selective);
      expect(hits).toEqual(await exact.query(s, q, 5, selective));
      for (const h of hits) expect(h).toMatchObject(selective);
    }
    expect((await store.searchStatus(s)).answered).toEqual({ index: 40, scan: 10 });
    await close();
  });

  it("forgets a replaced vector's old position, in its own index and in another connection's", async () => {
    const path = join(dir, "replace.db");
    const { store, exact, close } = pair(path);
    const other = EmbeddedVectorStore.open(path, { index: "hnsw", persistIndex: false });
    const s = space();
    const vectors = randomVectors(2000, 31);
    await store.upsert(s, items(vectors));
    await Promise.all([store.indexSettled(s), other.indexSettled(s)]);
    const old = vectors[7] as Float32Array;
    const moved = unitVector(DIM, [0, 0, 0, 1]);
    expect((await store.query(s, old, 1))[0]?.incidentId).toBe("v7");
    // Replaced through the store itself, then through the other connection.
    await store.upsert(s, [{ vector: moved, record: makeRecord("v7", { category: "volume_error" }) }]);
    for (const reader of [store, other]) {
      const atOld = await reader.query(s, old, 5);
      expect(atOld.map((h) => h.incidentId)).not.toContain("v7");
      expect(atOld).toEqual(await exact.query(s, old, 5));
      const [atNew] = await reader.query(s, moved, 1);
      expect(atNew).toMatchObject({ incidentId: "v7", category: "volume_error" });
      expect(atNew?.similarity).toBeCloseTo(1, 5);
    }
    const back = vectors[7] as Float32Array;
    await other.upsert(s, [{ vector: back, record: makeRecord("v7") }]);
    expect((await store.query(s, back, 1))[0]).toMatchObject({ incidentId: "v7", category: "oom_killed" });
    expect((await store.query(s, moved, 5)).map((h) => h.incidentId)).not.toContain("v7");
    for (const reader of [store, other]) expect((await reader.searchStatus(s)).answered.scan).toBe(0);
    await other.close();
    await close();
  });

  it("indexes rows another connection writes, with record updates seen by filters", async () => {
    const path = join(dir, "two-instances.db");
    const first = EmbeddedVectorStore.open(path, { index: "hnsw" });
    const second = EmbeddedVectorStore.open(path, { index: "hnsw" });
    const s = space();
    const vectors = randomVectors(1500, 41);
    await first.upsert(s, items(vectors.slice(0, 1000)));
    await second.indexSettled(s); // loads the first 1000 rows and indexes them
    await first.upsert(s, items(vectors.slice(1000), "w"));
    await first.updateRecord(s, "v3", { outcome: "corrected" });
    expect(await second.count(s)).toBe(1500);
    await second.indexSettled(s);
    expect(await second.searchStatus(s)).toMatchObject({ rows: 1500, indexed: 1500, pending: 0 });
    const [hit] = await second.query(s, vectors[1200] as Float32Array, 1);
    expect(hit).toMatchObject({ incidentId: "w200" });
    expect(hit?.similarity).toBeCloseTo(1, 5);
    const [corrected] = await second.query(s, vectors[3] as Float32Array, 1, { outcome: "corrected" });
    expect(corrected).toMatchObject({ incidentId: "v3", outcome: "corrected" });
    expect((await second.searchStatus(s)).answered.scan).toBe(0);
    await first.close();
    await second.close();
  });

  it("builds in slices: timers run while a large build goes on, and queries scan meanwhile", async () => {
    const { store, exact, close } = pair(":memory:");
    await exact.close();
    const s = { model: "slices", dimension: 384 };
    const next = random(51);
    const vectors = Array.from({ length: 4000 }, () =>
      Float32Array.from({ length: 384 }, () => gaussian(next)),
    );
    await store.upsert(s, items(vectors));
    const before = await store.searchStatus(s); // loads the rows and starts the build
    expect(before).toMatchObject({ search: "exact", rows: 4000, pending: 4000 });
    const order: string[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    setTimeout(() => order.push("timer"), 0);
    const settled = store.indexSettled(s).then(() => order.push("settled"));
    const [hit] = await store.query(s, vectors[123] as Float32Array, 1); // answered by a scan
    expect(hit?.incidentId).toBe("v123");
    await settled;
    clearInterval(timer);
    expect(order).toEqual(["timer", "settled"]);
    expect(ticks).toBeGreaterThan(1);
    expect(await store.searchStatus(s)).toMatchObject({
      search: "hnsw",
      indexed: 4000,
      answered: { scan: 1 },
    });
    await close();
  });

  it("loads many stored rows in pages: timers run meanwhile, and writes made during the load are seen", async () => {
    const path = join(dir, "paged-load.db");
    const s = space();
    const vectors = randomVectors(3000, 81);
    const writer = EmbeddedVectorStore.open(path, { index: "exact" });
    await writer.upsert(s, items(vectors));
    const reader = EmbeddedVectorStore.open(path, { index: "exact" });
    const order: string[] = [];
    setTimeout(() => order.push("timer"), 0);
    const first = reader.query(s, vectors[42] as Float32Array, 1).then((hits) => {
      order.push("query");
      return hits;
    });
    const second = reader.query(s, vectors[2999] as Float32Array, 1); // waits for the same load
    await new Promise((resolve) => setImmediate(resolve));
    const late = unitVector(DIM, [0, 0, 0, 0, 1]);
    await writer.upsert(s, [{ vector: late, record: makeRecord("late") }]);
    expect((await first)[0]?.incidentId).toBe("v42");
    expect((await second)[0]?.incidentId).toBe("v2999");
    expect(order).toEqual(["timer", "query"]);
    expect((await reader.query(s, late, 1))[0]?.incidentId).toBe("late");
    expect(await reader.searchStatus(s)).toMatchObject({ rows: 3001 });
    await writer.close();
    await reader.close();
  });

  it("saves the index beside the file and loads it on restart, redoing only rows that changed", async () => {
    const path = join(dir, "restart.db");
    const s = space();
    const vectors = randomVectors(2000, 61);
    const first = EmbeddedVectorStore.open(path, { index: "hnsw" });
    await first.upsert(s, items(vectors));
    await first.indexSettled(s);
    await first.close(); // saves the index
    expect(readdirSync(`${path}.hnsw`).filter((f) => f.endsWith(".bin"))).toHaveLength(1);

    const second = EmbeddedVectorStore.open(path, { index: "hnsw" });
    await second.indexSettled(s);
    expect(await second.searchStatus(s)).toMatchObject({ loaded: 2000, indexed: 2000, pending: 0 });
    await second.close(); // nothing changed: nothing to save

    // Changed behind the index's back: v5 moves, a new row arrives.
    const writer = EmbeddedVectorStore.open(path, { index: "exact" });
    const moved = unitVector(DIM, [0, 1]);
    await writer.upsert(s, [
      { vector: moved, record: makeRecord("v5") },
      { vector: unitVector(DIM, [0, 0, 1]), record: makeRecord("new") },
    ]);
    await writer.close();
    const third = EmbeddedVectorStore.open(path, { index: "hnsw" });
    await third.indexSettled(s);
    expect(await third.searchStatus(s)).toMatchObject({ rows: 2001, loaded: 1999, indexed: 2001 });
    expect((await third.query(s, vectors[5] as Float32Array, 5)).map((h) => h.incidentId)).not.toContain(
      "v5",
    );
    expect((await third.query(s, moved, 1))[0]?.incidentId).toBe("v5");
    expect((await third.query(s, unitVector(DIM, [0, 0, 1]), 1))[0]?.incidentId).toBe("new");
    await third.close();

    // A damaged index file is rebuilt, not trusted.
    for (const f of readdirSync(`${path}.hnsw`).filter((f) => f.endsWith(".bin")))
      writeFileSync(join(`${path}.hnsw`, f), "not an index");
    const fourth = EmbeddedVectorStore.open(path, { index: "hnsw" });
    await fourth.indexSettled(s);
    expect(await fourth.searchStatus(s)).toMatchObject({ loaded: 0, indexed: 2001, pending: 0 });
    expect((await fourth.query(s, moved, 1))[0]?.incidentId).toBe("v5");
    await fourth.close();
  });

  it("keeps no index files for an in-memory database or with persistIndex false", async () => {
    const path = join(dir, "no-persist.db");
    const s = space();
    const store = EmbeddedVectorStore.open(path, { index: "hnsw", persistIndex: false });
    await store.upsert(s, items(randomVectors(100, 71)));
    await store.indexSettled(s);
    expect((await store.searchStatus(s)).indexed).toBe(100);
    await store.close();
    expect(existsSync(`${path}.hnsw`)).toBe(false);
  });
});

/**
 * The incident-memory benchmark: top-5 query latency and recall@5 against exact search, insert
 * rate and memory, at 10k and 100k stored incidents, for the embedded store (exact scan and
 * HNSW index) and for Chroma (through the adapter and as the client's bare query), in one run.
 *
 * Data: synthetic incident signatures (incident-corpus.ts: apps failing in the failure modes of
 * the RCA vocabulary, recurring with variations) embedded by the default HashingEmbedder (384
 * dimensions); queries are further incidents of the same source, so they are near (sometimes
 * identical to) stored ones. Baselines of the same run: the exact scan for the embedded index,
 * the client's bare query for the Chroma adapter. Writes bench/results/memory.{json,md}.
 *
 *   node --expose-gc dist/bench/memory.js          (after npm run build)
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { ChromaClient, type Collection } from "chromadb";
import { startChromaServer, type ChromaServer } from "../harness/chroma-server.js";
import { HashingEmbedder } from "../memory/embedders/hashing-embedder.js";
import { ChromaVectorStore, collectionName } from "../memory/stores/chroma-vector-store.js";
import { EmbeddedVectorStore } from "../memory/stores/embedded-vector-store.js";
import type { MemoryRecord, SimilarIncident, VectorSpace, VectorStore } from "../memory/vector-store.js";
import { incidentSource } from "./incident-corpus.js";
import {
  fmt,
  loadAverage,
  machine,
  packageVersion,
  percentile,
  runIfMain,
  targetLines,
  targetsSection,
  writeFormatted,
  type Machine,
  type Target,
} from "./report.js";
import { ROOT, processRssMiB } from "./processes.js";

const DIMENSION = 384;

export interface MemoryBenchOptions {
  /** Stored incidents per step. Default [10_000, 100_000]. */
  sizes?: number[];
  /** Queries per store and size. Default 300. */
  queries?: number;
  /** Items per upsert call. Default 1000. */
  batch?: number;
  /** Measure Chroma too (skipped with a note when its server cannot start). Default true. */
  chroma?: boolean;
  /** Where memory.json and memory.md go. Default bench/results of the repository. */
  outDir?: string;
  log?: (line: string) => void;
}

export interface QueryFigure {
  p50Ms: number;
  p99Ms: number;
  /** Tie-aware recall@5 against the exact scan. */
  recall: number;
}

export interface SizeFigures {
  size: number;
  /** Distinct signatures among the stored incidents; queries whose signature is stored. */
  distinctSignatures: number;
  identicalQueries: number;
  embedded: {
    /** Items per second through EmbeddedVectorStore.upsert (SQLite, batched). */
    insertPerSec: number;
    /** The first query of a store: loads the vectors from SQLite (in pages), and the longest event-loop delay meanwhile. */
    loadMs: number;
    loadMaxDelayMs: number;
    exact: QueryFigure & { memoryMiB: number };
    hnsw: QueryFigure & {
      memoryMiB: number;
      /** From the first query to the index holding every row (includes saving the file). */
      buildS: number;
      buildPerSec: number;
      /** The longest the event loop was held during the build, after the first query returned. */
      buildMaxDelayMs: number;
      answeredByIndex: number;
      answeredByScan: number;
    };
    /**
     * A new store on the same file, with the index saved by the previous one: its first query
     * (loading the rows, then scanning), then the saved index loaded and checked.
     */
    restart: {
      firstQueryMs: number;
      firstQueryMaxDelayMs: number;
      indexLoadMs: number;
      loadedRows: number;
      maxDelayMs: number;
    };
  };
  chroma?: {
    insertPerSec: number;
    /** The server's RSS growth while the collection was filled, and its RSS then. */
    memoryMiB: number;
    serverRssMiB: number;
    adapter: QueryFigure;
    bare: QueryFigure;
    adapterOverBare: number;
  };
}

export interface MemoryReport {
  date: string;
  machine: Machine & { hnswlib: string; chroma: string };
  settings: { queries: number; k: number; batch: number; dimension: number; embedder: string };
  sizes: SizeFigures[];
  chromaSkipped?: string;
  targets: Target[];
}

const K = 5;
const MiB = 1024 * 1024;

function rssMiB(): number {
  global.gc?.();
  return process.memoryUsage().rss / MiB;
}

function memoryMachine(loadAtStart: number): MemoryReport["machine"] {
  return {
    ...machine(ROOT, loadAtStart),
    hnswlib: `hnswlib-node ${packageVersion(ROOT, "hnswlib-node")}`,
    chroma: `chromadb ${packageVersion(ROOT, "chroma-server")} server, chromadb ${packageVersion(ROOT, "chromadb")} client`,
  };
}

/** The corpus: stored incidents' vectors in one matrix (row i is incident `inc-i`), and the queries. */
function corpus(size: number, queries: number) {
  const source = incidentSource({ seed: 2026 });
  const embedder = new HashingEmbedder({ dimension: DIMENSION });
  const matrix = new Float32Array(size * DIMENSION);
  const records: MemoryRecord[] = [];
  const signatures = new Set<string>();
  for (let i = 0; i < size; i++) {
    const incident = source.next(`inc-${i}`);
    matrix.set(embedder.embedOne(incident.signature), i * DIMENSION);
    records.push(incident.record);
    signatures.add(incident.signature);
  }
  const querySignatures = Array.from({ length: queries }, (_, i) => source.next(`query-${i}`).signature);
  return {
    matrix,
    records,
    vector: (row: number) => matrix.subarray(row * DIMENSION, (row + 1) * DIMENSION),
    /** Distinct signatures among the first n, and queries identical to one of them. */
    distinct(n: number) {
      const stored = new Set(records.slice(0, n).map((r) => r.signature));
      return {
        distinctSignatures: stored.size,
        identicalQueries: querySignatures.filter((s) => stored.has(s)).length,
      };
    },
    queries: querySignatures.map((s) => embedder.embedOne(s)),
  };
}
type Corpus = ReturnType<typeof corpus>;

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/**
 * Tie-aware recall@k: a returned incident counts when its exact similarity to the query is
 * at least the exact k-th similarity less 1e-6 (identical signatures tie).
 */
function recallOf(data: Corpus, exact: string[][], answers: string[][]): number {
  const rowOf = (id: string) => Number(id.slice(id.indexOf("-") + 1));
  let found = 0;
  let wanted = 0;
  answers.forEach((ids, i) => {
    const q = data.queries[i] as Float32Array;
    const truth = exact[i] ?? [];
    const kth = dot(q, data.vector(rowOf(truth[truth.length - 1] ?? "x-0")));
    wanted += truth.length;
    found += Math.min(truth.length, ids.filter((id) => dot(q, data.vector(rowOf(id))) >= kth - 1e-6).length);
  });
  return wanted === 0 ? 1 : found / wanted;
}

/** Times one query function over all queries (after a warm-up); returns latencies and the answers. */
async function timeQueries(
  queries: Float32Array[],
  fn: (q: Float32Array) => Promise<string[]>,
): Promise<{ times: number[]; answers: string[][] }> {
  for (const q of queries.slice(0, 20)) await fn(q);
  const times: number[] = [];
  const answers: string[][] = [];
  for (const q of queries) {
    const started = performance.now();
    answers.push(await fn(q));
    times.push(performance.now() - started);
  }
  return { times, answers };
}

function figure(times: number[], recall: number): QueryFigure {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), recall };
}

const ids = (hits: SimilarIncident[]) => hits.map((h) => h.incidentId);

async function insert(
  store: VectorStore,
  space: VectorSpace,
  data: Corpus,
  from: number,
  to: number,
  batch: number,
): Promise<number> {
  const started = performance.now();
  for (let i = from; i < to; i += batch) {
    const items = [];
    for (let row = i; row < Math.min(to, i + batch); row++)
      items.push({ vector: data.vector(row), record: data.records[row] as MemoryRecord });
    await store.upsert(space, items);
  }
  return (to - from) / ((performance.now() - started) / 1000);
}

/** Runs `fn` and returns its result with the longest event-loop delay seen meanwhile. */
async function withLoopDelay<T>(fn: () => Promise<T>): Promise<{ result: T; maxDelayMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    const result = await fn();
    return { result, maxDelayMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

async function embeddedFigures(
  data: Corpus,
  size: number,
  space: VectorSpace,
  dir: string,
  batch: number,
  log: (line: string) => void,
): Promise<{ figures: SizeFigures["embedded"]; exactAnswers: string[][] }> {
  const path = join(dir, `memory-${size}.db`);
  const before = rssMiB();
  const exact = EmbeddedVectorStore.open(path, { index: "exact" });
  const insertPerSec = await insert(exact, space, data, 0, size, batch);
  let started = performance.now();
  const load = await withLoopDelay(() => exact.query(space, data.queries[0] as Float32Array, K));
  const loadMs = performance.now() - started;
  const exactMemory = rssMiB() - before;
  const exactRun = await timeQueries(data.queries, async (q) => ids(await exact.query(space, q, K)));
  const exactFigure = { ...figure(exactRun.times, 1), memoryMiB: exactMemory };
  log(
    `  embedded exact: insert ${fmt(insertPerSec, 0)}/s, first query ${fmt(loadMs, 0)} ms (max event-loop delay ${fmt(load.maxDelayMs)} ms), p50 ${fmt(exactFigure.p50Ms, 2)} ms, RSS +${fmt(exactMemory, 0)} MiB`,
  );

  // A second store on the file: the index is built from the stored rows, as after a restart
  // without a saved index.
  const beforeIndex = rssMiB();
  const hnsw = EmbeddedVectorStore.open(path, { index: "auto" });
  started = performance.now();
  await hnsw.query(space, data.queries[0] as Float32Array, K); // loads the rows, starts the build, scans
  const build = await withLoopDelay(() => hnsw.indexSettled(space));
  const buildS = (performance.now() - started) / 1000;
  const hnswMemory = rssMiB() - beforeIndex;
  const hnswRun = await timeQueries(data.queries, async (q) => ids(await hnsw.query(space, q, K)));
  const status = await hnsw.searchStatus(space);
  const hnswFigure = {
    ...figure(hnswRun.times, recallOf(data, exactRun.answers, hnswRun.answers)),
    memoryMiB: hnswMemory,
    buildS,
    buildPerSec: size / buildS,
    buildMaxDelayMs: build.maxDelayMs,
    answeredByIndex: status.answered.index,
    answeredByScan: status.answered.scan,
  };
  log(
    `  embedded hnsw: build ${fmt(buildS)} s (max event-loop delay ${fmt(build.maxDelayMs)} ms), p50 ${fmt(hnswFigure.p50Ms, 2)} ms, recall@5 ${fmt(hnswFigure.recall, 3)}, RSS +${fmt(hnswMemory, 0)} MiB`,
  );
  await hnsw.close();

  // Restart: the saved index is loaded and checked instead of rebuilt.
  const again = EmbeddedVectorStore.open(path, { index: "auto" });
  started = performance.now();
  const first = await withLoopDelay(() => again.query(space, data.queries[0] as Float32Array, K));
  const firstQueryMs = performance.now() - started;
  started = performance.now();
  const reload = await withLoopDelay(() => again.indexSettled(space));
  const restart = {
    firstQueryMs,
    firstQueryMaxDelayMs: first.maxDelayMs,
    indexLoadMs: performance.now() - started,
    loadedRows: (await again.searchStatus(space)).loaded ?? 0,
    maxDelayMs: reload.maxDelayMs,
  };
  log(
    `  embedded restart: first query ${fmt(firstQueryMs, 0)} ms (max event-loop delay ${fmt(first.maxDelayMs)} ms), index loaded ${fmt(restart.indexLoadMs, 0)} ms later (${restart.loadedRows} rows, max event-loop delay ${fmt(reload.maxDelayMs)} ms)`,
  );
  await again.close();
  await exact.close();
  return {
    figures: {
      insertPerSec,
      loadMs,
      loadMaxDelayMs: load.maxDelayMs,
      exact: exactFigure,
      hnsw: hnswFigure,
      restart,
    },
    exactAnswers: exactRun.answers,
  };
}

async function chromaFigures(
  server: ChromaServer,
  data: Corpus,
  size: number,
  space: VectorSpace,
  batch: number,
  exactAnswers: string[][],
  log: (line: string) => void,
): Promise<NonNullable<SizeFigures["chroma"]>> {
  const store = new ChromaVectorStore({ url: server.url });
  const before = processRssMiB(server.pid());
  const insertPerSec = await insert(store, space, data, 0, size, batch);
  const serverRssMiB = processRssMiB(server.pid());
  const client = new ChromaClient({ host: "127.0.0.1", port: server.port });
  const collection: Collection = await client.getCollection({ name: collectionName("aiops", space) });
  const bare = async (q: Float32Array) => {
    const result = await collection.query({
      queryEmbeddings: [Array.from(q)],
      nResults: K,
      include: ["distances", "metadatas", "documents"],
    });
    return result.ids[0] ?? [];
  };
  const adapter = async (q: Float32Array) => ids(await store.query(space, q, K));
  // Interleaved, one query of each in turn, so drift on the machine affects both alike.
  for (const q of data.queries.slice(0, 20)) {
    await adapter(q);
    await bare(q);
  }
  const adapterTimes: number[] = [];
  const bareTimes: number[] = [];
  const adapterAnswers: string[][] = [];
  const bareAnswers: string[][] = [];
  for (const q of data.queries) {
    let started = performance.now();
    adapterAnswers.push(await adapter(q));
    adapterTimes.push(performance.now() - started);
    started = performance.now();
    bareAnswers.push(await bare(q));
    bareTimes.push(performance.now() - started);
  }
  await store.close();
  const a = figure(adapterTimes, recallOf(data, exactAnswers, adapterAnswers));
  const b = figure(bareTimes, recallOf(data, exactAnswers, bareAnswers));
  const figures = {
    insertPerSec,
    memoryMiB: serverRssMiB - before,
    serverRssMiB,
    adapter: a,
    bare: b,
    adapterOverBare: a.p50Ms / b.p50Ms,
  };
  log(
    `  chroma: insert ${fmt(insertPerSec, 0)}/s, server RSS +${fmt(figures.memoryMiB, 0)} MiB, adapter p50 ${fmt(a.p50Ms, 2)} ms, bare p50 ${fmt(b.p50Ms, 2)} ms (${fmt(figures.adapterOverBare, 2)}x), recall@5 ${fmt(a.recall, 3)}`,
  );
  return figures;
}

export async function runMemoryBench(options: MemoryBenchOptions = {}): Promise<MemoryReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const sizes = options.sizes ?? [10_000, 100_000];
  const settings = {
    queries: options.queries ?? 300,
    k: K,
    batch: options.batch ?? 1000,
    dimension: DIMENSION,
    embedder: "hashing-v1",
  };
  const outDir = options.outDir ?? join(ROOT, "bench/results");
  const date = new Date().toISOString();
  const loadAtStart = loadAverage();
  const dir = mkdtempSync(join(tmpdir(), "aiops-memory-bench-"));
  let server: ChromaServer | undefined;
  let chromaSkipped: string | undefined = options.chroma === false ? "not requested" : undefined;
  try {
    let started = performance.now();
    const data = corpus(Math.max(...sizes), settings.queries);
    log(
      `memory benchmark: ${Math.max(...sizes)} incidents and ${settings.queries} queries embedded in ${fmt((performance.now() - started) / 1000)} s`,
    );
    if (!chromaSkipped) {
      try {
        server = await startChromaServer({ timeoutMs: 60_000 });
      } catch (error) {
        chromaSkipped = error instanceof Error ? error.message : String(error);
        log(`  Chroma skipped: ${chromaSkipped}`);
      }
    }
    const results: SizeFigures[] = [];
    for (const size of sizes) {
      log(` ${size} incidents`);
      const space: VectorSpace = { model: `bench-${size}`, dimension: DIMENSION };
      started = performance.now();
      const embedded = await embeddedFigures(data, size, space, dir, settings.batch, log);
      const chroma = server
        ? await chromaFigures(server, data, size, space, settings.batch, embedded.exactAnswers, log)
        : undefined;
      results.push({
        size,
        ...data.distinct(size),
        embedded: embedded.figures,
        ...(chroma ? { chroma } : {}),
      });
      log(`  (${fmt((performance.now() - started) / 1000)} s)`);
    }
    const largest = results[results.length - 1] as SizeFigures;
    const h = largest.embedded.hnsw;
    const c = largest.chroma;
    const report: MemoryReport = {
      date,
      machine: memoryMachine(loadAtStart),
      settings,
      sizes: results,
      ...(chromaSkipped ? { chromaSkipped } : {}),
      targets: [
        {
          name: `embedded HNSW top-5 p50 at ${largest.size}`,
          target: "< 5 ms",
          value: `${fmt(h.p50Ms, 2)} ms (exact scan ${fmt(largest.embedded.exact.p50Ms, 1)} ms)`,
          met: h.p50Ms < 5,
        },
        {
          name: `embedded HNSW recall@5 at ${largest.size}`,
          target: ">= 0.95",
          value: fmt(h.recall, 3),
          met: h.recall >= 0.95,
        },
        {
          name: `Chroma adapter p50 / bare query p50 at ${largest.size}`,
          target: "<= 2",
          value: c
            ? `${fmt(c.adapterOverBare, 2)} (${fmt(c.adapter.p50Ms, 2)} / ${fmt(c.bare.p50Ms, 2)} ms)`
            : "skipped",
          met: c !== undefined && c.adapterOverBare <= 2,
        },
      ],
    };
    mkdirSync(outDir, { recursive: true });
    await writeFormatted(join(outDir, "memory.json"), JSON.stringify(report, null, 2));
    await writeFormatted(join(outDir, "memory.md"), renderMarkdown(report));
    return report;
  } finally {
    await server?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderMarkdown(report: MemoryReport): string {
  const m = report.machine;
  const s = report.settings;
  const rows: string[] = [];
  for (const z of report.sizes) {
    const e = z.embedded;
    rows.push(
      `| ${z.size} | embedded, exact scan (baseline) | ${fmt(e.insertPerSec, 0)} | ${fmt(e.exact.memoryMiB, 0)} | ${fmt(e.exact.p50Ms, 2)} | ${fmt(e.exact.p99Ms, 2)} | ${fmt(e.exact.recall, 3)} | 1.00 |`,
      `| ${z.size} | embedded, HNSW index | ${fmt(e.insertPerSec, 0)} + index ${fmt(e.hnsw.buildPerSec, 0)} | ${fmt(e.hnsw.memoryMiB, 0)} | ${fmt(e.hnsw.p50Ms, 2)} | ${fmt(e.hnsw.p99Ms, 2)} | ${fmt(e.hnsw.recall, 3)} | ${fmt(e.hnsw.p50Ms / e.exact.p50Ms, 3)} |`,
    );
    if (z.chroma) {
      const c = z.chroma;
      rows.push(
        `| ${z.size} | Chroma, bare client query (baseline) | ${fmt(c.insertPerSec, 0)} | ${fmt(c.memoryMiB, 0)} (server ${fmt(c.serverRssMiB, 0)}) | ${fmt(c.bare.p50Ms, 2)} | ${fmt(c.bare.p99Ms, 2)} | ${fmt(c.bare.recall, 3)} | 1.00 |`,
        `| ${z.size} | Chroma, through the adapter | ${fmt(c.insertPerSec, 0)} | ${fmt(c.memoryMiB, 0)} | ${fmt(c.adapter.p50Ms, 2)} | ${fmt(c.adapter.p99Ms, 2)} | ${fmt(c.adapter.recall, 3)} | ${fmt(c.adapterOverBare, 2)} |`,
      );
    }
  }
  return [
    "# Incident-memory benchmark: embedded store (exact, HNSW) and Chroma",
    "",
    `Generated by \`npm run bench\` (src/bench/memory.ts) on ${report.date}.`,
    "",
    `Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memGiB} GiB; Node ${m.node}; ${m.hnswlib}; ${m.chroma}; commit ${m.commit}. Load average (1 min) ${m.loadAverage.start} at the start, ${m.loadAverage.end} at the end (other work on the machine slows every figure; ratios of one run are the comparable ones).`,
    "",
    `Data: synthetic incident signatures in the format of src/memory/signature.ts (src/bench/incident-corpus.ts: 2000 apps failing in the RCA vocabulary's failure modes, recurring with variations of exit codes, events, probes and log lines), embedded by the ${s.embedder} feature-hashing embedder at ${s.dimension} dimensions. ${s.queries} queries are further incidents of the same source: near stored ones, some identical (counts below).`,
    "",
    `Method: each store is filled through its VectorStore adapter in batches of ${s.batch} (embedded: one SQLite transaction per batch in a file with synchronous=full; Chroma: one upsert request per batch). Then ${s.queries} top-${s.k} queries, one at a time after 20 warm-up queries; latency is the awaited call. Recall@${s.k} is tie-aware against the exact scan: a returned incident counts when its exact cosine similarity is at least the ${s.k}th exact similarity less 1e-6. Memory: for the embedded store, the growth of this process's RSS (after a GC) from before the store was opened to after its vectors were loaded (and, for HNSW, indexed); for Chroma, the growth of the server process's VmRSS (/proc) while the collection was filled. The HNSW store's memory is its own copy of the vectors (as the exact store's) plus the index: hnswlib keeps a copy of each vector and the graph, with room for 25% more rows. The HNSW index (hnswlib, M 16, efConstruction 100, ef 128) is built by a second store on the same file, as after a restart without a saved index: in slices of 5 ms that yield to the event loop, queries scanning meanwhile. Chroma's bare query is the chromadb client's \`collection.query\` with the same vector and includes (distances, metadatas, documents), interleaved with the adapter's query one by one.`,
    "",
    "## Queries and inserts",
    "",
    "| stored | store | insert items/s | memory MiB | p50 ms | p99 ms | recall@5 | p50 / baseline |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    ...(report.chromaSkipped ? [`Chroma was not measured: ${report.chromaSkipped}.`, ""] : []),
    "Stored signatures and queries:",
    "",
    "| stored | distinct signatures | queries identical to a stored signature |",
    "| ---: | ---: | ---: |",
    ...report.sizes.map(
      (z) => `| ${z.size} | ${z.distinctSignatures} | ${z.identicalQueries} of ${s.queries} |`,
    ),
    "",
    "## The embedded index: build and restart",
    "",
    "A store's first query loads the collection's vectors from SQLite, in pages of 500 rows, one per event-loop turn, then answers by a scan (the exact store's first query, below). Build: from the first query of a second store on a file with no saved index until the index holds every row, written in slices of 5 ms (and the index file saved beside the database). Restart: a third store on the same file: its first query (loading the rows, scanning), then the saved index read (by hnswlib, off the main thread) and checked against the rows in slices. Event-loop delay: the longest delay perf_hooks' monitorEventLoopDelay (5 ms resolution) saw during that phase; a first query's delay includes its own scan of every row; garbage collection and other processes on the machine count too.",
    "",
    "| stored | first query ms | its max event-loop delay ms | index build s | rows/s | max event-loop delay ms during the build | restart: first query ms | its max event-loop delay ms | restart: index ready ms later | rows taken from the saved index | max event-loop delay ms while loading it |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...report.sizes.map((z) => {
      const e = z.embedded;
      const r = e.restart;
      return `| ${z.size} | ${fmt(e.loadMs, 0)} | ${fmt(e.loadMaxDelayMs)} | ${fmt(e.hnsw.buildS)} | ${fmt(e.hnsw.buildPerSec, 0)} | ${fmt(e.hnsw.buildMaxDelayMs)} | ${fmt(r.firstQueryMs, 0)} | ${fmt(r.firstQueryMaxDelayMs)} | ${fmt(r.indexLoadMs, 0)} | ${r.loadedRows} | ${fmt(r.maxDelayMs)} |`;
    }),
    "",
    `Queries answered by the index / by a scan, of the ${s.queries} timed and 20 warm-up queries after the build: ${report.sizes.map((z) => `${z.size}: ${z.embedded.hnsw.answeredByIndex} / ${z.embedded.hnsw.answeredByScan}`).join("; ")} (the first query, during the build, is the one scan).`,
    "",
    ...targetsSection(report.targets),
    "",
  ].join("\n");
}

/** The summary lines `npm run bench` prints. */
export function summariseMemory(report: MemoryReport): string[] {
  const lines: string[] = [];
  for (const z of report.sizes) {
    const e = z.embedded;
    lines.push(
      `memory  ${z.size}: exact p50 ${fmt(e.exact.p50Ms, 2)} ms; hnsw p50 ${fmt(e.hnsw.p50Ms, 2)} ms recall@5 ${fmt(e.hnsw.recall, 3)} (build ${fmt(e.hnsw.buildS)} s)` +
        (z.chroma
          ? `; chroma adapter p50 ${fmt(z.chroma.adapter.p50Ms, 2)} ms, bare ${fmt(z.chroma.bare.p50Ms, 2)} ms, recall@5 ${fmt(z.chroma.adapter.recall, 3)}`
          : ""),
    );
  }
  return [...lines, ...targetLines(report.targets)];
}

runIfMain(import.meta.url, () => runMemoryBench(), summariseMemory);

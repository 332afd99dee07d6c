import { describe, expect, it } from "vitest";
import { EmbeddedVectorStore } from "./embedded-vector-store.js";
import { freshSpace, makeRecord } from "../vector-store.contract.js";

/** A deterministic pseudo-random generator (mulberry32), so runs are comparable. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomVector(next: () => number, dimension: number): Float32Array {
  const v = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) v[i] = next() * 2 - 1;
  return v;
}

// Measures the exact scan, and only logs it: timings depend on the machine. The benchmark
// (npm run bench) is where targets are checked.
describe("EmbeddedVectorStore exact scan timing (logged, not asserted)", () => {
  it("top-5 query over 10k and 100k × 384", { timeout: 120_000 }, async () => {
    const dimension = 384;
    const store = EmbeddedVectorStore.open(":memory:");
    const space = freshSpace(dimension, "timing");
    const next = random(42);
    let stored = 0;
    for (const target of [10_000, 100_000]) {
      while (stored < target) {
        const batch = Array.from({ length: Math.min(5000, target - stored) }, (_, i) => ({
          vector: randomVector(next, dimension),
          record: makeRecord(`t${stored + i}`, { outcome: (stored + i) % 4 === 0 ? "resolved" : "unknown" }),
        }));
        await store.upsert(space, batch);
        stored += batch.length;
      }
      const queries = Array.from({ length: 20 }, () => randomVector(next, dimension));
      await store.query(space, queries[0] as Float32Array, 5); // loads the cache
      const times: number[] = [];
      for (const q of queries) {
        const started = performance.now();
        const hits = await store.query(space, q, 5);
        times.push(performance.now() - started);
        expect(hits).toHaveLength(5);
      }
      const filtered = performance.now();
      await store.query(space, queries[1] as Float32Array, 5, { outcome: "resolved" });
      const filteredMs = performance.now() - filtered;
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)] ?? 0;
      console.info(
        `embedded exact scan, ${target} × ${dimension}: top-5 median ${median.toFixed(2)} ms, ` +
          `min ${(times[0] ?? 0).toFixed(2)} ms, max ${(times[times.length - 1] ?? 0).toFixed(2)} ms; ` +
          `with an outcome filter (1/4 of rows) ${filteredMs.toFixed(2)} ms`,
      );
    }
    expect(await store.count(space)).toBe(100_000);
    await store.close();
  });
});

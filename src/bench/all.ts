/**
 * `npm run bench`: the analysis benchmark (run.ts), the NATS JetStream ingest benchmark
 * (ingest.ts, which writes bench/results/ingest.{json,md}), then the incident-memory
 * benchmark (memory.ts: embedded store exact and HNSW, and Chroma; writes
 * bench/results/memory.{json,md}), then a summary.
 *   node --expose-gc dist/bench/all.js [scenarios-dir]
 * The soak (soak.ts: 20 minutes of steady load, RSS and event-loop delay of each process
 * over time, bench/results/soak.{json,md}) is not part of it; run it on its own with
 *   npm run bench:soak -- [--minutes 20] [--rate 50]
 */
import { runIngestBench, summarise } from "./ingest.js";
import { runMemoryBench, summariseMemory } from "./memory.js";
import { DEFAULT_SCENARIOS, runAnalysisBench } from "./run.js";

async function main(): Promise<void> {
  console.log("== analysis (ratios to parsing the same webhooks)");
  await runAnalysisBench(process.argv[2] ?? DEFAULT_SCENARIOS);
  console.log("");
  console.log("== ingest: NATS JetStream (loopback)");
  const report = await runIngestBench();
  console.log("");
  console.log("== incident memory: embedded (exact, HNSW) and Chroma");
  const memory = await runMemoryBench();
  console.log("");
  console.log("== summary (bench/results/ingest.md, bench/results/memory.md)");
  for (const line of summarise(report)) console.log(line);
  for (const line of summariseMemory(memory)) console.log(line);
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

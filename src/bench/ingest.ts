/**
 * The "NATS JetStream" benchmark: collector ingestion with durable publish, beside the
 * ceilings measured in the same run on the same machine, and the end-to-end latency
 * from a webhook's 202 to its plan being stored across three processes.
 *
 * Everything runs on 127.0.0.1 with bounded load (fixed durations), each server in a
 * process of its own so that the load generator (this process) does not share its event
 * loop. Throughput varies a lot between runs, so only the ratios of one run are compared
 * with targets. Writes bench/results/ingest.json and bench/results/ingest.md.
 *
 *   node dist/bench/ingest.js          (after npm run build)
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import autocannon from "autocannon";
import { freePort, natsServerVersion, startNatsServer, type NatsServer } from "../harness/nats-server.js";
import { stopChild } from "../harness/server-process.js";
import {
  ROOT,
  cpuSeconds,
  fingerprintOf,
  natsEnv,
  post,
  sleepUntil,
  startAiops,
  startCeiling,
  stopAll,
  waitReady,
  webhookBody,
} from "./processes.js";
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

/** Seconds of paced, uncounted webhooks before the end-to-end run. */
const E2E_WARMUP_S = 3;

export interface IngestBenchOptions {
  /** Seconds of load per target. Default 10. */
  durationS?: number;
  /** Seconds of warm-up load before each target (discarded). Default 3. */
  warmupS?: number;
  /** Interleaved rounds of the HTTP targets; each figure is the median round. Default 3. */
  rounds?: number;
  /** Concurrent connections (and concurrent publishes for the bare ceiling). Default 50. */
  connections?: number;
  /** Webhooks per second of the end-to-end run. Default 100. */
  e2eRate?: number;
  /** Seconds of the end-to-end run. Default 30. */
  e2eSeconds?: number;
  /** Where ingest.json and ingest.md go. Default bench/results of the repository. */
  outDir?: string;
  /** Progress lines. Default console.log. */
  log?: (line: string) => void;
}

/** One load figure: throughput and latency of the answer. */
export interface LoadFigure {
  name: string;
  description: string;
  /** Mean of autocannon's per-second samples (requests answered per second). */
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than 2xx, and connection errors / timeouts. */
  non2xx: number;
  errors: number;
  timeouts: number;
  total: number;
  durationS: number;
  /** CPU used during the measured window, in cores (CPU seconds per second), per process. */
  cpu: { server?: number; natsServer?: number; loadGenerator: number };
}

export interface EndToEndFigure {
  rate: number;
  seconds: number;
  sent: number;
  accepted: number;
  planned: number;
  /** 202 received → "remediation proposed" logged by the remediator (after the plan is stored). */
  planStoredP50Ms: number;
  planStoredP99Ms: number;
  planStoredMaxMs: number;
  /** 202 received → the plan's createdAt (before it is written). */
  planCreatedP50Ms: number;
  planCreatedP99Ms: number;
  /** Latency of the 202 itself at this rate. */
  acceptP50Ms: number;
  acceptP99Ms: number;
  /** The slowest 202 → plan stored of the webhooks sent in each second of the run: shows whether the tail is spread or one stall. */
  perSecondMaxMs: number[];
}

export interface IngestReport {
  date: string;
  machine: Machine & { natsServer: string; autocannon: string };
  settings: { durationS: number; warmupS: number; connections: number; rounds: number };
  /** Every round of the HTTP targets, and the ratio C / B within each round. */
  rounds: { round: number; A: LoadFigure; B: LoadFigure; C0: LoadFigure; C: LoadFigure; cOverB: number }[];
  /** Alerts per second the collector agent turned into incidents in the 4 s after each round's load. */
  collectorDrainPerSec: number[];
  figures: LoadFigure[];
  ratios: {
    collectorOverNaive: number;
    collectorOverEmpty: number;
    httpPathOverNaive: number;
    naiveOverEmpty: number;
    naiveOverBarePublish: number;
  };
  endToEnd: EndToEndFigure;
  targets: Target[];
}

let runCounter = 0;

/** autocannon against POST /alert with a distinct webhook per request. */
async function load(port: number, durationS: number, connections: number): Promise<autocannon.Result> {
  const run = `r${(runCounter += 1)}x`;
  let i = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}/alert`,
    method: "POST",
    connections,
    duration: durationS,
    headers: { "content-type": "application/json" },
    requests: [
      {
        method: "POST",
        path: "/alert",
        setupRequest: (request) => ({ ...request, body: webhookBody(run, (i += 1)) }),
      },
    ],
  });
}

/** Starts counting the CPU of the server, nats-server and this process; the returned function stops. */
function cpuMeter(serverPid: number | undefined, natsPid: number | undefined): () => LoadFigure["cpu"] {
  const started = performance.now();
  const self = process.cpuUsage();
  const server = cpuSeconds(serverPid);
  const nats = cpuSeconds(natsPid);
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(self);
    const serverAfter = cpuSeconds(serverPid);
    const natsAfter = cpuSeconds(natsPid);
    const cpu: LoadFigure["cpu"] = { loadGenerator: (used.user + used.system) / 1e6 / seconds };
    if (server !== undefined && serverAfter !== undefined) cpu.server = (serverAfter - server) / seconds;
    if (nats !== undefined && natsAfter !== undefined) cpu.natsServer = (natsAfter - nats) / seconds;
    return cpu;
  };
}

const DESCRIPTIONS = {
  A: "empty Fastify route (parse JSON, 202)",
  B: "naive baseline: Fastify route awaiting one JetStream publish",
  C0: "diagnostic: the collector's HTTP path alone (agents not started)",
  C: "aiops collector (JetStream bus, KV store, no RCA/remediator)",
} as const;

/** The round with the median throughput (the lower middle one for an even count). */
function median(figures: LoadFigure[]): LoadFigure {
  const sorted = [...figures].sort((x, y) => x.requestsPerSec - y.requestsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Incidents the collector agent opens per second over `seconds`, read from its /metrics. */
async function drainRate(port: number, seconds: number): Promise<number> {
  const collected = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const match = /^aiops_stage_duration_seconds_count\{stage="collect"\} (\d+)/m.exec(text);
    return match ? Number(match[1]) : Number.NaN;
  };
  const before = await collected();
  const started = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = await collected();
  return (after - before) / ((performance.now() - started) / 1000);
}

async function measure(
  name: string,
  description: string,
  target: { port: number; pid: number | undefined; natsPid: number | undefined },
  options: Required<Pick<IngestBenchOptions, "durationS" | "warmupS" | "connections">>,
  log: (line: string) => void,
): Promise<LoadFigure> {
  const port = target.port;
  log(
    `  ${name}: warm-up ${options.warmupS}s, then ${options.durationS}s at ${options.connections} connections`,
  );
  if (options.warmupS > 0) await load(port, options.warmupS, options.connections);
  const meter = cpuMeter(target.pid, target.natsPid);
  const r = await load(port, options.durationS, options.connections);
  const cpu = meter();
  const figure: LoadFigure = {
    name,
    description,
    requestsPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    total: r.requests.total,
    durationS: r.duration,
    cpu,
  };
  log(`    ${describeFigure(figure)}`);
  return figure;
}

function describeFigure(f: LoadFigure): string {
  return `${f.requestsPerSec.toFixed(0)}/s  p50 ${f.p50Ms.toFixed(1)} ms  p99 ${f.p99Ms.toFixed(1)} ms  non-2xx ${f.non2xx}  errors ${f.errors}  CPU cores server ${cores(f.cpu.server)} nats ${cores(f.cpu.natsServer)} load ${cores(f.cpu.loadGenerator)}`;
}

/** D: publish-with-ack from one client in this process, `concurrency` publishes in flight, no HTTP. */
async function barePublish(
  url: string,
  subject: string,
  options: {
    durationS: number;
    warmupS: number;
    concurrency: number;
    msgId: boolean;
    natsPid: number | undefined;
  },
  name: string,
  description: string,
  log: (line: string) => void,
): Promise<LoadFigure> {
  const nc = await connect({ servers: url });
  try {
    const js = jetstream(nc);
    const run = `p${(runCounter += 1)}x`;
    let i = 0;
    const pass = async (seconds: number, latencies: number[] | undefined): Promise<number> => {
      const end = performance.now() + seconds * 1000;
      let count = 0;
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (performance.now() < end) {
            const n = (i += 1);
            const started = performance.now();
            await js.publish(
              subject,
              webhookBody(run, n),
              options.msgId ? { msgID: `${run}:${n}` } : undefined,
            );
            latencies?.push(performance.now() - started);
            count += 1;
          }
        }),
      );
      return count;
    };
    log(
      `  ${name}: warm-up ${options.warmupS}s, then ${options.durationS}s with ${options.concurrency} in flight`,
    );
    await pass(options.warmupS, undefined);
    const latencies: number[] = [];
    const meter = cpuMeter(undefined, options.natsPid);
    const started = performance.now();
    const count = await pass(options.durationS, latencies);
    const seconds = (performance.now() - started) / 1000;
    const cpu = meter();
    latencies.sort((a, b) => a - b);
    const figure: LoadFigure = {
      name,
      description,
      requestsPerSec: count / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      non2xx: 0,
      errors: 0,
      timeouts: 0,
      total: count,
      durationS: seconds,
      cpu,
    };
    log(`    ${describeFigure(figure)}`);
    return figure;
  } finally {
    await nc.close();
  }
}

async function ensureBenchStream(url: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "BENCH_CEILINGS", subjects: ["bench.>"] });
  } finally {
    await nc.close();
  }
}

/**
 * Deletes every stream but the ceilings' one and purges that: each round starts on a
 * server that is not carrying the previous round's backlog.
 */
async function resetStreams(url: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) {
      if (name === "BENCH_CEILINGS") await jsm.streams.purge(name);
      else await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        out[index] = await fn(items[index]!);
      }
    }),
  );
  return out;
}

/**
 * End to end: collector, RCA and remediator as three processes on a fresh stream and
 * bucket; a steady `rate` of distinct webhooks for `seconds`; per incident, from the 202
 * to the remediator's "remediation proposed" line (logged once the plan is stored).
 */
export async function endToEnd(
  url: string,
  rate: number,
  seconds: number,
  log: (line: string) => void,
): Promise<EndToEndFigure> {
  const env = natsEnv(url, "e2e", "info");
  const collector = startAiops("collector", await freePort(), env);
  const rca = startAiops("rca", await freePort(), env);
  const remediator = startAiops(
    "remediator",
    await freePort(),
    env,
    (line) => line.msg === "remediation proposed",
  );
  try {
    for (const p of [collector, rca, remediator]) {
      await waitReady(`http://127.0.0.1:${p.port}/readyz`, p.child, p.output);
    }
    // Warm-up at the same pace (not counted): connections, consumers and the JIT of all
    // three processes are warm when the measured run starts.
    const warm = Math.round(rate * E2E_WARMUP_S);
    const warmT0 = performance.now();
    const warmAnswers: Promise<unknown>[] = [];
    for (let w = 0; w < warm; w++) {
      await sleepUntil(warmT0 + (w * 1000) / rate);
      warmAnswers.push(post(collector.port, webhookBody("warm", w)));
    }
    await Promise.all(warmAnswers);
    const warmDeadline = Date.now() + 15_000;
    while (remediator.lines.length < warm && Date.now() < warmDeadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    remediator.lines.length = 0;

    const run = "e2e";
    const total = Math.round(rate * seconds);
    log(`  end to end: ${rate} webhooks/s for ${seconds}s (${total} incidents), three processes`);
    const answers: Promise<{ status: number; at: number; ms: number }>[] = [];
    const t0 = performance.now() + 50;
    for (let k = 0; k < total; k++) {
      await sleepUntil(t0 + (k * 1000) / rate);
      answers.push(post(collector.port, webhookBody(run, k)));
    }
    const results = await Promise.all(answers);
    const acceptedAt = new Map<string, number>();
    const indexOf = new Map<string, number>();
    results.forEach((r, k) => {
      if (r.status !== 202) return;
      acceptedAt.set(fingerprintOf(run, k), r.at);
      indexOf.set(fingerprintOf(run, k), k);
    });
    // Wait for the plans: until all are in, or no progress for 15 s.
    let seen = -1;
    let lastProgress = Date.now();
    while (remediator.lines.length < acceptedAt.size && Date.now() - lastProgress < 15_000) {
      if (remediator.lines.length !== seen) {
        seen = remediator.lines.length;
        lastProgress = Date.now();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const planned = remediator.lines.map((l) => ({
      id: String(l.incidentId),
      at: Date.parse(String(l.time)),
    }));
    // incident id → fingerprint (and the plan's createdAt) through the collector's API.
    const details = await mapLimit(planned, 16, async (p) => {
      const response = await fetch(`http://127.0.0.1:${collector.port}/api/incidents/${p.id}`);
      const incident = (await response.json()) as {
        alerts?: { fingerprint: string }[];
        plan?: { createdAt?: string };
      };
      return {
        fingerprint: incident.alerts?.[0]?.fingerprint ?? "",
        planCreatedAt: incident.plan?.createdAt ? Date.parse(incident.plan.createdAt) : Number.NaN,
      };
    });
    const stored: number[] = [];
    const created: number[] = [];
    const perSecondMaxMs = new Array<number>(Math.ceil(seconds)).fill(0);
    planned.forEach((p, index) => {
      const d = details[index]!;
      const accepted = acceptedAt.get(d.fingerprint);
      if (accepted === undefined) return;
      stored.push(p.at - accepted);
      const second = Math.floor((indexOf.get(d.fingerprint) ?? 0) / rate);
      perSecondMaxMs[second] = Math.max(perSecondMaxMs[second] ?? 0, p.at - accepted);
      if (Number.isFinite(d.planCreatedAt)) created.push(d.planCreatedAt - accepted);
    });
    stored.sort((a, b) => a - b);
    created.sort((a, b) => a - b);
    const accept = results.filter((r) => r.status === 202).map((r) => r.ms);
    accept.sort((a, b) => a - b);
    const figure: EndToEndFigure = {
      rate,
      seconds,
      sent: total,
      accepted: acceptedAt.size,
      planned: stored.length,
      planStoredP50Ms: percentile(stored, 50),
      planStoredP99Ms: percentile(stored, 99),
      planStoredMaxMs: stored.at(-1) ?? Number.NaN,
      planCreatedP50Ms: percentile(created, 50),
      planCreatedP99Ms: percentile(created, 99),
      acceptP50Ms: percentile(accept, 50),
      acceptP99Ms: percentile(accept, 99),
      perSecondMaxMs,
    };
    log(
      `    ${figure.planned}/${figure.accepted} planned; 202 → plan stored p50 ${figure.planStoredP50Ms} ms, p99 ${figure.planStoredP99Ms} ms; 202 itself p50 ${figure.acceptP50Ms.toFixed(1)} ms, p99 ${figure.acceptP99Ms.toFixed(1)} ms`,
    );
    return figure;
  } finally {
    await Promise.all([collector, rca, remediator].map((p) => stopChild(p.child)));
  }
}

function ingestMachine(natsServer: string, loadAtStart: number): IngestReport["machine"] {
  return {
    ...machine(ROOT, loadAtStart),
    natsServer,
    autocannon: packageVersion(ROOT, "autocannon"),
  };
}

const cores = (n: number | undefined): string => (n === undefined ? "-" : n.toFixed(2));

export function renderMarkdown(report: IngestReport): string {
  const m = report.machine;
  const s = report.settings;
  const rows = report.figures.map(
    (f) =>
      `| ${f.name} | ${f.description} | ${fmt(f.requestsPerSec, 0)} | ${fmt(f.p50Ms)} | ${fmt(f.p99Ms)} | ${f.non2xx} | ${f.errors} | ${cores(f.cpu.server)} | ${cores(f.cpu.natsServer)} | ${cores(f.cpu.loadGenerator)} |`,
  );
  const r = report.ratios;
  const e = report.endToEnd;
  return [
    "# Ingest benchmark: NATS JetStream",
    "",
    `Generated by \`npm run bench\` (src/bench/ingest.ts) on ${report.date}.`,
    "",
    `Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memGiB} GiB; Node ${m.node}; nats-server ${m.natsServer}; autocannon ${m.autocannon}; commit ${m.commit}. Load average (1 min) ${m.loadAverage.start} at the start, ${m.loadAverage.end} at the end (other work on the machine slows every figure; ratios of one run are the comparable ones).`,
    "",
    `Load: loopback only, autocannon with ${s.connections} connections, ${s.warmupS} s warm-up then ${s.durationS} s per target, each server in its own process, a distinct firing webhook per request. A, B, C0 and C are measured in ${s.rounds} interleaved rounds with fresh processes (and a fresh stream and bucket for C0 and C); the table shows each target's median round. The load generator, the server and nats-server share the machine's CPUs; CPU columns are cores used during the measured window (from /proc). Throughput varies 30-50% between runs: compare the ratios of one run, not figures across runs.`,
    "",
    "## Ingestion (webhook → 202)",
    "",
    "| target | what | req/s | p50 ms | p99 ms | non-2xx | errors | CPU server | CPU nats-server | CPU load gen |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    "| ratio | value |",
    "| --- | ---: |",
    `| C / B: collector over the naive baseline | ${fmt(r.collectorOverNaive, 2)} |`,
    `| C / A: collector over the empty route | ${fmt(r.collectorOverEmpty, 2)} |`,
    `| C0 / B: the collector's HTTP path alone over the naive baseline (diagnostic) | ${fmt(r.httpPathOverNaive, 2)} |`,
    `| B / A: naive baseline over the empty route | ${fmt(r.naiveOverEmpty, 2)} |`,
    `| B / D: naive baseline over bare publish | ${fmt(r.naiveOverBarePublish, 2)} |`,
    "",
    "Rounds (req/s, and C / B within the round):",
    "",
    "| round | A | B | C0 | C | C / B |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ...report.rounds.map(
      (x) =>
        `| ${x.round} | ${fmt(x.A.requestsPerSec, 0)} | ${fmt(x.B.requestsPerSec, 0)} | ${fmt(x.C0.requestsPerSec, 0)} | ${fmt(x.C.requestsPerSec, 0)} | ${fmt(x.cOverB, 2)} |`,
    ),
    "",
    `The collector agent (alerts → incidents, in the collector process) after each round's load: ${report.collectorDrainPerSec.map((n) => fmt(n, 0)).join(", ")} alerts/s. During C it falls behind the webhooks it accepts; the alerts wait durably in the stream.`,
    "",
    "## End to end (202 → plan stored)",
    "",
    `Collector (with \`--snapshot examples/demo/cluster.json\`), RCA and remediator as three processes on a fresh stream and KV bucket, rules only (no LLM); ${E2E_WARMUP_S} s of warm-up at the same pace (not counted), then a steady ${e.rate} webhooks/s for ${e.seconds} s, each a new incident. Latency from the 202 arriving at the sender to the remediator's "remediation proposed" log line (written after the plan is stored in the KV bucket; millisecond timestamps).`,
    "",
    "| figure | value |",
    "| --- | ---: |",
    `| webhooks sent / 202 | ${e.sent} / ${e.accepted} |`,
    `| incidents planned | ${e.planned} |`,
    `| 202 → plan stored, p50 | ${fmt(e.planStoredP50Ms, 0)} ms |`,
    `| 202 → plan stored, p99 | ${fmt(e.planStoredP99Ms, 0)} ms |`,
    `| 202 → plan stored, max | ${fmt(e.planStoredMaxMs, 0)} ms |`,
    `| 202 → plan createdAt, p50 / p99 | ${fmt(e.planCreatedP50Ms, 0)} / ${fmt(e.planCreatedP99Ms, 0)} ms |`,
    `| the 202 itself at ${e.rate}/s, p50 / p99 | ${fmt(e.acceptP50Ms)} / ${fmt(e.acceptP99Ms)} ms |`,
    "",
    `Slowest 202 → plan stored per second of the run (ms): ${e.perSecondMaxMs.join(", ")}.`,
    "",
    ...targetsSection(report.targets),
    "",
  ].join("\n");
}

export async function runIngestBench(options: IngestBenchOptions = {}): Promise<IngestReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const settings = {
    durationS: options.durationS ?? 10,
    warmupS: options.warmupS ?? 3,
    connections: options.connections ?? 50,
    rounds: options.rounds ?? 3,
  };
  const outDir = options.outDir ?? join(ROOT, "bench/results");
  const date = new Date().toISOString();
  const loadAtStart = loadAverage();
  const natsVersion = await natsServerVersion();
  let nats: NatsServer | undefined;
  const onSignal = (): void => {
    void stopAll()
      .then(() => nats?.dispose())
      .finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    nats = await startNatsServer();
    await ensureBenchStream(nats.url);
    log(`ingest benchmark: nats-server ${natsVersion} at ${nats.url}`);

    const natsPid = nats.pid();
    // The HTTP targets are measured in interleaved rounds (A B C0 C, A B C0 C, ...), each
    // server fresh, and each figure is the median round: a noisy neighbour then slows
    // one round of every target rather than all of one target.
    const rounds: Record<"A" | "B" | "C0" | "C", LoadFigure[]> = { A: [], B: [], C0: [], C: [] };
    const drainRates: number[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      log(` round ${round}/${settings.rounds}`);
      // One target: start its server, load it, stop it.
      const ceiling = async (target: "A" | "B" | "C0", args: string[], env?: NodeJS.ProcessEnv) => {
        const server = await startCeiling(args, env);
        const port = server.port;
        rounds[target].push(
          await measure(
            target,
            DESCRIPTIONS[target],
            { port, pid: server.child.pid, natsPid },
            settings,
            log,
          ),
        );
        await stopChild(server.child);
      };
      await ceiling("A", ["empty"]);
      await ceiling("B", ["publish", nats.url, "bench.baseline"]);
      await ceiling("C0", ["intake"], natsEnv(nats.url, `intake${round}`, "warn"));

      const collector = startAiops(
        "collector",
        await freePort(),
        natsEnv(nats.url, `ingest${round}`, "warn"),
      );
      await waitReady(`http://127.0.0.1:${collector.port}/readyz`, collector.child, collector.output);
      rounds.C.push(
        await measure(
          "C",
          DESCRIPTIONS.C,
          { port: collector.port, pid: collector.child.pid, natsPid },
          settings,
          log,
        ),
      );
      // The alert consumer's own pace once the HTTP load stops (it is far behind by now).
      const drain = await drainRate(collector.port, 4);
      drainRates.push(drain);
      log(`    collector agent after the load: ${drain.toFixed(0)} alerts/s turned into incidents`);
      await stopChild(collector.child);
      await resetStreams(nats.url);
    }
    const a = median(rounds.A);
    const b = median(rounds.B);
    const c0 = median(rounds.C0);
    const c = median(rounds.C);

    const bare = { ...settings, concurrency: settings.connections, natsPid };
    const d = await barePublish(
      nats.url,
      "bench.bare",
      { ...bare, msgId: false },
      "D",
      "bare JetStream publish-with-ack, one client, no HTTP",
      log,
    );
    const dId = await barePublish(
      nats.url,
      "bench.bare-id",
      { ...bare, msgId: true },
      "D'",
      "as D, with a msgID per message (server-side dedup, as the bus publishes)",
      log,
    );

    // End to end on a fresh server, not one that has just stored the runs above.
    await nats.dispose();
    nats = await startNatsServer();
    const e2e = await endToEnd(nats.url, options.e2eRate ?? 100, options.e2eSeconds ?? 30, log);

    const ratios = {
      collectorOverNaive: c.requestsPerSec / b.requestsPerSec,
      collectorOverEmpty: c.requestsPerSec / a.requestsPerSec,
      httpPathOverNaive: c0.requestsPerSec / b.requestsPerSec,
      naiveOverEmpty: b.requestsPerSec / a.requestsPerSec,
      naiveOverBarePublish: b.requestsPerSec / d.requestsPerSec,
    };
    const clean = c.non2xx === 0 && c.errors === 0;
    const report: IngestReport = {
      date,
      machine: ingestMachine(natsVersion, loadAtStart),
      settings,
      rounds: rounds.A.map((_, k) => ({
        round: k + 1,
        A: rounds.A[k]!,
        B: rounds.B[k]!,
        C0: rounds.C0[k]!,
        C: rounds.C[k]!,
        cOverB: rounds.C[k]!.requestsPerSec / rounds.B[k]!.requestsPerSec,
      })),
      collectorDrainPerSec: drainRates,
      figures: [a, b, c0, c, d, dId],
      ratios,
      endToEnd: e2e,
      targets: [
        {
          name: "collector rate vs naive baseline (C / B)",
          target: ">= 0.80",
          value: fmt(ratios.collectorOverNaive, 2),
          met: ratios.collectorOverNaive >= 0.8 && clean,
        },
        {
          name: "collector p99 of the 202",
          target: `< 30 ms at ${settings.connections} connections`,
          value: `${fmt(c.p99Ms)} ms`,
          met: c.p99Ms < 30 && clean,
        },
        {
          name: "end to end p99, 202 → plan stored",
          target: `< 100 ms at ${e2e.rate}/s`,
          value: `${fmt(e2e.planStoredP99Ms, 0)} ms (${e2e.planned}/${e2e.accepted} planned)`,
          met: e2e.planStoredP99Ms < 100 && e2e.planned === e2e.accepted && e2e.accepted === e2e.sent,
        },
      ],
    };
    mkdirSync(outDir, { recursive: true });
    await writeFormatted(join(outDir, "ingest.json"), JSON.stringify(report, null, 2));
    await writeFormatted(join(outDir, "ingest.md"), renderMarkdown(report));
    return report;
  } finally {
    await stopAll();
    await nats?.dispose();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/** The summary lines `npm run bench` prints. */
export function summarise(report: IngestReport): string[] {
  const r = report.ratios;
  const e = report.endToEnd;
  return [
    ...report.figures.map(
      (f) => `ingest  ${f.name.padEnd(2)} ${f.description.padEnd(72)} ${describeFigure(f)}`,
    ),
    `ingest  ratios  C/B ${fmt(r.collectorOverNaive, 2)}  C/A ${fmt(r.collectorOverEmpty, 2)}  C0/B ${fmt(r.httpPathOverNaive, 2)}  B/A ${fmt(r.naiveOverEmpty, 2)}  B/D ${fmt(r.naiveOverBarePublish, 2)}`,
    `e2e     ${e.rate}/s for ${e.seconds}s: ${e.planned}/${e.accepted} planned, 202 → plan stored p50 ${fmt(e.planStoredP50Ms, 0)} ms p99 ${fmt(e.planStoredP99Ms, 0)} ms`,
    ...targetLines(report.targets),
  ];
}

runIfMain(import.meta.url, () => runIngestBench(), summarise);

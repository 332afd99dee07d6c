/**
 * The soak: a bounded run at a steady rate through the real processes, watching each
 * one's memory and event-loop delay for growth. Not part of `npm test` nor of the default
 * `npm run bench`:
 *
 *   npm run bench:soak -- [--minutes 20] [--rate 50] [--interval 15] [--metrics-every 300]
 *                          [--warmup 120] [--resolve-after 60]
 *
 * A nats-server of its own (own port and store), the collector (demo snapshot as its
 * cluster), RCA and remediator as three processes on JetStream (bus and KV store), and a
 * baseline: an empty Fastify route with the same default metrics, in a process of its
 * own, sent every webhook the collector gets. The load generator (this process, loopback
 * only) posts `rate` webhooks per second: rate / 2 new alerts, each on a workload of its
 * own, and rate / 2 resolutions of the alerts that fired `resolve-after` seconds earlier,
 * so incidents are opened, diagnosed, planned and closed. Every `interval` seconds: each process's RSS (VmRSS from /proc, nats-server's
 * too) and the backlog of each JetStream consumer; every `metrics-every` seconds each node
 * process's /metrics (heap, event-loop delay since the previous read, counters). The
 * agents' /metrics is read less often because each read scans the whole incident bucket
 * (the `aiops_incidents` gauge): read every 15 s at 50 alerts/s, those scans alone make
 * the pipeline fall behind within minutes. Writes bench/results/soak.{json,md}.
 *
 * Each child node runs with `--heapsnapshot-signal=SIGUSR2`: `kill -USR2 <pid>` (the pids
 * are printed at the start) writes a heap snapshot into the printed diagnostics directory.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { freePort, natsServerVersion, startNatsServer, type NatsServer } from "../harness/nats-server.js";
import {
  ROOT,
  killAllNow,
  natsEnv,
  processRssMiB,
  sleepUntil,
  startAiops,
  startCeiling,
  stopAll,
  waitReady,
  type AiopsProcess,
} from "./processes.js";
import { loadAverage, machine, packageVersion, runIfMain, writeFormatted } from "./report.js";
import { openJetStreamProbe, totalBacklog, type JetStreamProbe } from "./soak-jetstream.js";
import { startSteadyLoad, type LoadWindow } from "./soak-load.js";
import {
  NODE_PROCESSES,
  renderSoakMarkdown,
  summariseSoak,
  type NodeProcessName,
  type ProcessFigures,
  type SoakReport,
  type SoakSample,
} from "./soak-report.js";
import { metricSum, parsePromText, type PromSample } from "./soak-stats.js";

/** The report's settings as given (the load's end is measured), and where to write. */
export interface SoakOptions extends Omit<SoakReport["settings"], "loadEndS"> {
  outDir: string;
  log: (line: string) => void;
}

const MB = 1024 * 1024;
const TAG = "soak";
/** Longest wait for one /metrics answer: the agents' scrape reads the incident store. */
const SCRAPE_TIMEOUT_MS = 120_000;
/** After the load: how long the pipeline may take to plan what it accepted. */
const DRAIN_LIMIT_S = 120;

interface Scraped {
  samples: PromSample[];
  ms: number;
}

async function scrape(port: number): Promise<Scraped | undefined> {
  const started = performance.now();
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
      signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) return undefined;
    return { samples: parsePromText(text), ms: performance.now() - started };
  } catch {
    return undefined;
  }
}

/** One value per node process, by name. */
function mapNodes<T>(f: (name: NodeProcessName) => T): Record<NodeProcessName, T> {
  return Object.fromEntries(NODE_PROCESSES.map((name) => [name, f(name)])) as Record<NodeProcessName, T>;
}

function processFigures(s: Scraped | undefined, pid: number | undefined): ProcessFigures {
  const get = (name: string) => (s ? metricSum(s.samples, name) : Number.NaN);
  return {
    // From /proc at every sample, scraped or not (the same figure as process_resident_memory_bytes).
    rssMb: processRssMiB(pid),
    heapMb: get("aiops_nodejs_heap_size_used_bytes") / MB,
    eldP50Ms: get("aiops_nodejs_eventloop_lag_p50_seconds") * 1000,
    eldP99Ms: get("aiops_nodejs_eventloop_lag_p99_seconds") * 1000,
    eldMaxMs: get("aiops_nodejs_eventloop_lag_max_seconds") * 1000,
    scrapeMs: s?.ms ?? Number.NaN,
  };
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { log } = options;
  const durationS = Math.round(options.minutes * 60);
  const warmupS = Math.min(options.warmupS, Math.floor(durationS * 0.4));
  const date = new Date().toISOString();
  const loadAtStart = loadAverage();
  const natsVersion = await natsServerVersion();
  const diagDir = mkdtempSync(join(tmpdir(), "aiops-soak-diag-"));
  let nats: NatsServer | undefined;
  let probe: JetStreamProbe | undefined;

  // Whatever ends this process, its children and temp dirs go with it.
  const cleanUpNow = (): void => {
    killAllNow();
    const pid = nats?.pid();
    if (pid !== undefined) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (nats) rmSync(nats.storeDir, { recursive: true, force: true });
    removeIfEmpty(diagDir);
  };
  const onSignal = (): void => {
    log("soak: interrupted, stopping the processes");
    void stopAll()
      .then(() => nats?.dispose())
      .finally(() => {
        removeIfEmpty(diagDir);
        process.exit(130);
      });
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", cleanUpNow);
  try {
    nats = await startNatsServer();
    const env = natsEnv(nats.url, TAG, "warn");
    const nodeArgs = ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${diagDir}`];
    const agents: Record<Exclude<NodeProcessName, "baseline">, AiopsProcess> = {
      collector: startAiops("collector", await freePort(), env, undefined, nodeArgs),
      rca: startAiops("rca", await freePort(), env, undefined, nodeArgs),
      remediator: startAiops("remediator", await freePort(), env, undefined, nodeArgs),
    };
    for (const p of Object.values(agents)) {
      await waitReady(`http://127.0.0.1:${p.port}/readyz`, p.child, p.output);
    }
    const baseline = await startCeiling(["empty", "metrics"]);
    // The stream and bucket the agents were given (and created).
    probe = await openJetStreamProbe(nats.url, env.AIOPS_NATS_STREAM!, env.AIOPS_KV_BUCKET!);
    const nodes: Record<NodeProcessName, { port: number; child: ChildProcess }> = { ...agents, baseline };
    const ports = mapNodes((name) => nodes[name].port);
    const pids = { ...mapNodes((name) => nodes[name].child.pid), natsServer: nats.pid() };
    log(
      `soak: ${options.minutes} min at ${options.rate} webhooks/s (${options.rate / 2} new alerts/s, each resolved after ${options.resolveAfterS} s), sample every ${options.intervalS} s (/metrics every ${options.metricsEveryS} s), warm-up ${warmupS} s; nats-server ${natsVersion} at ${nats.url}`,
    );
    log(`soak: pids ${JSON.stringify(pids)}; heap snapshots (kill -USR2 <pid>) go to ${diagDir}`);

    const samples: SoakSample[] = [];
    const t0 = performance.now();
    const load = startSteadyLoad({
      collectorPort: ports.collector,
      baselinePort: ports.baseline,
      rate: options.rate,
      durationS,
      resolveAfterS: options.resolveAfterS,
    });
    let loading = true;
    const loaded = load.done.then(() => {
      loading = false;
    });

    const sample = async (
      phase: SoakSample["phase"],
      window: LoadWindow,
      withMetrics: boolean,
    ): Promise<SoakSample> => {
      for (const [name, p] of Object.entries(agents)) {
        if (p.child.exitCode !== null || p.child.signalCode !== null) {
          throw new Error(`${name} exited (${p.child.exitCode ?? p.child.signalCode}): ${p.output()}`);
        }
      }
      const t = (performance.now() - t0) / 1000;
      const [scraped, js] = await Promise.all([
        withMetrics
          ? Promise.all(NODE_PROCESSES.map((name) => scrape(ports[name])))
          : NODE_PROCESSES.map(() => undefined),
        probe!.read().catch(() => undefined),
      ]);
      const byName = Object.fromEntries(NODE_PROCESSES.map((name, k) => [name, scraped[k]])) as Record<
        NodeProcessName,
        Scraped | undefined
      >;
      // Without a scrape, counters are unknown (NaN), not zero.
      const c = byName.collector?.samples ?? [];
      /** A counter summed over the processes (one without it, or not answering, counts 0); NaN unscraped. */
      const sumScraped = (name: string, where: Record<string, string> = {}): number =>
        withMetrics
          ? scraped.reduce((n, x) => n + (x ? metricSum(x.samples, name, where) || 0 : 0), 0)
          : Number.NaN;
      const s: SoakSample = {
        t: Math.round(t),
        phase,
        processes: {
          ...mapNodes((name) => processFigures(byName[name], pids[name])),
          natsServer: { rssMb: processRssMiB(nats?.pid()) },
        },
        window,
        jetstream: js,
        totals: {
          firingSent: load.totals.firing,
          alertsReceived: metricSum(c, "aiops_alerts_received_total"),
          diagnosed: metricSum(byName.rca?.samples ?? [], "aiops_stage_duration_seconds_count", {
            stage: "diagnose",
          }),
          planned: metricSum(byName.remediator?.samples ?? [], "aiops_stage_duration_seconds_count", {
            stage: "plan",
          }),
          storedIncidents: metricSum(c, "aiops_incidents"),
          resolvedIncidents: metricSum(c, "aiops_incidents", { state: "resolved" }),
          stageErrors: sumScraped("aiops_stage_errors_total"),
          deadLetters: sumScraped("aiops_bus_messages_total", { outcome: "term" }),
        },
      };
      const p = s.processes;
      const rss = [...NODE_PROCESSES.map((n) => p[n].rssMb), p.natsServer.rssMb].map((x) => x.toFixed(0));
      const metrics = withMetrics
        ? `; ELD p99 ms ${NODE_PROCESSES.map((n) => p[n].eldP99Ms.toFixed(1)).join("/")}; heap MB ${NODE_PROCESSES.map((n) => p[n].heapMb.toFixed(0)).join("/")}; scrape ms ${NODE_PROCESSES.map((n) => p[n].scrapeMs.toFixed(0)).join("/")}; planned ${s.totals.planned}`
        : "";
      log(
        `  t=${s.t}s ${phase}: RSS MB ${rss.join("/")} (collector/rca/remediator/baseline/nats); ${window.accepted}/${window.sent} 202, p99 ${window.p99Ms.toFixed(1)} ms; backlog ${totalBacklog(js)}, KV entries ${js?.kvEntries ?? "?"}${metrics}`,
      );
      return s;
    };

    // The first read resets every event-loop histogram, so each later one covers its window.
    await Promise.all(NODE_PROCESSES.map((name) => scrape(ports[name])));
    let next = options.intervalS;
    let nextMetrics = options.metricsEveryS;
    const due = (t: number): boolean => {
      if (t + 0.5 < nextMetrics) return false;
      nextMetrics += options.metricsEveryS;
      return true;
    };
    while (loading) {
      await Promise.race([sleepUntil(t0 + next * 1000), loaded]);
      if (!loading) break;
      samples.push(await sample(next < warmupS ? "warm-up" : "load", load.takeWindow(), due(next)));
      next = Math.max(next + options.intervalS, Math.ceil((performance.now() - t0) / 1000));
    }
    await loaded;
    const loadEndS = (performance.now() - t0) / 1000;
    samples.push(await sample("load", load.takeWindow(), true));

    // Drain: until every consumer has caught up, or the backlog stops shrinking for 30 s.
    const drainDeadline = performance.now() + DRAIN_LIMIT_S * 1000;
    let lowest = totalBacklog(samples.at(-1)?.jetstream);
    let lastProgress = performance.now();
    while (lowest > 0 && performance.now() < drainDeadline && performance.now() - lastProgress < 30_000) {
      await new Promise((r) => setTimeout(r, 5_000));
      const s = await sample("drain", load.takeWindow(), false);
      samples.push(s);
      const backlog = totalBacklog(s.jetstream);
      if (backlog < lowest) {
        lowest = backlog;
        lastProgress = performance.now();
      }
    }
    samples.push(await sample("drain", load.takeWindow(), true));

    const report = summariseSoak({
      date,
      machine: {
        ...machine(ROOT, loadAtStart),
        natsServer: natsVersion,
        promClient: packageVersion(ROOT, "prom-client"),
      },
      settings: {
        minutes: options.minutes,
        rate: options.rate,
        intervalS: options.intervalS,
        metricsEveryS: options.metricsEveryS,
        warmupS,
        resolveAfterS: options.resolveAfterS,
        loadEndS: Math.round(loadEndS),
      },
      load: { ...load.totals },
      samples,
    });
    mkdirSync(options.outDir, { recursive: true });
    await writeFormatted(join(options.outDir, "soak.json"), JSON.stringify(report, null, 2));
    await writeFormatted(join(options.outDir, "soak.md"), renderSoakMarkdown(report));
    return report;
  } finally {
    await probe?.close().catch(() => undefined);
    await stopAll();
    await nats?.dispose();
    removeIfEmpty(diagDir);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    process.removeListener("exit", cleanUpNow);
  }
}

/** The diagnostics directory is kept only when someone asked for a heap snapshot. */
function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  } catch {
    // already gone
  }
}

function cliOptions(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: "string", default: "20" },
      rate: { type: "string", default: "50" },
      interval: { type: "string", default: "15" },
      "metrics-every": { type: "string", default: "300" },
      warmup: { type: "string", default: "120" },
      "resolve-after": { type: "string", default: "60" },
      out: { type: "string", default: join(ROOT, "bench/results") },
    },
  });
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, not "${text}"`);
    return n;
  };
  return {
    minutes: positive("minutes", values.minutes),
    rate: positive("rate", values.rate),
    intervalS: positive("interval", values.interval),
    metricsEveryS: positive("metrics-every", values["metrics-every"]),
    warmupS: positive("warmup", values.warmup),
    resolveAfterS: positive("resolve-after", values["resolve-after"]),
    outDir: values.out,
    log: (line) => console.log(line),
  };
}

runIfMain(
  import.meta.url,
  () => runSoak(cliOptions(process.argv.slice(2))),
  (report) => report.summary.map((p) => `soak  ${p.name.padEnd(11)} ${p.verdict}`),
);

/** The soak's results: samples, the summary per process against the baseline, and soak.md. */
import { fmt, percentile, type Machine } from "./report.js";
import { totalBacklog, type JetStreamFigures } from "./soak-jetstream.js";
import type { LoadWindow } from "./soak-load.js";
import { GROWTH_THRESHOLD, slope, verdict } from "./soak-stats.js";

/** The node processes read through /metrics; "baseline" is the empty Fastify route. */
export const NODE_PROCESSES = ["collector", "rca", "remediator", "baseline"] as const;
export type NodeProcessName = (typeof NODE_PROCESSES)[number];

export interface ProcessFigures {
  rssMb: number;
  heapMb: number;
  /** Event-loop delay since the previous read (prom-client resets its histogram per scrape). */
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
  /** How long /metrics took to answer (the agents' scrape counts the incidents in the store). */
  scrapeMs: number;
}

export interface SoakSample {
  /** Seconds since the load started. */
  t: number;
  phase: "warm-up" | "load" | "drain";
  processes: Record<NodeProcessName, ProcessFigures> & { natsServer: { rssMb: number } };
  /** The load generator's figures since the previous sample. */
  window: LoadWindow;
  /** Consumer backlogs and the incident bucket's size (undefined when the read failed). */
  jetstream: JetStreamFigures | undefined;
  /** Cumulative counters read from the processes (NaN when a scrape failed). */
  totals: {
    /** Firing alerts the load generator had sent (each should become a plan). */
    firingSent: number;
    alertsReceived: number;
    diagnosed: number;
    planned: number;
    storedIncidents: number;
    resolvedIncidents: number;
    stageErrors: number;
    deadLetters: number;
  };
}

export interface ProcessSummary {
  name: NodeProcessName | "nats-server";
  /** The first sample after the warm-up, the last one under load, and the highest. */
  warmRssMb: number;
  endRssMb: number;
  maxRssMb: number;
  /** Least-squares slopes over the samples after the warm-up, per 10 minutes. */
  rssSlopeMbPer10Min: number;
  heapSlopeMbPer10Min: number;
  eldP99MedianMs: number;
  eldP99MaxMs: number;
  /** Against the baseline process of the same run. */
  vsBaseline: { warmRss: number; rssSlopeDiffMbPer10Min: number; eldP99Median: number };
  verdict: string;
}

export interface SoakReport {
  date: string;
  machine: Machine & { natsServer: string; promClient: string };
  settings: {
    minutes: number;
    /** Webhooks per second at steady state: half new alerts, half resolutions of older ones. */
    rate: number;
    intervalS: number;
    /**
     * Seconds between reads of the node processes' /metrics (heap, event-loop delay, counters).
     * Each scrape of the collector scans every incident in the KV bucket (the `aiops_incidents`
     * gauge), so scraping as often as `intervalS` measures mostly the scrape (see soak.md).
     */
    metricsEveryS: number;
    /** Samples before this are left out of the slope (capped at 40 % of the run). */
    warmupS: number;
    resolveAfterS: number;
    loadEndS: number;
  };
  /** What the load generator sent: firing and resolved webhooks, 202s, other answers, skipped ticks. */
  load: { firing: number; resolved: number; accepted: number; failed: number; skipped: number };
  samples: SoakSample[];
  summary: ProcessSummary[];
  /** What an investigation of the run found, added to the JSON afterwards; rendered under "Findings". */
  notes?: string[];
}

const PER_10_MIN = 600;

export function summariseSoak(report: Omit<SoakReport, "summary">): SoakReport {
  const steady = report.samples.filter((s) => s.phase === "load" && s.t >= report.settings.warmupS);
  // One shape for every process; nats-server has RSS only.
  const figures = (name: ProcessSummary["name"]) =>
    steady.map((s) => {
      if (name === "nats-server") {
        return { t: s.t, rssMb: s.processes.natsServer.rssMb, heapMb: Number.NaN, eldP99Ms: Number.NaN };
      }
      const p = s.processes[name];
      return { t: s.t, rssMb: p.rssMb, heapMb: p.heapMb, eldP99Ms: p.eldP99Ms };
    });
  const base = (name: ProcessSummary["name"]) => {
    const rows = figures(name);
    const rss = rows.map((r) => r.rssMb).filter(Number.isFinite);
    const eld = rows
      .map((r) => r.eldP99Ms)
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    return {
      warmRssMb: rss[0] ?? Number.NaN,
      endRssMb: rss.at(-1) ?? Number.NaN,
      maxRssMb: rss.length > 0 ? Math.max(...rss) : Number.NaN,
      rssSlopeMbPer10Min: slope(rows.map((r) => ({ x: r.t, y: r.rssMb }))) * PER_10_MIN,
      heapSlopeMbPer10Min: slope(rows.map((r) => ({ x: r.t, y: r.heapMb }))) * PER_10_MIN,
      // Nearest rank: an observed value (the lower middle one for an even count).
      eldP99MedianMs: percentile(eld, 50),
      eldP99MaxMs: eld.length > 0 ? Math.max(...eld) : Number.NaN,
    };
  };
  const baseline = base("baseline");
  const names: ProcessSummary["name"][] = [...NODE_PROCESSES, "nats-server"];
  const summary = names.map((name): ProcessSummary => {
    const b = base(name);
    return {
      name,
      ...b,
      vsBaseline: {
        warmRss: b.warmRssMb / baseline.warmRssMb,
        rssSlopeDiffMbPer10Min: b.rssSlopeMbPer10Min - baseline.rssSlopeMbPer10Min,
        eldP99Median: b.eldP99MedianMs / baseline.eldP99MedianMs,
      },
      verdict: verdict(b.rssSlopeMbPer10Min, b.warmRssMb),
    };
  });
  return { ...report, summary };
}

const n0 = (n: number): string => fmt(n, 0);

/** Whether /metrics was read at this sample (the RSS is read at every one). */
const scraped = (x: SoakSample): boolean => Number.isFinite(x.processes.baseline.eldP99Ms);

export function renderSoakMarkdown(report: SoakReport): string {
  const m = report.machine;
  const s = report.settings;
  const l = report.load;
  const last = report.samples.at(-1);
  const t = last?.totals;
  const steadyCount = report.samples.filter((x) => x.phase === "load" && x.t >= s.warmupS).length;
  const column = (pick: (x: SoakSample) => string[]) => report.samples.map((x) => pick(x));
  const scrapedColumn = (pick: (x: SoakSample) => string[]) =>
    report.samples.filter(scraped).map((x) => pick(x));
  const table = (header: string[], rows: string[][]) => [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, k) => (k < 2 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
  const when = (x: SoakSample) => [String(x.t), x.phase];
  const procs = NODE_PROCESSES;
  return [
    "# Soak: memory and event-loop delay over time",
    "",
    `Generated by \`npm run bench:soak -- --minutes ${s.minutes} --rate ${s.rate}\` (src/bench/soak.ts) on ${report.date}.`,
    "",
    `Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memGiB} GiB; Node ${m.node}; nats-server ${m.natsServer}; prom-client ${m.promClient}; commit ${m.commit}. Load average (1 min) ${m.loadAverage.start} at the start, ${m.loadAverage.end} at the end: the load generator, four node processes and nats-server share these CPUs with whatever else runs on the machine, so absolute delays are inflated; compare each process with the baseline of the same run.`,
    "",
    `Setup: a nats-server of its own (own port and store); the collector (demo snapshot as its cluster), RCA and remediator as three processes on JetStream (bus and KV incident store), rules only (no model, no incident memory); and the baseline, an empty Fastify route with the same prom-client default metrics in a process of its own, sent every webhook the collector gets. The load generator (the bench process, loopback only) posts ${s.rate} webhooks per second for ${s.minutes} min: ${s.rate / 2} new alerts per second, each on a workload of its own (a new incident, diagnosed and planned), and as many resolutions of the alerts that fired ${s.resolveAfterS} s earlier (until those are due, only the new alerts; the warm-up covers that), so about ${n0((s.rate / 2) * s.resolveAfterS)} incidents are open at any time; resolved ones stay in the store. Every ${s.intervalS} s: the RSS of each process (VmRSS from /proc) and the backlog of each JetStream consumer. Every ${s.metricsEveryS} s each node process's /metrics: V8 heap used, counters, and the event-loop delay since the previous read (prom-client's histogram of \`monitorEventLoopDelay\`, 10 ms resolution, reset at each read, so each figure covers ${s.metricsEveryS} s). Summaries use the ${steadyCount} samples under load after a ${s.warmupS} s warm-up.`,
    "",
    ...(s.metricsEveryS > s.intervalS
      ? [
          `Why /metrics less often than the rest: each read of the collector's /metrics computes the \`aiops_incidents\` gauge by scanning every incident in the KV bucket (\`KvIncidentStore.counts()\`, reused for 5 s and for at least ten times what the last scan took; the RCA agent and the remediator do not report it), so its cost grows with the incidents stored; read every ${s.intervalS} s at this rate, those scans make the pipeline fall behind within minutes and the soak would measure them rather than the pipeline. The scrape times in the last table show the growth.`,
          "",
        ]
      : []),
    "",
    "## Summary",
    "",
    ...table(
      [
        "process",
        "verdict",
        "RSS warm MB",
        "RSS end MB",
        "RSS max MB",
        "RSS slope MB/10 min",
        "heap slope MB/10 min",
        "ELD p99 median ms",
        "ELD p99 max ms",
      ],
      report.summary.map((p) => [
        p.name,
        p.verdict,
        n0(p.warmRssMb),
        n0(p.endRssMb),
        n0(p.maxRssMb),
        fmt(p.rssSlopeMbPer10Min),
        fmt(p.heapSlopeMbPer10Min),
        fmt(p.eldP99MedianMs),
        fmt(p.eldP99MaxMs),
      ]),
    ),
    "",
    `Verdict: "grows" when the RSS slope reaches ${GROWTH_THRESHOLD * 100} % of the warm RSS per 10 minutes (a process doubling in about 3.5 hours, which a pod's memory limit meets within a day); below that, a fit over minutes of a garbage-collected process cannot tell a slow leak from the collector's sawtooth. The baseline's own slope is the noise floor of the method in this run.`,
    "",
    "Against the baseline of the same run:",
    "",
    ...table(
      [
        "process",
        "",
        "warm RSS / baseline",
        "RSS slope − baseline slope, MB/10 min",
        "ELD p99 median / baseline",
      ],
      report.summary
        .filter((p) => p.name !== "baseline")
        .map((p) => [
          p.name,
          "",
          fmt(p.vsBaseline.warmRss, 2),
          fmt(p.vsBaseline.rssSlopeDiffMbPer10Min),
          fmt(p.vsBaseline.eldP99Median, 2),
        ]),
    ),
    "",
    `Load: ${l.firing} firing and ${l.resolved} resolved webhooks sent, ${l.accepted} answered 202, ${l.failed} not, ${l.skipped} skipped (1000 unanswered). Pipeline at the end: ${n0(t?.alertsReceived ?? Number.NaN)} alerts received by the collector, ${n0(t?.diagnosed ?? Number.NaN)} diagnoses, ${n0(t?.planned ?? Number.NaN)} plans, ${n0(t?.storedIncidents ?? Number.NaN)} incidents stored of which ${n0(t?.resolvedIncidents ?? Number.NaN)} resolved, ${n0(t?.stageErrors ?? Number.NaN)} stage errors, ${n0(t?.deadLetters ?? Number.NaN)} dead letters. The load ended at ${s.loadEndS} s; "drain" samples after it show how far the pipeline got through its backlog (up to 120 s, or until it stops shrinking for 30 s).`,
    "",
    ...(report.notes && report.notes.length > 0
      ? ["## Findings", "", ...report.notes.flatMap((note) => [`- ${note}`]), ""]
      : []),
    "## Samples",
    "",
    "RSS (MB):",
    "",
    ...table(
      ["t s", "phase", ...procs, "nats-server"],
      column((x) => [
        ...when(x),
        ...procs.map((p) => n0(x.processes[p].rssMb)),
        n0(x.processes.natsServer.rssMb),
      ]),
    ),
    "",
    `V8 heap used (MB), where /metrics was read (every ${s.metricsEveryS} s, and at the end of the load and of the drain):`,
    "",
    ...table(
      ["t s", "phase", ...procs],
      scrapedColumn((x) => [...when(x), ...procs.map((p) => n0(x.processes[p].heapMb))]),
    ),
    "",
    "Event-loop delay p99 since the previous read of /metrics (ms):",
    "",
    ...table(
      ["t s", "phase", ...procs],
      scrapedColumn((x) => [...when(x), ...procs.map((p) => fmt(x.processes[p].eldP99Ms))]),
    ),
    "",
    "Load per interval: webhooks answered 202 (and not), latency of the 202 at the load generator (and of the baseline's answer to the same webhooks), backlog (messages of the work stream not yet acknowledged by the collector, RCA and remediator consumers together), entries in the incident bucket (an incident and its pointers), and where /metrics was read, plans made so far, incidents stored and how long each agent's /metrics took to answer:",
    "",
    ...table(
      [
        "t s",
        "phase",
        "202",
        "not 202",
        "webhook p50 ms",
        "webhook p99 ms",
        "baseline p99 ms",
        "backlog",
        "KV entries",
        "plans",
        "incidents stored",
        "scrape ms collector / rca / remediator",
      ],
      report.samples.map((x) => [
        ...when(x),
        String(x.window.accepted),
        String(x.window.failed + x.window.skipped),
        fmt(x.window.p50Ms),
        fmt(x.window.p99Ms),
        fmt(x.window.baselineP99Ms),
        n0(totalBacklog(x.jetstream)),
        n0(x.jetstream?.kvEntries ?? Number.NaN),
        n0(x.totals.planned),
        n0(x.totals.storedIncidents),
        scraped(x)
          ? (["collector", "rca", "remediator"] as const).map((p) => n0(x.processes[p].scrapeMs)).join(" / ")
          : "",
      ]),
    ),
    "",
  ].join("\n");
}

/**
 * What the evidence says about a probe's target: how long the endpoint takes to
 * answer, how long the app takes to start, and how the kubelet saw it fail. The
 * probe analyzers and the adjust_probe planner share these readings so that the
 * fields a plan sets tolerate what was observed.
 */
import type { EventEvidence, Evidence, ProbeEvidence } from "../core/evidence.js";
import { eventContainer, incidentLogs, incidentPods, logLines, podEvents, seriesValues } from "./facts.js";

export type ProbeKind = "liveness" | "readiness" | "startup";

export type ProbeFailureMode = "timeout" | "refused" | "http-status" | "exec" | "other";

export interface ProbeFailure {
  mode: ProbeFailureMode;
  statusCode?: number;
  events: EventEvidence[];
  count: number;
  container?: string;
}

const KIND_WORD: Record<ProbeKind, string> = {
  liveness: "Liveness",
  readiness: "Readiness",
  startup: "Startup",
};

export function classifyProbeMessage(message: string): { mode: ProbeFailureMode; statusCode?: number } {
  if (/context deadline exceeded|Client\.Timeout|timed out|timeout|i\/o timeout/i.test(message))
    return { mode: "timeout" };
  if (/connection refused|connect: connection reset|no route to host/i.test(message))
    return { mode: "refused" };
  const status = /status ?code:? ?(\d{3})/i.exec(message) ?? /\bHTTP\/\d(?:\.\d)? (\d{3})\b/.exec(message);
  if (status?.[1]) return { mode: "http-status", statusCode: Number(status[1]) };
  if (/command .* exited|exit code|OCI runtime exec/i.test(message)) return { mode: "exec" };
  return { mode: "other" };
}

/**
 * The dominant way a probe of the incident's pods failed, from Unhealthy events.
 * Weighted by event count so one stray event during a restart does not decide.
 */
export function probeFailure(e: Evidence, kind: ProbeKind): ProbeFailure | undefined {
  const pods = incidentPods(e).map((p) => p.name);
  const prefix = `${KIND_WORD[kind]} probe failed`;
  const events = podEvents(e, pods).filter(
    (ev) => ev.reason === "Unhealthy" && ev.message.startsWith(prefix),
  );
  if (events.length === 0) return undefined;
  const weights = new Map<
    string,
    { mode: ProbeFailureMode; statusCode?: number; count: number; events: EventEvidence[] }
  >();
  for (const ev of events) {
    const c = classifyProbeMessage(ev.message);
    const key = `${c.mode}:${c.statusCode ?? ""}`;
    const w = weights.get(key) ?? { ...c, count: 0, events: [] };
    w.count += Math.max(1, ev.count);
    w.events.push(ev);
    weights.set(key, w);
  }
  const best = [...weights.values()].sort((a, b) => b.count - a.count)[0];
  if (!best) return undefined;
  const total = events.reduce((n, ev) => n + Math.max(1, ev.count), 0);
  const container = best.events.map(eventContainer).find((c) => c !== undefined);
  return {
    mode: best.mode,
    ...(best.statusCode !== undefined ? { statusCode: best.statusCode } : {}),
    events: best.events,
    count: total,
    ...(container !== undefined ? { container } : {}),
  };
}

/** Kubelet killed the container for failing this probe ("Container x failed liveness probe, will be restarted"). */
export function probeKills(e: Evidence, kind: ProbeKind): number {
  const pods = incidentPods(e).map((p) => p.name);
  const re = new RegExp(`failed ${kind} probe`, "i");
  return podEvents(e, pods)
    .filter((ev) => ev.reason === "Killing" && re.test(ev.message))
    .reduce((n, ev) => n + Math.max(1, ev.count), 0);
}

const DURATION_KEYED =
  /\b(?:rt|request_time|upstream_response_time|response_time|duration|elapsed|took|latency|time_taken)(_ms|_millis|_seconds|_s)?["']?\s*[=:]\s*"?(\d+(?:\.\d+)?)\s*(ms|s)?\b/gi;
const RESPONSE_TIME_MS = /"responseTime"\s*:\s*(\d+(?:\.\d+)?)/g;
const TRAILING_SECONDS = /\s(\d+\.\d+)s\s*$/;

/** Durations (seconds) written on one log line: rt=1.688, "duration_ms":1412, took=812ms, "... 200 3.9s". */
export function lineDurations(line: string): number[] {
  const out: number[] = [];
  for (const m of line.matchAll(DURATION_KEYED)) {
    const suffix = (m[1] ?? "").toLowerCase();
    const unit = (m[3] ?? "").toLowerCase();
    const n = Number(m[2]);
    if (!Number.isFinite(n)) continue;
    const ms = suffix === "_ms" || suffix === "_millis" || unit === "ms";
    out.push(ms ? n / 1000 : n);
  }
  for (const m of line.matchAll(RESPONSE_TIME_MS)) out.push(Number(m[1]) / 1000);
  if (out.length === 0) {
    const t = TRAILING_SECONDS.exec(line);
    if (t?.[1]) out.push(Number(t[1]));
  }
  return out;
}

function probePathPattern(probe: ProbeEvidence | undefined): RegExp | undefined {
  if (!probe?.path) return undefined;
  const path = probe.path.replace(/\/+$/, "");
  if (path === "") return undefined;
  return new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/?(?=[\\s"?'])`);
}

/**
 * The probe endpoint's observed response time in seconds: the highest of the
 * probe's own requests in the logs (kube-probe user agent or the probe path), and of
 * current latency metrics about a health/readiness route. Historical (offset) queries
 * are ignored.
 */
export function observedProbeLatency(e: Evidence, probe: ProbeEvidence | undefined): number | undefined {
  const path = probePathPattern(probe);
  let worst: number | undefined;
  const note = (v: number): void => {
    if (v > 0 && v < 600 && (worst === undefined || v > worst)) worst = v;
  };
  for (const log of incidentLogs(e)) {
    for (const line of logLines(log)) {
      if (!/kube-probe/i.test(line) && !(path && path.test(line))) continue;
      for (const d of lineDurations(line)) note(d);
    }
  }
  for (const m of e.metrics) {
    const q = m.query;
    if (/\boffset\b/.test(q)) continue;
    if (!/histogram_quantile|duration|latency/i.test(q)) continue;
    const mentionsProbe =
      (probe?.path && q.includes(probe.path.replace(/\/+$/, ""))) || /health|ready|live/i.test(q);
    if (!mentionsProbe) continue;
    const scale = /millisecond|_ms\b/i.test(q) ? 1 / 1000 : 1;
    for (const { value } of seriesValues(m)) note(value * scale);
  }
  return worst;
}

const STARTED_IN =
  /\b(?:started|startup(?: completed)?|ready|booted|initiali[sz]ed|warmed)\b[^\n]{0,80}?\bin\s+(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds)\b/i;
const TIMESTAMP = /(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:[.,]\d+)?)(Z|[+-]\d{2}:?\d{2})?/;

function lineTime(line: string): number | undefined {
  const m = TIMESTAMP.exec(line);
  if (!m) return undefined;
  const t = Date.parse(`${m[1]}T${(m[2] ?? "").replace(",", ".")}${m[3] ?? "Z"}`);
  return Number.isNaN(t) ? undefined : t;
}

export interface StartupObservation {
  /** Longest completed startup reported by the app ("Started ... in 62.1 seconds"). */
  reportedSeconds?: number;
  /** Longest time a killed container ran without reporting it had started (a lower bound). */
  incompleteSeconds?: number;
}

/** How long the app takes to start, from its own logs. */
export function observedStartup(e: Evidence): StartupObservation {
  let reported: number | undefined;
  let incomplete: number | undefined;
  for (const log of incidentLogs(e)) {
    const lines = logLines(log);
    let started = false;
    for (const line of lines) {
      const m = STARTED_IN.exec(line);
      if (!m) continue;
      started = true;
      const n = Number(m[1]);
      const s = (m[2] ?? "s").toLowerCase() === "ms" ? n / 1000 : n;
      if (reported === undefined || s > reported) reported = s;
    }
    if (log.previous && !started) {
      const times = lines.map(lineTime).filter((t): t is number => t !== undefined);
      if (times.length >= 2) {
        const span = (Math.max(...times) - Math.min(...times)) / 1000;
        if (incomplete === undefined || span > incomplete) incomplete = span;
      }
    }
  }
  return {
    ...(reported !== undefined ? { reportedSeconds: reported } : {}),
    ...(incomplete !== undefined ? { incompleteSeconds: incomplete } : {}),
  };
}

/** Seconds a probe tolerates from container start before it has failed enough to act. */
export function probeAllowanceSeconds(p: ProbeEvidence): number {
  return p.initialDelaySeconds + p.periodSeconds * p.failureThreshold;
}

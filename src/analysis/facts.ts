/**
 * Shared readings of the evidence that several analyzers and planners need: which
 * pods belong to the incident's workload, their containers' terminations, their
 * log lines, events about them, metric values. Pure functions over `Evidence`.
 */
import { parseBytes, parseCpu } from "../core/quantity.js";
import type {
  ContainerEvidence,
  ContainerSpecEvidence,
  EventEvidence,
  Evidence,
  LogEvidence,
  MetricEvidence,
  PodEvidence,
  Termination,
  WorkloadEvidence,
} from "../core/evidence.js";

/** Names of the objects that own pods of the incident's workload (the workload, its revisions, its Jobs). */
function ownerNames(e: Evidence): Set<string> {
  const names = new Set<string>();
  if (e.workload) names.add(e.workload.ref.name);
  for (const ref of e.ownerChain) names.add(ref.name);
  for (const r of e.rollout?.revisions ?? []) names.add(r.name);
  return names;
}

function workloadNamespace(e: Evidence): string | undefined {
  return e.workload?.ref.namespace ?? e.subject.namespace;
}

/**
 * The pods of the incident: those the workload (or its revisions) owns, plus the
 * alerted pods. Without a workload, the alerted pods, or every pod when none is
 * alerted. Unrelated pods the snapshot holds (a database, a cron helper) are left out.
 */
export function incidentPods(e: Evidence): PodEvidence[] {
  const owners = ownerNames(e);
  const ns = workloadNamespace(e);
  const alertedNames = new Set(e.subject.pods);
  if (e.subject.pod) alertedNames.add(e.subject.pod);
  const pods = e.pods.filter((p) => {
    if (p.alerted || alertedNames.has(p.name)) return true;
    if (!e.workload) return false;
    if (ns !== undefined && p.namespace !== ns) return false;
    return p.owner !== undefined && owners.has(p.owner.name);
  });
  if (pods.length > 0 || e.workload) return pods;
  return e.pods;
}

export function podNames(pods: readonly PodEvidence[]): Set<string> {
  return new Set(pods.map((p) => p.name));
}

/** Logs of the incident's pods, including alerted pods that no longer exist. */
export function incidentLogs(e: Evidence): LogEvidence[] {
  const names = podNames(incidentPods(e));
  for (const p of e.subject.pods) names.add(p);
  if (e.subject.pod) names.add(e.subject.pod);
  return e.logs.filter((l) => names.has(l.pod));
}

/** Lines kubectl prints instead of a log ("Error from server (NotFound)..."): not the app's words. */
const KUBECTL_NOISE = /^Error from server \(|^error: (container|a container name)|is waiting to start/;

/** The log's error lines and tail, de-duplicated, kubectl noise removed. */
export function logLines(log: LogEvidence): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of [...log.errorLines, ...log.tail]) {
    if (seen.has(line) || KUBECTL_NOISE.test(line)) continue;
    seen.add(line);
    out.push(line);
  }
  return out;
}

/** Whether the log holds anything the application wrote (not just kubectl's complaint). */
export function hasAppOutput(log: LogEvidence): boolean {
  return logLines(log).some((l) => l.trim() !== "");
}

export interface ContainerRef {
  pod: PodEvidence;
  container: ContainerEvidence;
}

export function containersOf(pods: readonly PodEvidence[], opts: { init?: boolean } = {}): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const pod of pods) {
    for (const container of pod.containers) {
      if (opts.init !== undefined && container.init !== opts.init) continue;
      out.push({ pod, container });
    }
  }
  return out;
}

/** The current termination when the container is terminated, else the last one. */
export function terminations(c: ContainerEvidence): Termination[] {
  const out: Termination[] = [];
  if (c.terminated) out.push(c.terminated);
  if (c.lastTermination) out.push(c.lastTermination);
  return out;
}

/** Events about one of the given pods (by involved object name). */
export function podEvents(e: Evidence, pods: Iterable<string>): EventEvidence[] {
  const names = new Set(pods);
  return e.events.filter((ev) => ev.involved.kind === "Pod" && names.has(ev.involved.name));
}

/** The container named in an event's fieldPath: spec.containers{app} → app. */
export function eventContainer(ev: EventEvidence): string | undefined {
  const m = /\{([^}]+)\}/.exec(ev.involved.fieldPath ?? "");
  return m?.[1];
}

export function hasEventReason(events: readonly EventEvidence[], reason: string | RegExp): boolean {
  return events.some((ev) => (typeof reason === "string" ? ev.reason === reason : reason.test(ev.reason)));
}

/** All values of a metric result: instant values and range samples. */
export function seriesValues(m: MetricEvidence): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const s of m.series) {
    if (s.values && s.values.length > 0) {
      for (const [, v] of s.values) if (Number.isFinite(v)) out.push({ labels: s.labels, value: v });
    } else if (s.value !== undefined && Number.isFinite(s.value)) {
      out.push({ labels: s.labels, value: s.value });
    }
  }
  return out;
}

/** Metrics whose query reads a metric matching `name`, optionally for one container. */
export function metricsNamed(e: Evidence, name: RegExp): MetricEvidence[] {
  return e.metrics.filter((m) => name.test(m.metric ?? "") || name.test(m.query));
}

/** Whether a query filters on this container (or on no container at all). */
export function queryConcernsContainer(query: string, container: string | undefined): boolean {
  if (!container) return true;
  const m = /container\s*=\s*"([^"]*)"/.exec(query);
  return !m || m[1] === container;
}

/**
 * The peak memory working set of a container across pods: the highest value in any
 * metrics entry that measures container_memory_working_set_bytes for it.
 */
export function peakWorkingSetBytes(e: Evidence, container: string | undefined): number | undefined {
  let peak: number | undefined;
  for (const m of metricsNamed(e, /container_memory_working_set_bytes/)) {
    // A median or quantile is not a peak.
    if (/quantile|avg|min_over_time|stddev/.test(m.query)) continue;
    if (!queryConcernsContainer(m.query, container)) continue;
    for (const { labels, value } of seriesValues(m)) {
      if (container && labels["container"] && labels["container"] !== container) continue;
      if (peak === undefined || value > peak) peak = value;
    }
  }
  return peak;
}

export function safeBytes(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  try {
    return parseBytes(q);
  } catch {
    return undefined;
  }
}

export function safeCpu(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  try {
    return parseCpu(q);
  } catch {
    return undefined;
  }
}

/** The container's spec from the workload template, else from a pod. */
export function containerSpec(e: Evidence, name: string | undefined): ContainerSpecEvidence | undefined {
  if (!name) return undefined;
  const fromWorkload = e.workload?.containers.find((c) => c.name === name);
  if (fromWorkload) return fromWorkload;
  for (const p of incidentPods(e)) {
    const c = p.containers.find((x) => x.name === name);
    if (c) return c;
  }
  for (const p of e.pods) {
    const c = p.containers.find((x) => x.name === name);
    if (c) return c;
  }
  return undefined;
}

/** Main (non-init) containers of the workload template or, lacking one, of the incident's pods. */
export function mainContainerNames(e: Evidence): string[] {
  const names = new Set<string>();
  for (const c of e.workload?.containers ?? []) if (!c.init) names.add(c.name);
  if (names.size === 0)
    for (const { container } of containersOf(incidentPods(e), { init: false })) names.add(container.name);
  return [...names];
}

/** The container the alert names, when it is one of the workload's (kube-state-metrics alerts name their own). */
export function alertedContainer(e: Evidence): string | undefined {
  const c = e.subject.container;
  if (!c) return undefined;
  const names = new Set<string>(mainContainerNames(e));
  for (const x of e.workload?.containers ?? []) names.add(x.name);
  return names.has(c) ? c : undefined;
}

/** The workload's pods are Job pods (Jobs do not crash-loop; their failures are job_failed or a cause). */
export function isJobWorkload(w: WorkloadEvidence | undefined): boolean {
  return w?.ref.kind === "Job" || w?.ref.kind === "CronJob";
}

/** A pod is running but one of its main containers is not ready. */
export function isNotReady(p: PodEvidence): boolean {
  if (p.phase !== "Running") return false;
  return p.containers.some((c) => !c.init && !c.ready);
}

/** First `n` distinct items. */
export function firstDistinct<T>(items: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  for (const x of items) {
    if (!out.includes(x)) out.push(x);
    if (out.length >= n) break;
  }
  return out;
}

export function clip(s: string, max = 200): string {
  const t = s.trim();
  return t.length <= max ? t : `${t.slice(0, max)}…`;
}

/** Clamps to [0, 1] and rounds to two decimals. */
export function conf(n: number): number {
  return Math.round(Math.min(1, Math.max(0, n)) * 100) / 100;
}

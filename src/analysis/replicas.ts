/**
 * The replica count a workload had before it was scaled: what `scale` restores. Read
 * from what the cluster and its tools record, in order of directness: annotations
 * that scalers leave (kube-downscaler's original-replicas), the controller's
 * ScalingReplicaSet events ("from 4 to 24"), scaler logs ("Scaling down StatefulSet
 * ns/name from 1 to 0 replicas"), and replica metrics from kube-state-metrics.
 */
import type { Evidence, ObjectRef, WorkloadEvidence } from "../core/evidence.js";
import { seriesValues } from "./facts.js";

export interface PreviousReplicas {
  replicas: number;
  source: string;
}

const ANNOTATION = /(original|previous|last|prior)[-_]?replicas/i;
const SCALED = /Scaled (?:up|down) replica set (\S+) from (\d+) to (\d+)/;
const SCALED_LOG =
  /\b(Deployment|StatefulSet|ReplicaSet|DaemonSet)\s+([\w.-]+)\/([\w.-]+) from (\d+) to (\d+)/i;

function workloadFor(e: Evidence, ref: ObjectRef): WorkloadEvidence | undefined {
  const same = (w: WorkloadEvidence): boolean => w.ref.kind === ref.kind && w.ref.name === ref.name;
  if (e.workload && same(e.workload)) return e.workload;
  return e.relatedWorkloads.find(same);
}

export function previousReplicas(e: Evidence, ref: ObjectRef | undefined): PreviousReplicas | undefined {
  if (!ref) return undefined;
  const w = workloadFor(e, ref);
  const current = w?.replicas;
  for (const [k, v] of Object.entries({ ...(w?.annotations ?? {}) })) {
    if (ANNOTATION.test(k) && /^\d+$/.test(v.trim()) && Number(v) !== current) {
      return { replicas: Number(v), source: `annotation ${k}=${v}` };
    }
  }
  // The controller's own record of the last scaling to the current size.
  const scalings = e.events
    .filter(
      (ev) =>
        ev.reason === "ScalingReplicaSet" &&
        ev.involved.name === ref.name &&
        (!ref.namespace || !ev.involved.namespace || ev.involved.namespace === ref.namespace),
    )
    .map((ev) => ({ ev, m: SCALED.exec(ev.message) }))
    .filter((x): x is { ev: (typeof e.events)[number]; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => (a.ev.lastTimestamp ?? "").localeCompare(b.ev.lastTimestamp ?? ""));
  for (let i = scalings.length - 1; i >= 0; i--) {
    const s = scalings[i];
    if (!s) continue;
    const from = Number(s.m[2]);
    const to = Number(s.m[3]);
    if (current === undefined || to === current) {
      if (from !== to) return { replicas: from, source: `event: ${s.ev.message}` };
    }
  }
  for (const log of e.logs) {
    for (const line of [...log.errorLines, ...log.tail]) {
      const m = SCALED_LOG.exec(line);
      if (!m || m[1]?.toLowerCase() !== ref.kind.toLowerCase() || m[3] !== ref.name) continue;
      if (ref.namespace && m[2] !== ref.namespace) continue;
      const from = Number(m[4]);
      const to = Number(m[5]);
      if (from !== to && (current === undefined || to === current))
        return { replicas: from, source: `log: ${line.trim()}` };
    }
  }
  // kube-state-metrics spec replicas over time: the most recent value that differs from now.
  const kind = ref.kind.toLowerCase();
  for (const m of e.metrics) {
    if (!new RegExp(`kube_${kind}_spec_replicas|kube_${kind}_status_replicas`).test(m.query)) continue;
    if (!m.query.includes(`"${ref.name}"`)) continue;
    const values = seriesValues(m).map((v) => v.value);
    for (let i = values.length - 1; i >= 0; i--) {
      const v = values[i];
      if (v !== undefined && v !== current && Number.isInteger(v))
        return { replicas: v, source: `metric ${m.query}` };
    }
  }
  return undefined;
}

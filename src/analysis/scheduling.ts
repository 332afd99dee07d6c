/**
 * Reads the scheduler's FailedScheduling messages ("0/6 nodes are available: 2
 * Insufficient cpu, 4 node(s) didn't match pod topology spread constraints.
 * preemption: ...") into per-reason node counts, so that insufficient_resources,
 * unschedulable_constraints and volume_error each claim only their own share.
 */
import type { EventEvidence, Evidence } from "../core/evidence.js";
import { incidentPods, podEvents } from "./facts.js";

export type SchedulingClass = "resources" | "constraints" | "volume" | "other";

export interface SchedulingReason {
  nodes: number;
  text: string;
  cls: SchedulingClass;
  /** For resources: the resource named ("cpu", "memory", "pods", "nvidia.com/gpu"). */
  resource?: string;
}

export function classifySchedulingReason(text: string): { cls: SchedulingClass; resource?: string } {
  const insufficient = /Insufficient ([\w./-]+)/i.exec(text);
  if (insufficient?.[1]) return { cls: "resources", resource: insufficient[1] };
  if (/Too many pods/i.test(text)) return { cls: "resources", resource: "pods" };
  if (
    /unbound .*PersistentVolumeClaim|volume node affinity conflict|didn't find available persistent volumes|persistentvolumeclaim .*not found|max volume count/i.test(
      text,
    )
  ) {
    return { cls: "volume" };
  }
  if (
    /affinity|selector|taint|toleration|didn't tolerate|topology spread|were unschedulable|unschedulable|free ports/i.test(
      text,
    )
  ) {
    return { cls: "constraints" };
  }
  return { cls: "other" };
}

export function parseFailedScheduling(message: string): SchedulingReason[] {
  const head = message.split(/\.\s*preemption:/i)[0] ?? message;
  const m = /nodes are available:\s*(.*)$/is.exec(head);
  if (!m?.[1]) {
    const c = classifySchedulingReason(head);
    return [{ nodes: 0, text: head.trim(), ...c }];
  }
  const out: SchedulingReason[] = [];
  for (const part of m[1].split(/,\s*/)) {
    const pm = /^\s*(\d+)\s+(.*?)\.?\s*$/.exec(part);
    const text = (pm?.[2] ?? part).trim();
    if (!text) continue;
    out.push({ nodes: pm?.[1] ? Number(pm[1]) : 0, text, ...classifySchedulingReason(text) });
  }
  return out;
}

export interface SchedulingSummary {
  events: EventEvidence[];
  reasons: SchedulingReason[];
  /** Nodes per class across the latest message of each pod. */
  share: Record<SchedulingClass, number>;
  pendingPods: string[];
}

/** FailedScheduling evidence for the incident's pods; undefined when the scheduler did not complain. */
export function schedulingFailures(e: Evidence): SchedulingSummary | undefined {
  const pods = incidentPods(e);
  const pending = pods.filter((p) => p.phase === "Pending" && !p.nodeName).map((p) => p.name);
  const events = podEvents(
    e,
    pods.map((p) => p.name),
  ).filter((ev) => ev.reason === "FailedScheduling");
  // Events expire after an hour; the scheduler also writes its verdict into the pod's
  // PodScheduled condition, which lasts as long as the pod is Pending.
  if (events.length === 0) {
    for (const p of pods) {
      const c = p.conditions.find((x) => x.type === "PodScheduled" && x.status === "False" && x.message);
      if (!c?.message) continue;
      events.push({
        type: "Warning",
        reason: "FailedScheduling",
        message: c.message,
        count: 1,
        involved: { kind: "Pod", namespace: p.namespace, name: p.name },
      });
    }
  }
  if (events.length === 0) return undefined;
  const reasons = events.flatMap((ev) => parseFailedScheduling(ev.message));
  const weight: Record<SchedulingClass, number> = { resources: 0, constraints: 0, volume: 0, other: 0 };
  for (const r of reasons) weight[r.cls] += Math.max(1, r.nodes);
  const total = Object.values(weight).reduce((a, b) => a + b, 0) || 1;
  const share: Record<SchedulingClass, number> = {
    resources: weight.resources / total,
    constraints: weight.constraints / total,
    volume: weight.volume / total,
    other: weight.other / total,
  };
  return { events, reasons, share, pendingPods: pending };
}

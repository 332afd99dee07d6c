import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { clip, conf, incidentPods, safeBytes, safeCpu, seriesValues } from "../facts.js";
import { schedulingFailures } from "../scheduling.js";
import { previousReplicas } from "../replicas.js";

/**
 * insufficient_resources: pods Pending because no node has room for their requests
 * ("Insufficient cpu/memory"). Records whether the workload was just scaled up (so
 * scaling back is safe) and whether one pod's request exceeds every node's
 * allocatable (so only a bigger node or a smaller request can help).
 */
export const insufficientResourcesAnalyzer: Analyzer = {
  name: "insufficient-resources",
  category: Category.InsufficientResources,
  analyze(e: Evidence): Finding[] {
    const s = schedulingFailures(e);
    if (!s || s.share.resources === 0) return [];
    const resources = [
      ...new Set(s.reasons.filter((r) => r.cls === "resources").map((r) => r.resource ?? "?")),
    ];
    const pods = incidentPods(e);
    const requests: Record<string, number> = {};
    for (const p of pods) {
      for (const c of p.containers) {
        if (c.init) continue;
        for (const res of ["cpu", "memory"] as const) {
          const q = c.resources.requests[res];
          const v = res === "cpu" ? safeCpu(q) : safeBytes(q);
          if (v !== undefined) requests[res] = Math.max(requests[res] ?? 0, v);
        }
      }
    }
    // Largest allocatable per resource: from Node objects, else kube_node_status_allocatable.
    const allocatable: Record<string, number> = {};
    for (const n of e.nodes) {
      for (const res of ["cpu", "memory"] as const) {
        const v = res === "cpu" ? safeCpu(n.allocatable[res]) : safeBytes(n.allocatable[res]);
        if (v !== undefined) allocatable[res] = Math.max(allocatable[res] ?? 0, v);
      }
    }
    for (const m of e.metrics) {
      if (!/kube_node_status_allocatable/.test(m.query) || /-|\bsum\b/.test(m.query)) continue;
      const res = /resource\s*=\s*"(\w+)"/.exec(m.query)?.[1];
      if (res !== "cpu" && res !== "memory") continue;
      for (const { value } of seriesValues(m)) allocatable[res] = Math.max(allocatable[res] ?? 0, value);
    }
    const neverFits = resources.filter(
      (r) =>
        requests[r] !== undefined &&
        allocatable[r] !== undefined &&
        (requests[r] ?? 0) > (allocatable[r] ?? Infinity),
    );
    const prev = previousReplicas(e, e.workload?.ref);
    const current = e.workload?.replicas;
    const scaledUp = prev !== undefined && current !== undefined && prev.replicas < current;
    const first = s.events[0];
    const evidence = [
      `${s.events.length} FailedScheduling event(s): ${clip(first?.message ?? "", 220)}`,
      `${s.pendingPods.length} pod(s) Pending`,
    ];
    if (scaledUp && prev)
      evidence.push(`replicas raised from ${prev.replicas} to ${current} (${prev.source})`);
    if (neverFits.length > 0)
      evidence.push(`a single pod requests more ${neverFits.join(", ")} than any node can allocate`);
    const notifiedNoScaleUp = e.events.some((ev) => ev.reason === "NotTriggerScaleUp");
    if (notifiedNoScaleUp) evidence.push("cluster autoscaler did not trigger a scale-up");
    return [
      {
        analyzer: "insufficient-resources",
        category: Category.InsufficientResources,
        confidence: conf(0.6 + 0.32 * s.share.resources),
        summary: `Pods stay Pending: no node has enough ${resources.join("/")} for their requests.`,
        evidence,
        data: {
          resources,
          requests,
          allocatable,
          neverFits,
          pendingPods: s.pendingPods,
          ...(current !== undefined ? { currentReplicas: current } : {}),
          ...(prev ? { previousReplicas: prev.replicas, previousReplicasSource: prev.source } : {}),
          scaledUp,
        },
      },
    ];
  },
};

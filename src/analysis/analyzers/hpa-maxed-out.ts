import type { Finding } from "../../core/diagnosis.js";
import type { Evidence, HpaEvidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { conf, seriesValues } from "../facts.js";

/** Current and target utilisation (percent) of the HPA's main metric, from its status or from a usage/requests query. */
export function hpaUtilisation(
  e: Evidence,
  hpa: HpaEvidence,
): { current?: number; target?: number; metric?: string } {
  const m = hpa.metrics.find((x) => x.current !== undefined && x.target !== undefined) ?? hpa.metrics[0];
  let current = m?.current;
  const target = m?.target;
  if (current === undefined) {
    // usage / requests ratio for the scale target's pods, e.g. 1.3127 → 131%.
    for (const q of e.metrics) {
      if (
        !/container_cpu_usage_seconds_total/.test(q.query) ||
        !/resource_requests/.test(q.query) ||
        !/\//.test(q.query)
      )
        continue;
      const v = seriesValues(q)[0]?.value;
      if (v !== undefined) current = v <= 20 ? v * 100 : v;
    }
  }
  return {
    ...(current !== undefined ? { current } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(m?.name ? { metric: m.name } : {}),
  };
}

/**
 * hpa_maxed_out: the HorizontalPodAutoscaler sits at maxReplicas while its metric is
 * above target (KubeHpaMaxedOut, or status currentReplicas = maxReplicas with
 * ScalingLimited/TooManyReplicas). Records utilisation for sizing the new maximum.
 */
export const hpaMaxedOutAnalyzer: Analyzer = {
  name: "hpa-maxed-out",
  category: Category.HpaMaxedOut,
  analyze(e: Evidence): Finding[] {
    const alert = /HpaMaxedOut/i.test(e.subject.alertname);
    const named = e.subject.horizontalpodautoscaler;
    const candidates = e.hpas.filter((h) =>
      named ? h.ref.name === named : !e.workload || h.scaleTarget.name === e.workload.ref.name,
    );
    const findings: Finding[] = [];
    for (const hpa of candidates) {
      const atMax = hpa.currentReplicas !== undefined && hpa.currentReplicas >= hpa.maxReplicas;
      const limited = hpa.conditions.some(
        (c) => c.type === "ScalingLimited" && c.status === "True" && /TooManyReplicas/i.test(c.reason ?? ""),
      );
      const u = hpaUtilisation(e, hpa);
      const overTarget = u.current !== undefined && u.target !== undefined && u.current > u.target;
      if (!(alert && (atMax || named)) && !(atMax && (limited || overTarget))) continue;
      let confidence = alert ? 0.85 : 0.7;
      if (atMax) confidence += 0.05;
      if (overTarget) confidence += 0.03;
      findings.push({
        analyzer: "hpa-maxed-out",
        category: Category.HpaMaxedOut,
        confidence: conf(confidence),
        summary: `HPA ${hpa.ref.name} is at its maximum of ${hpa.maxReplicas} replicas${u.current !== undefined && u.target !== undefined ? ` with ${u.metric ?? "the metric"} at ${u.current.toFixed(0)}% against a ${u.target}% target` : ""}.`,
        evidence: [
          ...(alert ? [`alert ${e.subject.alertname} for HPA ${named ?? hpa.ref.name}`] : []),
          `HPA ${hpa.ref.name}: currentReplicas ${hpa.currentReplicas ?? "?"}, maxReplicas ${hpa.maxReplicas}`,
          ...(u.current !== undefined
            ? [
                `utilisation ${u.current.toFixed(0)}%${u.target !== undefined ? ` vs target ${u.target}%` : ""}`,
              ]
            : []),
          ...(limited ? ["condition ScalingLimited=True (TooManyReplicas)"] : []),
        ],
        data: {
          hpa: hpa.ref,
          maxReplicas: hpa.maxReplicas,
          currentReplicas: hpa.currentReplicas,
          ...(u.current !== undefined ? { currentUtilisation: u.current } : {}),
          ...(u.target !== undefined ? { targetUtilisation: u.target } : {}),
        },
      });
    }
    return findings;
  },
};

import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { clip, conf, incidentPods } from "../facts.js";
import { schedulingFailures } from "../scheduling.js";

/**
 * unschedulable_constraints: the scheduler rejects every node for the pod's
 * placement rules (nodeSelector/affinity, taints, topology spread, cordoned
 * nodes). Records which selector terms match no node and which nodes are cordoned,
 * for a precise manual reason.
 */
export const unschedulableConstraintsAnalyzer: Analyzer = {
  name: "unschedulable-constraints",
  category: Category.UnschedulableConstraints,
  analyze(e: Evidence): Finding[] {
    const s = schedulingFailures(e);
    if (!s || s.share.constraints === 0) return [];
    const pods = incidentPods(e);
    const selector = pods.find((p) => Object.keys(p.nodeSelector).length > 0)?.nodeSelector ?? {};
    const unmatched = Object.entries(selector).filter(
      ([k, v]) => e.nodes.length > 0 && !e.nodes.some((n) => n.labels[k] === v),
    );
    const cordoned = e.nodes.filter((n) => n.unschedulable).map((n) => n.name);
    const spread = pods.find((p) => p.topologySpread.length > 0)?.topologySpread ?? [];
    const reasons = [...new Set(s.reasons.filter((r) => r.cls === "constraints").map((r) => r.text))];
    const evidence = [`FailedScheduling: ${clip(s.events[0]?.message ?? "", 240)}`];
    for (const [k, v] of unmatched) {
      const values = [
        ...new Set(e.nodes.map((n) => n.labels[k]).filter((x): x is string => x !== undefined)),
      ];
      evidence.push(
        `nodeSelector ${k}=${v} matches none of ${e.nodes.length} nodes${values.length ? ` (nodes carry ${k}=${values.join("|")})` : ""}`,
      );
    }
    if (cordoned.length > 0) evidence.push(`cordoned nodes: ${cordoned.join(", ")}`);
    for (const t of spread)
      evidence.push(`topologySpreadConstraint ${t.topologyKey} maxSkew ${t.maxSkew} ${t.whenUnsatisfiable}`);
    return [
      {
        analyzer: "unschedulable-constraints",
        category: Category.UnschedulableConstraints,
        confidence: conf(0.6 + 0.32 * s.share.constraints),
        summary: `Pods stay Pending: their placement rules (${reasons.join("; ")}) match no node.`,
        evidence,
        data: {
          reasons,
          nodeSelector: selector,
          unmatchedSelector: Object.fromEntries(unmatched),
          cordonedNodes: cordoned,
          topologySpread: spread,
          pendingPods: s.pendingPods,
        },
      },
    ];
  },
};

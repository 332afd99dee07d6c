import type { Finding } from "../../core/diagnosis.js";
import type { Evidence, NodeEvidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { conf, incidentPods } from "../facts.js";

const NODE_ALERT =
  /^(KubeNode(NotReady|Unreachable|Pressure|ReadinessFlapping)|KubeletDown|Node(NotReady|MemoryPressure|DiskPressure|PIDPressure|Pressure))/;
const PRESSURE = /^(MemoryPressure|DiskPressure|PIDPressure|NetworkUnavailable)$/;

function nodeProblems(n: NodeEvidence): string[] {
  const out: string[] = [];
  if (n.ready !== "True") {
    const c = n.conditions.find((x) => x.type === "Ready");
    out.push(`Ready=${n.ready}${c?.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ""})` : ""}`);
  }
  for (const c of n.conditions)
    if (PRESSURE.test(c.type) && c.status === "True")
      out.push(`${c.type}=True${c.message ? ` (${c.message})` : ""}`);
  return out;
}

/**
 * node_not_ready: a node is NotReady/Unknown or under memory, disk or PID pressure,
 * and the incident is about it (a node alert) or about pods on it. The node's own
 * conditions are the evidence; the pods' crashes on that node are consequences.
 */
export const nodeNotReadyAnalyzer: Analyzer = {
  name: "node-not-ready",
  category: Category.NodeNotReady,
  analyze(e: Evidence): Finding[] {
    const alert =
      NODE_ALERT.test(e.subject.alertname) ||
      (e.subject.node !== undefined && /Node/.test(e.subject.alertname));
    const podNodes = new Set(
      incidentPods(e)
        .map((p) => p.nodeName)
        .filter((n): n is string => n !== undefined),
    );
    const findings: Finding[] = [];
    for (const n of e.nodes) {
      const named = n.name === e.subject.node;
      if (!named && !podNodes.has(n.name)) continue;
      const problems = nodeProblems(n);
      if (problems.length === 0) continue;
      const confidence = named && alert ? 0.93 : named ? 0.85 : 0.75;
      const affected = incidentPods(e)
        .filter((p) => p.nodeName === n.name)
        .map((p) => p.name);
      findings.push({
        analyzer: "node-not-ready",
        category: Category.NodeNotReady,
        confidence: conf(confidence),
        summary: `Node ${n.name} is ${problems.join(", ")}.`,
        evidence: [
          ...(alert ? [`alert ${e.subject.alertname} for node ${e.subject.node ?? n.name}`] : []),
          `node ${n.name}: ${problems.join("; ")}`,
          ...(n.taints.length ? [`taints: ${n.taints.map((t) => `${t.key}:${t.effect}`).join(", ")}`] : []),
          ...(affected.length ? [`affected pods: ${affected.slice(0, 5).join(", ")}`] : []),
        ],
        data: { node: n.name, problems, unschedulable: n.unschedulable, affectedPods: affected },
      });
    }
    if (findings.length === 0 && alert && e.subject.node) {
      findings.push({
        analyzer: "node-not-ready",
        category: Category.NodeNotReady,
        confidence: 0.8,
        summary: `Node ${e.subject.node} is reported not ready by ${e.subject.alertname}.`,
        evidence: [`alert ${e.subject.alertname} for node ${e.subject.node}`],
        data: { node: e.subject.node, problems: [] },
      });
    }
    return findings.sort((a, b) => b.confidence - a.confidence);
  },
};

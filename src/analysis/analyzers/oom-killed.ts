import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import {
  alertedContainer,
  conf,
  containerSpec,
  containersOf,
  incidentPods,
  peakWorkingSetBytes,
  safeBytes,
  terminations,
} from "../facts.js";

/**
 * oom_killed: the kubelet reports a container's termination reason as OOMKilled.
 * That is the most direct evidence there is, so it outranks the crash loop or the
 * failed Job it causes. Without a termination reason (the pod is gone), a kernel
 * "Memory cgroup out of memory" event on the node plus an OOM alert is weaker support.
 */
export const oomKilledAnalyzer: Analyzer = {
  name: "oom-killed",
  category: Category.OomKilled,
  analyze(e: Evidence): Finding[] {
    const counts = new Map<string, { kills: number; pods: Set<string>; init: boolean }>();
    for (const { pod, container } of containersOf(incidentPods(e))) {
      const oom = terminations(container).filter((t) => t.reason === "OOMKilled");
      if (oom.length === 0) continue;
      const c = counts.get(container.name) ?? { kills: 0, pods: new Set<string>(), init: container.init };
      c.kills += Math.max(oom.length, container.restartCount > 0 ? 1 : 0);
      c.pods.add(pod.name);
      counts.set(container.name, c);
    }
    const findings: Finding[] = [];
    for (const [name, c] of counts) {
      findings.push(
        build(e, name, 0.95, [
          `container ${name}${c.init ? " (init)" : ""} terminated with reason OOMKilled in ${c.pods.size} pod(s): ${[...c.pods].slice(0, 3).join(", ")}`,
        ]),
      );
    }
    if (findings.length > 0) return findings;

    // No surviving termination reason: the kernel's cgroup OOM event and an OOM alert.
    const cgroupOom = e.events.filter(
      (ev) => ev.reason === "OOMKilling" || /Memory cgroup out of memory/i.test(ev.message),
    );
    const oomAlert = /oom/i.test(e.subject.alertname) || /OOMKilled/.test(e.subject.labels["reason"] ?? "");
    if (oomAlert && (cgroupOom.length > 0 || e.subject.container)) {
      const name = alertedContainer(e) ?? e.subject.container;
      const cited = [`alert ${e.subject.alertname} reports an OOM kill`];
      for (const ev of cgroupOom.slice(0, 2)) cited.push(`event ${ev.reason}: ${ev.message.slice(0, 160)}`);
      findings.push(build(e, name, cgroupOom.length > 0 ? 0.8 : 0.7, cited));
    }
    return findings;
  },
};

function build(e: Evidence, container: string | undefined, confidence: number, cited: string[]): Finding {
  const spec = containerSpec(e, container);
  const limit = spec?.resources.limits["memory"];
  const request = spec?.resources.requests["memory"];
  const peak = peakWorkingSetBytes(e, container);
  const evidence = [...cited];
  evidence.push(limit ? `memory limit ${limit}` : "no memory limit set");
  if (peak !== undefined) evidence.push(`peak working set ${(peak / 2 ** 20).toFixed(0)}Mi across pods`);
  return {
    analyzer: "oom-killed",
    category: Category.OomKilled,
    confidence: conf(confidence),
    summary: `Container ${container ?? "?"} is killed for exceeding its memory limit${limit ? ` of ${limit}` : ""}.`,
    evidence,
    ...(container !== undefined ? { container } : {}),
    data: {
      ...(limit !== undefined ? { limit, limitBytes: safeBytes(limit) } : {}),
      ...(request !== undefined ? { request, requestBytes: safeBytes(request) } : {}),
      ...(peak !== undefined ? { peakBytes: peak } : {}),
    },
  };
}

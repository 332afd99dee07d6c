import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { clip, conf, containersOf, incidentLogs, incidentPods, logLines, terminations } from "../facts.js";

/**
 * init_container_failure: an init container keeps failing (non-zero exits,
 * Init:CrashLoopBackOff), so the main containers never start. The init container's
 * own log usually names why (a denied git clone, a 404 download).
 */
export const initContainerFailureAnalyzer: Analyzer = {
  name: "init-container-failure",
  category: Category.InitContainerFailure,
  analyze(e: Evidence): Finding[] {
    const byName = new Map<string, { pods: Set<string>; exitCodes: Set<number>; crashLoop: boolean }>();
    for (const { pod, container } of containersOf(incidentPods(e), { init: true })) {
      const failed = terminations(container).filter(
        (t) => t.exitCode !== undefined && t.exitCode !== 0 && t.reason !== "OOMKilled",
      );
      const crashLoop = container.waitingReason === "CrashLoopBackOff";
      if (failed.length === 0 && !crashLoop) continue;
      const c = byName.get(container.name) ?? {
        pods: new Set<string>(),
        exitCodes: new Set<number>(),
        crashLoop: false,
      };
      c.pods.add(pod.name);
      for (const t of failed) if (t.exitCode !== undefined) c.exitCodes.add(t.exitCode);
      c.crashLoop ||= crashLoop;
      byName.set(container.name, c);
    }
    const findings: Finding[] = [];
    for (const [name, c] of byName) {
      const lines = incidentLogs(e)
        .filter((l) => l.container === name)
        .flatMap((l) => logLines(l))
        .filter((l) => l.trim() !== "");
      const errors = lines.filter((l) =>
        /error|fatal|denied|refused|not found|\b[45]\d\d\b|fail|cannot|could not|unable/i.test(l),
      );
      const stuckMain = incidentPods(e).some(
        (p) =>
          c.pods.has(p.name) && p.containers.some((x) => !x.init && x.waitingReason === "PodInitializing"),
      );
      findings.push({
        analyzer: "init-container-failure",
        category: Category.InitContainerFailure,
        confidence: conf(0.82 + (c.crashLoop ? 0.05 : 0) + (errors.length > 0 ? 0.05 : 0)),
        summary: `Init container ${name} keeps failing${c.exitCodes.size ? ` (exit ${[...c.exitCodes].join(", ")})` : ""}, so the pod never starts.`,
        evidence: [
          `init container ${name} ${c.crashLoop ? "in CrashLoopBackOff" : "failed"} in ${c.pods.size} pod(s), exit code(s) ${[...c.exitCodes].join(", ") || "unknown"}`,
          ...(stuckMain ? ["main containers wait in PodInitializing"] : []),
          ...errors.slice(0, 3).map((l) => `log: ${clip(l)}`),
        ],
        container: name,
        data: { exitCodes: [...c.exitCodes], pods: [...c.pods], errorLines: errors.slice(0, 5) },
      });
    }
    return findings;
  },
};

import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { clip, conf, containerSpec, incidentPods, isNotReady, mainContainerNames } from "../facts.js";
import {
  observedProbeLatency,
  observedStartup,
  probeAllowanceSeconds,
  probeFailure,
} from "../probe-signals.js";

/**
 * readiness_probe_failure: pods run but never become Ready. A probe that times out
 * while the endpoint answers (slowly) is too strict; a 404 or a refused port means
 * the probe is aimed at the wrong target. A 5xx is the app reporting itself not
 * ready: a symptom whose cause (often a dependency) other analyzers look for, so
 * that reading carries little confidence.
 */
export const readinessProbeFailureAnalyzer: Analyzer = {
  name: "readiness-probe-failure",
  category: Category.ReadinessProbeFailure,
  analyze(e: Evidence): Finding[] {
    const pods = incidentPods(e);
    const notReady = pods.filter(isNotReady);
    if (notReady.length === 0) return [];
    const failure = probeFailure(e, "readiness");
    if (!failure) return [];
    const container =
      failure.container ??
      mainContainerNames(e).find((n) => containerSpec(e, n)?.probes.readiness) ??
      mainContainerNames(e)[0];
    const probe = containerSpec(e, container)?.probes.readiness;
    if (!probe) return [];
    const latency = observedProbeLatency(e, probe);
    const startup = observedStartup(e);
    const startupSeen = Math.max(startup.reportedSeconds ?? 0, startup.incompleteSeconds ?? 0);
    let problem: "timeout" | "slow-start" | "wrong-target" | "unhealthy" | "unknown";
    let confidence: number;
    switch (failure.mode) {
      case "timeout":
        problem = "timeout";
        confidence = 0.85;
        break;
      case "refused":
        problem =
          startupSeen >= 0.8 * probeAllowanceSeconds(probe) && startupSeen > 0
            ? "slow-start"
            : "wrong-target";
        confidence = 0.78;
        break;
      case "http-status":
        if (
          failure.statusCode === 404 ||
          failure.statusCode === 405 ||
          failure.statusCode === 401 ||
          failure.statusCode === 403
        ) {
          problem = "wrong-target";
          confidence = 0.85;
        } else {
          problem = "unhealthy";
          confidence = 0.5;
        }
        break;
      default:
        problem = "unknown";
        confidence = 0.5;
    }
    const noEndpoints = e.services.some(
      (s) => s.endpoints !== undefined && s.endpoints.ready === 0 && s.selects.length > 0,
    );
    if (noEndpoints) confidence += 0.03;
    return [
      {
        analyzer: "readiness-probe-failure",
        category: Category.ReadinessProbeFailure,
        confidence: conf(confidence),
        summary:
          problem === "timeout"
            ? `The readiness probe of ${container} times out (${probe.timeoutSeconds}s allowed${latency !== undefined ? `, ${latency.toFixed(2)}s observed` : ""}), so the pods never become Ready.`
            : problem === "wrong-target"
              ? `The readiness probe of ${container} calls ${probe.path ?? ""} on port ${String(probe.port ?? "?")}, which answers ${failure.statusCode ?? "connection refused"}: the probe is aimed at the wrong target.`
              : `The pods of ${container} report themselves not ready (${failure.statusCode ?? failure.mode}).`,
        evidence: [
          `${notReady.length} pod(s) running but not Ready`,
          `${failure.count} readiness probe failure(s): ${clip(failure.events[0]?.message ?? "", 200)}`,
          `readiness probe: ${probe.handler}${probe.path ? ` ${probe.path}` : ""}${probe.port !== undefined ? ` port ${probe.port}` : ""}, timeoutSeconds ${probe.timeoutSeconds}, periodSeconds ${probe.periodSeconds}, failureThreshold ${probe.failureThreshold}`,
          ...(latency !== undefined ? [`probe endpoint observed taking ${latency.toFixed(2)}s`] : []),
          ...(noEndpoints ? ["the Service has no ready endpoints"] : []),
        ],
        ...(container ? { container } : {}),
        data: {
          probe: "readiness",
          problem,
          mode: failure.mode,
          ...(failure.statusCode !== undefined ? { statusCode: failure.statusCode } : {}),
          spec: probe,
          ...(latency !== undefined ? { latencySeconds: latency } : {}),
          ...(startupSeen > 0 ? { startupSeconds: startupSeen } : {}),
        },
      },
    ];
  },
};

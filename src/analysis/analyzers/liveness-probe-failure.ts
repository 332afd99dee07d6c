import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { clip, conf, containerSpec, mainContainerNames } from "../facts.js";
import {
  observedProbeLatency,
  observedStartup,
  probeAllowanceSeconds,
  probeFailure,
  probeKills,
} from "../probe-signals.js";

/**
 * liveness_probe_failure: the kubelet kills a container because its liveness probe
 * fails. Timeouts (the endpoint answers, but slower than timeoutSeconds) and kills
 * before a slow start completes are timing problems adjust_probe can fix; a 404 or a
 * refused port the app never listens on is a probe aimed at the wrong target.
 */
export const livenessProbeFailureAnalyzer: Analyzer = {
  name: "liveness-probe-failure",
  category: Category.LivenessProbeFailure,
  analyze(e: Evidence): Finding[] {
    const failure = probeFailure(e, "liveness");
    const kills = probeKills(e, "liveness");
    if (!failure && kills === 0) return [];
    const container =
      failure?.container ??
      mainContainerNames(e).find((n) => containerSpec(e, n)?.probes.liveness) ??
      mainContainerNames(e)[0];
    const probe = containerSpec(e, container)?.probes.liveness;
    if (!probe) return [];
    const mode = failure?.mode ?? "other";
    const latency = observedProbeLatency(e, probe);
    const startup = observedStartup(e);
    const allowance = probeAllowanceSeconds(probe);
    const startupSeen = Math.max(startup.reportedSeconds ?? 0, startup.incompleteSeconds ?? 0);
    const slowStart = startupSeen > 0 && startupSeen >= 0.8 * allowance;
    let problem: "timeout" | "slow-start" | "wrong-target" | "unhealthy" | "unknown";
    if (mode === "timeout") problem = slowStart && latency === undefined ? "slow-start" : "timeout";
    else if (mode === "refused") problem = slowStart ? "slow-start" : "wrong-target";
    else if (mode === "http-status")
      problem = failure?.statusCode === 404 ? "wrong-target" : slowStart ? "slow-start" : "unhealthy";
    else problem = slowStart ? "slow-start" : "unknown";
    let confidence = 0.7;
    if (kills > 0) confidence += 0.1;
    if (problem === "timeout" || problem === "slow-start" || problem === "wrong-target") confidence += 0.08;
    if (problem === "timeout" && latency !== undefined && latency > probe.timeoutSeconds) confidence += 0.03;
    const evidence = [
      ...(failure
        ? [`${failure.count} liveness probe failure(s): ${clip(failure.events[0]?.message ?? "", 200)}`]
        : []),
      ...(kills > 0
        ? [`kubelet restarted the container ${kills} time(s) for failing its liveness probe`]
        : []),
      `liveness probe: ${probe.handler}${probe.path ? ` ${probe.path}` : ""}${probe.port !== undefined ? ` port ${probe.port}` : ""}, initialDelaySeconds ${probe.initialDelaySeconds}, timeoutSeconds ${probe.timeoutSeconds}, periodSeconds ${probe.periodSeconds}, failureThreshold ${probe.failureThreshold}`,
      ...(latency !== undefined ? [`probe endpoint observed taking ${latency.toFixed(2)}s`] : []),
      ...(startup.reportedSeconds !== undefined
        ? [`app reports starting in ${startup.reportedSeconds.toFixed(1)}s`]
        : []),
      ...(startup.incompleteSeconds !== undefined
        ? [`a killed container ran ${startup.incompleteSeconds.toFixed(1)}s without finishing startup`]
        : []),
    ];
    return [
      {
        analyzer: "liveness-probe-failure",
        category: Category.LivenessProbeFailure,
        confidence: conf(confidence),
        summary:
          problem === "timeout"
            ? `The liveness probe of ${container} times out (${probe.timeoutSeconds}s allowed${latency !== undefined ? `, ${latency.toFixed(2)}s observed` : ""}) and the kubelet restarts a working container.`
            : problem === "slow-start"
              ? `The liveness probe of ${container} kills the container before its ~${startupSeen.toFixed(0)}s startup completes.`
              : problem === "wrong-target"
                ? `The liveness probe of ${container} targets ${probe.path ?? ""} port ${String(probe.port ?? "?")}, which the app does not serve.`
                : `The liveness probe of ${container} keeps failing and the kubelet restarts the container.`,
        evidence,
        ...(container ? { container } : {}),
        data: {
          probe: "liveness",
          problem,
          mode,
          ...(failure?.statusCode !== undefined ? { statusCode: failure.statusCode } : {}),
          spec: probe,
          ...(latency !== undefined ? { latencySeconds: latency } : {}),
          ...(startupSeen > 0 ? { startupSeconds: startupSeen } : {}),
          allowanceSeconds: allowance,
          kills,
        },
      },
    ];
  },
};

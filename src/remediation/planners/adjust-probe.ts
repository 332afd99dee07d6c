import type { RemediationPlan, TargetRef } from "../../core/diagnosis.js";
import type { ProbeEvidence } from "../../core/evidence.js";
import { ceilStep, clamp, kubectlPatch, patchFor, podTemplatePatch, toPlan } from "./common.js";

export const MAX_TIMEOUT_SECONDS = 10;
export const MAX_INITIAL_DELAY_SECONDS = 300;

export type ProbeName = "liveness" | "readiness" | "startup";

/**
 * timeoutSeconds that tolerates the observed latency: twice the slowest observed
 * answer rounded up (or 3 × the current timeout when no latency was seen), at least
 * one second more than now, at most 10.
 */
export function tolerantTimeout(current: number, latencySeconds: number | undefined): number {
  const wanted = latencySeconds !== undefined ? Math.ceil(latencySeconds * 2) : current * 3;
  return clamp(Math.max(wanted, current + 1), current + 1, Math.max(MAX_TIMEOUT_SECONDS, current + 1));
}

/** initialDelaySeconds above the observed startup: 1.5 × startup rounded up to 5s, at most 300. */
export function tolerantInitialDelay(current: number, startupSeconds: number): number {
  return clamp(
    ceilStep(Math.max(startupSeconds * 1.5, current + 10), 5),
    current + 5,
    MAX_INITIAL_DELAY_SECONDS,
  );
}

export function planAdjustProbe(
  target: TargetRef & { container: string },
  probe: ProbeName,
  spec: ProbeEvidence,
  observed: { problem: "timeout" | "slow-start"; latencySeconds?: number; startupSeconds?: number },
  now: Date,
): RemediationPlan {
  const fields: Record<string, number> = {};
  let why: string;
  if (observed.problem === "timeout") {
    fields["timeoutSeconds"] = tolerantTimeout(spec.timeoutSeconds, observed.latencySeconds);
    // A probe cannot usefully time out after its next period has begun.
    if ((fields["timeoutSeconds"] ?? 0) > spec.periodSeconds)
      fields["periodSeconds"] = fields["timeoutSeconds"] ?? spec.periodSeconds;
    why = `the endpoint answers in ${observed.latencySeconds !== undefined ? `${observed.latencySeconds.toFixed(2)}s` : "more than the allowed time"} while the probe allows ${spec.timeoutSeconds}s`;
  } else {
    const startup = observed.startupSeconds ?? spec.initialDelaySeconds * 2;
    fields["initialDelaySeconds"] = tolerantInitialDelay(spec.initialDelaySeconds, startup);
    why = `the app needs about ${Math.round(startup)}s to start but the probe starts judging it after ${spec.initialDelaySeconds}s`;
  }
  const key = `${probe}Probe`;
  const body = podTemplatePatch(target.kind, { containers: [{ name: target.container, [key]: fields }] });
  return toPlan(
    {
      action: "adjust_probe",
      target,
      params: { probe, ...fields },
      patch: patchFor(target, body),
      kubectl: kubectlPatch(target, body),
      risk: probe === "liveness" ? "low" : "low",
      rationale: `The ${probe} probe of ${target.container} is too strict: ${why}. Setting ${Object.entries(
        fields,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")} lets it tolerate what was observed without changing what it checks.`,
    },
    now,
  );
}

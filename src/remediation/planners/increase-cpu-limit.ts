import type { RemediationPlan, TargetRef } from "../../core/diagnosis.js";
import { formatCpu, parseCpu } from "../../core/quantity.js";
import { clamp, kubectlPatch, patchFor, podTemplatePatch, toPlan } from "./common.js";

/**
 * The new CPU limit: 2 × the limit when most periods are throttled (≥ 50%), else
 * 1.5 ×; never below 1.25 × or above 4 × the current limit; rounded up to clean
 * millicores.
 */
export function newCpuLimit(limitCores: number, throttledRatio: number | undefined): number {
  const factor = throttledRatio !== undefined && throttledRatio >= 0.5 ? 2 : 1.5;
  const value = clamp(limitCores * factor, limitCores * 1.25, limitCores * 4);
  const rounded = parseCpu(formatCpu(value));
  return rounded > limitCores * 4 ? limitCores * 4 : rounded;
}

export function planIncreaseCpuLimit(
  target: TargetRef & { container: string },
  input: { limitCores: number; throttledRatio?: number },
  now: Date,
): RemediationPlan {
  const cpu = formatCpu(newCpuLimit(input.limitCores, input.throttledRatio));
  const body = podTemplatePatch(target.kind, {
    containers: [{ name: target.container, resources: { limits: { cpu } } }],
  });
  return toPlan(
    {
      action: "increase_cpu_limit",
      target,
      params: { cpu },
      patch: patchFor(target, body),
      kubectl: kubectlPatch(target, body),
      risk: "low",
      rationale: `Container ${target.container} is throttled against its ${formatCpu(input.limitCores)} CPU limit${input.throttledRatio !== undefined ? ` (${Math.round(input.throttledRatio * 100)}% of periods throttled)` : ""}; raising the limit to ${cpu} removes the throttling without changing the request the scheduler uses.`,
    },
    now,
  );
}

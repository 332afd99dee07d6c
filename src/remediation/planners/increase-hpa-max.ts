import type { RemediationPlan, TargetRef } from "../../core/diagnosis.js";
import { clamp, kubectlPatch, patchFor, toPlan } from "./common.js";

/**
 * The new maxReplicas: enough replicas to bring utilisation back to target
 * (ceil(max × current / target)), at least max + 1, at most 3 × max. Without
 * utilisation figures, 1.5 × max.
 */
export function newHpaMax(max: number, current?: number, target?: number): number {
  const wanted =
    current !== undefined && target !== undefined && target > 0
      ? Math.ceil((max * current) / target)
      : Math.ceil(max * 1.5);
  return clamp(wanted, max + 1, max * 3);
}

export function planIncreaseHpaMax(
  target: TargetRef,
  input: { maxReplicas: number; currentUtilisation?: number; targetUtilisation?: number },
  now: Date,
): RemediationPlan {
  const maxReplicas = newHpaMax(input.maxReplicas, input.currentUtilisation, input.targetUtilisation);
  const body = { spec: { maxReplicas } };
  return toPlan(
    {
      action: "increase_hpa_max",
      target,
      params: { maxReplicas },
      patch: patchFor(target, body),
      kubectl: kubectlPatch(target, body),
      risk: "low",
      rationale: `HPA ${target.name} is pinned at ${input.maxReplicas} replicas${input.currentUtilisation !== undefined && input.targetUtilisation !== undefined ? ` with utilisation ${Math.round(input.currentUtilisation)}% against a ${input.targetUtilisation}% target` : ""}; ${maxReplicas} replicas bring utilisation back to target (bounded to 3x the current maximum). Check that the cluster has room for them.`,
    },
    now,
  );
}

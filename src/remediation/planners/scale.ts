import type { RemediationPlan, TargetRef } from "../../core/diagnosis.js";
import type { RiskLevel } from "../../core/vocabulary.js";
import { kubectlRef, nsFlag, patchFor, toPlan, workloadOnly } from "./common.js";

/** Sets a workload's replicas (a dependency scaled to zero, or an accidental scale-up undone). */
export function planScale(
  target: TargetRef,
  replicas: number,
  why: string,
  risk: RiskLevel,
  now: Date,
): RemediationPlan {
  const workload = workloadOnly(target);
  const body = { spec: { replicas } };
  return toPlan(
    {
      action: "scale",
      target: workload,
      params: { replicas },
      patch: patchFor(workload, body),
      kubectl: `kubectl scale ${kubectlRef(workload)}${nsFlag(workload)} --replicas=${replicas}`,
      risk,
      rationale: why,
    },
    now,
  );
}

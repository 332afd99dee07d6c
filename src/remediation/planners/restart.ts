import type { RemediationPlan, TargetRef } from "../../core/diagnosis.js";
import { kubectlRef, nsFlag, patchFor, toPlan } from "./common.js";

/** A rolling restart, as `kubectl rollout restart` does it: a restartedAt annotation on the pod template. */
export function planRestart(target: TargetRef, why: string, now: Date): RemediationPlan {
  const workload: TargetRef = {
    kind: target.kind,
    ...(target.namespace ? { namespace: target.namespace } : {}),
    name: target.name,
  };
  const template = { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": now.toISOString() } } };
  const body: Record<string, unknown> =
    workload.kind === "CronJob" ? { spec: { jobTemplate: { spec: { template } } } } : { spec: { template } };
  return toPlan(
    {
      action: "restart",
      target: workload,
      params: {},
      patch: patchFor(workload, body),
      kubectl: `kubectl rollout restart ${kubectlRef(workload)}${nsFlag(workload)}`,
      risk: "low",
      rationale: why,
    },
    now,
  );
}

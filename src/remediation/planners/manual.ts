import type { RemediationPlan, TargetRef } from "../../core/diagnosis.js";
import { toPlan } from "./common.js";

/** No safe automatic change: a person must act, and the reason says precisely what to do. */
export function planManual(target: TargetRef, reason: string, now: Date): RemediationPlan {
  return toPlan(
    { action: "manual", target, params: { reason }, risk: "low", rationale: reason, reason },
    now,
  );
}

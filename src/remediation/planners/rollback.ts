import type { RemediationPlan, TargetRef } from "../../core/diagnosis.js";
import type { Evidence, RevisionEvidence } from "../../core/evidence.js";
import { kubectlRef, nsFlag, patchFor, podTemplatePatch, toPlan, workloadOnly } from "./common.js";

/** The rollout's last healthy revision, when it differs from the failing current one. */
export function healthyPrevious(
  e: Evidence,
): { healthy: RevisionEvidence; current: RevisionEvidence } | undefined {
  const r = e.rollout;
  if (!r?.lastHealthy || !r.current || r.lastHealthy.revision === r.current.revision) return undefined;
  return { healthy: r.lastHealthy, current: r.current };
}

/**
 * Returns the workload to its last healthy revision: the revision number and the
 * images its pod template runs. The patch sets those images, which is what
 * `kubectl rollout undo --to-revision` does to the template for an image change.
 */
export function planRollback(
  target: TargetRef,
  healthy: RevisionEvidence,
  current: RevisionEvidence | undefined,
  why: string,
  now: Date,
): RemediationPlan {
  const workload = workloadOnly(target);
  const containers = Object.entries(healthy.images).map(([name, image]) => ({ name, image }));
  const body = podTemplatePatch(workload.kind, { containers });
  const changed = Object.entries(healthy.images).filter(
    ([name, image]) => current?.images[name] !== undefined && current.images[name] !== image,
  );
  return toPlan(
    {
      action: "rollback",
      target: workload,
      params: { revision: healthy.revision, images: healthy.images },
      patch: patchFor(workload, body),
      kubectl: `kubectl rollout undo ${kubectlRef(workload)}${nsFlag(workload)} --to-revision=${healthy.revision}`,
      risk: "medium",
      rationale: `${why} Revision ${healthy.revision} (${healthy.name}) was healthy${changed.length ? `; rolling back restores ${changed.map(([n, i]) => `${n}=${i}`).join(", ")}` : ""}.`,
    },
    now,
  );
}

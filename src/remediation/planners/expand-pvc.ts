import type { RemediationPlan, TargetRef } from "../../core/diagnosis.js";
import { formatStorage, parseBytes } from "../../core/quantity.js";
import { kubectlPatch, patchFor, toPlan } from "./common.js";

/** 1.5 × the current request in whole Gi, at least 1.25 ×, at most 4 ×. */
export function newPvcSize(requestBytes: number): number {
  const cap = 4 * requestBytes;
  const rounded = parseBytes(formatStorage(requestBytes * 1.5));
  return Math.min(Math.max(rounded, requestBytes * 1.25), cap);
}

export function planExpandPvc(
  target: TargetRef,
  input: { requestBytes: number; usedRatio?: number; storageClassName?: string },
  now: Date,
): RemediationPlan {
  const storage = formatStorage(newPvcSize(input.requestBytes));
  const body = { spec: { resources: { requests: { storage } } } };
  return toPlan(
    {
      action: "expand_pvc",
      target: {
        kind: "PersistentVolumeClaim",
        ...(target.namespace ? { namespace: target.namespace } : {}),
        name: target.name,
      },
      params: { storage },
      patch: patchFor({ ...target, kind: "PersistentVolumeClaim" }, body),
      kubectl: kubectlPatch({ ...target, kind: "PersistentVolumeClaim" }, body),
      risk: "medium",
      rationale: `PVC ${target.name} is ${input.usedRatio !== undefined ? `${(input.usedRatio * 100).toFixed(1)}% ` : ""}full at ${formatStorage(input.requestBytes)}; ${storage} gives room to grow. Volume expansion cannot be undone and needs a StorageClass with allowVolumeExpansion${input.storageClassName ? ` (${input.storageClassName})` : ""}.`,
    },
    now,
  );
}

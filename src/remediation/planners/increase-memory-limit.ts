import type { RemediationPlan, TargetRef } from "../../core/diagnosis.js";
import { formatBytes, parseBytes } from "../../core/quantity.js";
import { kubectlPatch, patchFor, podTemplatePatch, toPlan } from "./common.js";

/** Headroom over the larger of the limit and the observed peak. */
export const MEMORY_HEADROOM = 1.5;

/**
 * The new memory limit: max(limit, peak) × 1.5, at least 1.25 × max(limit, peak),
 * at most 4 × the current limit, rounded up to a clean unit (formatBytes).
 */
export function newMemoryLimit(limitBytes: number, peakBytes: number | undefined): number {
  const base = Math.max(limitBytes, peakBytes ?? 0);
  const cap = 4 * limitBytes;
  const value = Math.min(Math.max(base * MEMORY_HEADROOM, base * 1.25), cap);
  const rounded = parseBytes(formatBytes(value));
  // Rounding up may cross the cap: then the cap, in whole Mi, is the answer.
  return rounded <= cap ? rounded : Math.floor(cap / MI) * MI;
}

const MI = 2 ** 20;
const GI = 2 ** 30;

/** Prints bytes exactly (newMemoryLimit already chose a clean value): Gi, Mi, or plain bytes. */
export function printBytes(bytes: number): string {
  if (bytes % GI === 0) return `${bytes / GI}Gi`;
  if (bytes % MI === 0) return `${bytes / MI}Mi`;
  return String(Math.round(bytes));
}

export function planIncreaseMemoryLimit(
  target: TargetRef & { container: string },
  input: { limitBytes: number; peakBytes?: number; requestBytes?: number },
  now: Date,
): RemediationPlan {
  const bytes = newMemoryLimit(input.limitBytes, input.peakBytes);
  const memory = printBytes(bytes);
  const limits = { memory };
  // The request moves only where it would otherwise exceed the new limit.
  const requests = input.requestBytes !== undefined && input.requestBytes > bytes ? { memory } : undefined;
  const body = podTemplatePatch(target.kind, {
    containers: [{ name: target.container, resources: { limits, ...(requests ? { requests } : {}) } }],
  });
  const peakText =
    input.peakBytes !== undefined ? `, observed peak working set ${formatBytes(input.peakBytes)}` : "";
  return toPlan(
    {
      action: "increase_memory_limit",
      target,
      params: { memory },
      patch: patchFor(target, body),
      kubectl: kubectlPatch(target, body),
      risk: "low",
      rationale: `Container ${target.container} is OOMKilled at its ${formatBytes(input.limitBytes)} limit${peakText}; ${memory} gives ${MEMORY_HEADROOM}x headroom over the larger of the two (capped at 4x the current limit).`,
    },
    now,
  );
}

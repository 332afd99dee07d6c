/**
 * The checks every plan passes before it is proposed, whatever chose its action (the
 * category's rule, a person's correction remembered from a similar incident): the action
 * is in the catalogue; the target is the incident's own workload (its owner chain), or an
 * object of the incident's namespace that the evidence shows (a dependency, its
 * autoscaler, its volume claim), never a Pod; the computed quantities are increases
 * within the bounds the planners promise. Pure: evidence and plan in, the problem out.
 */
import type { RemediationPlan, TargetRef } from "../core/diagnosis.js";
import type { Evidence, ObjectRef } from "../core/evidence.js";
import { Action, isAction, TargetKind } from "../core/vocabulary.js";
import { containerSpec, safeBytes, safeCpu } from "../analysis/facts.js";
import { MAX_INITIAL_DELAY_SECONDS, MAX_TIMEOUT_SECONDS, type ProbeName } from "./planners/adjust-probe.js";
import { describeTarget, workloadTarget } from "./planners/common.js";
import { planManual } from "./planners/manual.js";

export const PlanBounds = {
  /** A memory or CPU limit, or a volume, grows at most this many times. */
  maxGrowth: 4,
  /** An autoscaler's maxReplicas grows at most this many times. */
  maxHpaGrowth: 3,
  /** No plan sets more replicas than this. */
  maxReplicas: 1000,
} as const;

const TARGET_KINDS = new Set<string>(Object.values(TargetKind));
/** Actions that change the pods' template or rollout: only the incident's own workload. */
const OWN_WORKLOAD_ACTIONS = new Set<string>([
  Action.Restart,
  Action.Rollback,
  Action.IncreaseMemoryLimit,
  Action.IncreaseCpuLimit,
  Action.AdjustProbe,
]);

const LIMITS = {
  [Action.IncreaseMemoryLimit]: { resource: "memory", parse: safeBytes },
  [Action.IncreaseCpuLimit]: { resource: "cpu", parse: safeCpu },
} as const;

/** What is wrong with the plan, or undefined when it may be proposed. */
export function checkPlan(e: Evidence, plan: RemediationPlan): string | undefined {
  if (!isAction(plan.action)) return `${String(plan.action)} is not an action of the catalogue`;
  // A manual plan changes nothing; its target only says where to look.
  if (plan.action === Action.Manual) return undefined;
  const t = plan.target;
  if (!TARGET_KINDS.has(t.kind)) return `a remediation never changes a ${t.kind}`;
  const namespace = e.subject.namespace ?? e.workload?.ref.namespace;
  if (namespace && t.kind !== TargetKind.Node && t.namespace !== namespace)
    return `${describeTarget(t)} is outside the incident's namespace ${namespace}`;
  const same = (r: ObjectRef): boolean =>
    r.kind === t.kind && r.name === t.name && (r.namespace ?? namespace) === (t.namespace ?? namespace);
  const own = ownWorkloads(e);

  if (OWN_WORKLOAD_ACTIONS.has(plan.action) && !own.some(same))
    return `${describeTarget(t)} is not in the incident's owner chain`;
  switch (plan.action) {
    case Action.Scale:
      if (!own.some(same) && !e.relatedWorkloads.some((w) => same(w.ref)))
        return `${describeTarget(t)} is neither the incident's workload nor one the evidence shows`;
      return checkReplicas(plan.params["replicas"]);
    case Action.IncreaseMemoryLimit:
    case Action.IncreaseCpuLimit: {
      // The plan's parameter is named after the resource whose limit it sets.
      const { resource, parse } = LIMITS[plan.action];
      return checkGrowth(
        `${resource} limit`,
        parse(containerSpec(e, t.container)?.resources.limits[resource]),
        parse(str(plan.params[resource])),
        PlanBounds.maxGrowth,
      );
    }
    case Action.Rollback:
      return checkRollback(e, plan.params["revision"]);
    case Action.AdjustProbe:
      return checkProbe(e, t, plan.params);
    case Action.IncreaseHpaMax: {
      const hpa = e.hpas.find((h) => same(h.ref));
      if (!hpa) return `the evidence shows no autoscaler ${describeTarget(t)}`;
      return checkGrowth(
        "maxReplicas",
        hpa.maxReplicas,
        num(plan.params["maxReplicas"]),
        PlanBounds.maxHpaGrowth,
      );
    }
    case Action.ExpandPvc: {
      const pvc = e.pvcs.find((p) => same(p.ref));
      if (!pvc) return `the evidence shows no volume claim ${describeTarget(t)}`;
      return checkGrowth(
        "storage request",
        safeBytes(pvc.requested ?? pvc.capacity),
        safeBytes(str(plan.params["storage"])),
        PlanBounds.maxGrowth,
      );
    }
    default:
      return undefined;
  }
}

/** The plan, or `manual` on its target saying why the change was withheld. */
export function validated(e: Evidence, plan: RemediationPlan, now: Date): RemediationPlan {
  const problem = checkPlan(e, plan);
  if (!problem) return plan;
  return planManual(
    plan.target,
    `No automatic change is proposed: the ${plan.action} plan failed validation (${problem}). What it would have done: ${plan.rationale}`,
    now,
  );
}

/** The incident's workload and everything above its pods: the objects its own fixes may change. */
function ownWorkloads(e: Evidence): ObjectRef[] {
  const refs: ObjectRef[] = [...e.ownerChain];
  if (e.workload) refs.push(e.workload.ref, ...(e.workload.owner ? [e.workload.owner] : []));
  const top = workloadTarget(e);
  if (top) refs.push(top);
  return refs;
}

function checkGrowth(
  what: string,
  current: number | undefined,
  proposed: number | undefined,
  factor: number,
): string | undefined {
  if (current === undefined || !(current > 0)) return `the evidence shows no current ${what} to grow from`;
  if (proposed === undefined) return `the plan sets no readable ${what}`;
  if (!(proposed > current)) return `the new ${what} is not above the current one`;
  // A tolerance for quantities printed in rounded units.
  if (proposed > current * factor * (1 + 1e-9))
    return `the new ${what} is more than ${factor}x the current one`;
  return undefined;
}

function checkReplicas(value: unknown): string | undefined {
  const n = num(value);
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > PlanBounds.maxReplicas)
    return `replicas must be a whole number from 1 to ${PlanBounds.maxReplicas}`;
  return undefined;
}

function checkRollback(e: Evidence, revision: unknown): string | undefined {
  const target = e.rollout?.revisions.find((r) => r.revision === revision);
  if (!target) return `revision ${String(revision)} is not in the workload's rollout history`;
  if (target.current) return `revision ${target.revision} is the current one`;
  if (!target.healthy) return `revision ${target.revision} was not healthy`;
  return undefined;
}

const PROBE_CAPS: Record<string, (current: number) => number> = {
  timeoutSeconds: (c) => Math.max(MAX_TIMEOUT_SECONDS, c + 1),
  periodSeconds: (c) => Math.max(MAX_TIMEOUT_SECONDS, c),
  initialDelaySeconds: (c) => Math.max(MAX_INITIAL_DELAY_SECONDS, c + 5),
};

function checkProbe(e: Evidence, t: TargetRef, params: Record<string, unknown>): string | undefined {
  const probe = params["probe"];
  if (probe !== "liveness" && probe !== "readiness" && probe !== "startup")
    return `${String(probe)} is not a probe`;
  const spec = containerSpec(e, t.container)?.probes[probe as ProbeName];
  if (!spec) return `container ${t.container ?? "?"} has no ${probe} probe`;
  for (const [field, cap] of Object.entries(PROBE_CAPS)) {
    if (params[field] === undefined) continue;
    const value = num(params[field]);
    const current = spec[field as keyof typeof spec] as number;
    if (value === undefined || !Number.isInteger(value) || value <= current || value > cap(current))
      return `${probe} ${field} ${String(params[field])} is not a bounded increase over ${current}`;
  }
  return undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

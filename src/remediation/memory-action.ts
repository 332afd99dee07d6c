/**
 * The action a person chose on a near-identical past incident (`diagnosis.memoryAction`),
 * planned for this incident from its own evidence. Pure. The plan is built only when this
 * evidence gives what the action needs, and it passes the same checks as every plan;
 * otherwise the category's plan stands and its reason says why.
 *
 * What each action needs: `restart` a workload that rolls (always, when there is one);
 * `rollback` a healthy earlier revision; `increase_memory_limit` / `increase_cpu_limit` a
 * current limit; `scale` a replica count the evidence records; `manual` nothing. Any
 * action may also come from an analyzer finding about this incident whose own plan is
 * that action (how `adjust_probe`, `increase_hpa_max` and `expand_pvc` get their numbers).
 */
import type { Diagnosis, RemediationPlan } from "../core/diagnosis.js";
import type { Evidence } from "../core/evidence.js";
import { formatBytes, formatCpu } from "../core/quantity.js";
import { Action, type Category } from "../core/vocabulary.js";
import {
  alertedContainer,
  containerSpec,
  mainContainerNames,
  peakWorkingSetBytes,
  safeBytes,
  safeCpu,
} from "../analysis/facts.js";
import { previousReplicas } from "../analysis/replicas.js";
import { describeTarget, workloadTarget } from "./planners/common.js";
import { planIncreaseCpuLimit } from "./planners/increase-cpu-limit.js";
import { MEMORY_HEADROOM, planIncreaseMemoryLimit } from "./planners/increase-memory-limit.js";
import { planManual } from "./planners/manual.js";
import { planRestart } from "./planners/restart.js";
import { healthyPrevious, planRollback } from "./planners/rollback.js";
import { planScale } from "./planners/scale.js";
import { checkPlan } from "./validate.js";

/** Kinds `kubectl rollout restart` works on. */
const ROLLING_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

/**
 * `byCategory` is the (validated) plan for the diagnosis' category; `planFor` plans for
 * another category of this diagnosis' findings.
 */
export function followMemoryAction(
  e: Evidence,
  diagnosis: Diagnosis,
  byCategory: RemediationPlan,
  planFor: (category: Category) => RemediationPlan,
  now: Date,
): RemediationPlan {
  const action = diagnosis.memoryAction;
  if (!action) return byCategory;
  const source = diagnosis.similar?.find((s) => s.outcome === "corrected" && s.action === action);
  const who = `A person chose ${action} on ${source ? `near-identical incident ${source.incidentId}` : "a near-identical incident"}`;
  if (byCategory.action === action)
    return {
      ...byCategory,
      rationale: `${who}, the plan for ${diagnosis.category} too. ${byCategory.rationale}`,
    };

  const kept = (because: string): RemediationPlan => {
    const why = `${who}, but ${because}; the plan for ${diagnosis.category} stands.`;
    return {
      ...byCategory,
      rationale: `${byCategory.rationale} ${why}`,
      reason: byCategory.reason ? `${byCategory.reason} ${why}` : why,
    };
  };
  const built =
    fromFindings(action, diagnosis, planFor) ?? fromEvidence(action, e, diagnosis, byCategory, now);
  if (typeof built === "string") return kept(built);
  const problem = checkPlan(e, built);
  if (problem) return kept(`its plan for this incident fails validation: ${problem}`);
  return {
    ...built,
    rationale: `${who}; planned from this incident's evidence. ${built.rationale}`,
    ...(built.reason ? { reason: `${who}. ${built.reason}` } : {}),
  };
}

/** The plan of another finding about this incident, when that plan is the chosen action. */
function fromFindings(
  action: string,
  diagnosis: Diagnosis,
  planFor: (category: Category) => RemediationPlan,
): RemediationPlan | undefined {
  const categories = new Set(diagnosis.findings.map((f) => f.category));
  categories.delete(diagnosis.category);
  for (const category of categories) {
    const plan = planFor(category);
    if (plan.action === action) return plan;
  }
  return undefined;
}

/** The action planned from the evidence alone, or why the evidence cannot support it. */
function fromEvidence(
  action: string,
  e: Evidence,
  diagnosis: Diagnosis,
  byCategory: RemediationPlan,
  now: Date,
): RemediationPlan | string {
  const container =
    diagnosis.findings.find((f) => f.container)?.container ?? alertedContainer(e) ?? mainContainerNames(e)[0];
  const workload = workloadTarget(e);
  const noWorkload = "this incident's evidence names no workload of its own";
  switch (action) {
    case Action.Manual:
      return planManual(
        byCategory.target,
        `Handle it by hand as they did. The automatic plan for ${diagnosis.category} would have been ${byCategory.action} on ${describeTarget(byCategory.target)}: ${byCategory.rationale}`,
        now,
      );
    case Action.Restart:
      if (!workload) return noWorkload;
      if (!ROLLING_KINDS.has(workload.kind)) return `a ${workload.kind} has no rolling restart`;
      return planRestart(
        workload,
        `A rolling restart replaces the pods of ${describeTarget(workload)} one by one.`,
        now,
      );
    case Action.Rollback: {
      const previous = healthyPrevious(e);
      if (!previous) return "this incident's evidence records no healthy earlier revision to roll back to";
      if (!workload) return noWorkload;
      return planRollback(
        workload,
        previous.healthy,
        previous.current,
        `Revision ${previous.current.revision} is current and revision ${previous.healthy.revision} ran healthy before it.`,
        now,
      );
    }
    case Action.IncreaseMemoryLimit: {
      const spec = containerSpec(e, container);
      const limit = safeBytes(spec?.resources.limits["memory"]);
      if (!workload || !container) return noWorkload;
      if (limit === undefined || !(limit > 0))
        return `container ${container} declares no memory limit to raise`;
      const peak = peakWorkingSetBytes(e, container);
      const request = safeBytes(spec?.resources.requests["memory"]);
      const plan = planIncreaseMemoryLimit(
        { ...workload, container },
        {
          limitBytes: limit,
          ...(peak !== undefined ? { peakBytes: peak } : {}),
          ...(request !== undefined ? { requestBytes: request } : {}),
        },
        now,
      );
      return {
        ...plan,
        rationale: `Container ${container} has a ${formatBytes(limit)} memory limit${peak !== undefined ? ` and an observed peak working set of ${formatBytes(peak)}` : ""}; ${String(plan.params["memory"])} gives ${MEMORY_HEADROOM}x headroom over the larger of the two (at most 4x the current limit).`,
      };
    }
    case Action.IncreaseCpuLimit: {
      const limit = safeCpu(containerSpec(e, container)?.resources.limits["cpu"]);
      if (!workload || !container) return noWorkload;
      if (limit === undefined || !(limit > 0)) return `container ${container} declares no CPU limit to raise`;
      const plan = planIncreaseCpuLimit({ ...workload, container }, { limitCores: limit }, now);
      return {
        ...plan,
        rationale: `Container ${container} has a ${formatCpu(limit)} CPU limit; ${String(plan.params["cpu"])} raises it 1.5x (at most 4x) without changing the request the scheduler uses.`,
      };
    }
    case Action.Scale: {
      if (!workload) return noWorkload;
      const previous = previousReplicas(e, workload);
      if (!previous)
        return `this incident's evidence records no earlier replica count of ${describeTarget(workload)}`;
      const current = e.workload?.replicas;
      return planScale(
        workload,
        previous.replicas,
        `${describeTarget(workload)} runs ${current ?? "?"} replicas; ${previous.source} records ${previous.replicas} before.`,
        current !== undefined && previous.replicas < current ? "medium" : "low",
        now,
      );
    }
    default:
      return `no finding about this incident gives what ${action} needs`;
  }
}

/**
 * How the model's answer combines with the analyzers' diagnosis. Pure.
 *
 * - A strong analyzer finding (or a person's correction remembered from a near-identical
 *   incident) stands, unless the model cites evidence the prompt really held against it,
 *   from what the cluster reports (not log lines, not the findings themselves).
 * - Where the analyzers are unsure or say `unknown`, the model decides.
 * - Against a strong finding, the model's category must also have an analyzer finding:
 *   citations alone cannot move it to a cause nothing in the evidence points at.
 * - Otherwise (agreement, or a disagreement without contradicting evidence) the
 *   diagnosis stays and the model's opinion is only recorded beside it.
 * - The model's proposed action never becomes the plan: it is checked as a plan would be
 *   (catalogue, the incident's namespace and owner chain, bounds) and recorded as accepted
 *   or refused; the planner plans from the decided category and validates its own plan.
 */
import type {
  Diagnosis,
  ModelActionProposal,
  ModelOpinion,
  RemediationPlan,
  TargetRef,
} from "../../core/diagnosis.js";
import { DecidedBy, ModelVerdict } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import { alertedContainer, mainContainerNames } from "../facts.js";
import { checkPlan } from "../../remediation/validate.js";
import { workloadTarget } from "../../remediation/planners/common.js";
import type { ModelAnswer } from "./answer.js";
import type { EvidenceItem } from "./prompt.js";

export const ModelPolicy = {
  /** Analyzer confidence from which a finding stands against the model without contradicting evidence. */
  strongFinding: 0.7,
  /** Below this the model's answer decides nothing. */
  minModelConfidence: 0.5,
  /** A model decision's confidence never exceeds this: it is not proof from evidence. */
  maxModelConfidence: 0.9,
} as const;

/** What a call cost, recorded with the opinion. */
export interface ModelUsage {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  cached?: boolean;
}

/** The model's action as a plan, checked like every plan; never proposed as such. */
export function checkProposal(evidence: Evidence, answer: ModelAnswer, now: Date): ModelActionProposal {
  const target: TargetRef | undefined =
    answer.target ?? workloadTarget(evidence, alertedContainer(evidence) ?? mainContainerNames(evidence)[0]);
  const base = { action: answer.action, params: answer.params, ...(target ? { target } : {}) };
  if (!target) return { ...base, accepted: false, problem: "the evidence names no object to change" };
  const candidate: RemediationPlan = {
    action: answer.action,
    target,
    params: answer.params,
    risk: "medium",
    rationale: "proposed by the model",
    createdAt: now.toISOString(),
  };
  const problem = checkPlan(evidence, candidate);
  return problem ? { ...base, accepted: false, problem } : { ...base, accepted: true };
}

/**
 * Items that cannot contradict a finding: the findings themselves, and log lines, where
 * untrusted text (a prompt injection) comes from. A contradiction must rest on what the
 * cluster reports: terminations, events, specs, metrics, rollout and node state.
 */
const NOT_CONTRADICTING = new Set(["finding", "log", "log-tail"]);

function cite(ids: readonly string[], items: ReadonlyMap<string, EvidenceItem>): string[] {
  return ids.flatMap((id) => {
    const item = items.get(id);
    return item ? [`${id}: ${item.text}`] : [];
  });
}

/** The diagnosis to keep, given the model's valid answer. */
export function combine(
  diagnosis: Diagnosis,
  answer: ModelAnswer,
  context: {
    evidence: Evidence;
    items: ReadonlyMap<string, EvidenceItem>;
    model: string;
    usage: ModelUsage;
    now: Date;
  },
): Diagnosis {
  const cited = cite(answer.evidence, context.items);
  const contradicting = cite(
    answer.contradicts.filter((id) => !NOT_CONTRADICTING.has(context.items.get(id)?.source ?? "")),
    context.items,
  );
  const opinion = (verdict: ModelVerdict, reason?: string): ModelOpinion => ({
    model: context.model,
    verdict,
    ...(reason ? { reason } : {}),
    summary: answer.summary,
    category: answer.category,
    confidence: answer.confidence,
    cited,
    contradicting,
    proposal: checkProposal(context.evidence, answer, context.now),
    ...context.usage,
  });

  if (answer.category === diagnosis.category) return { ...diagnosis, model: opinion(ModelVerdict.Agreed) };

  const strong =
    diagnosis.decidedBy === DecidedBy.Memory ||
    (diagnosis.category !== Category.Unknown && diagnosis.confidence >= ModelPolicy.strongFinding);
  const sure = answer.category !== Category.Unknown && answer.confidence >= ModelPolicy.minModelConfidence;
  if (!sure)
    return {
      ...diagnosis,
      model: opinion(
        ModelVerdict.Disregarded,
        `the model is unsure (${answer.category}, confidence ${answer.confidence.toFixed(2)})`,
      ),
    };
  // Against a strong finding the model may only pick a cause some analyzer also found
  // evidence for: citations alone are not enough, since a model that obeys an injected log
  // line can cite the very facts the finding rests on.
  if (strong && !diagnosis.findings.some((f) => f.category === answer.category))
    return {
      ...diagnosis,
      model: opinion(
        ModelVerdict.Disregarded,
        `the ${diagnosis.decidedBy} finding ${diagnosis.category} (confidence ${diagnosis.confidence.toFixed(2)}) stands: no analyzer found evidence of ${answer.category}`,
      ),
    };
  if (strong && contradicting.length === 0)
    return {
      ...diagnosis,
      model: opinion(
        ModelVerdict.Disregarded,
        `the ${diagnosis.decidedBy} finding ${diagnosis.category} (confidence ${diagnosis.confidence.toFixed(2)}) stands: the model cites no evidence shown to it against it`,
      ),
    };

  const confidence = Math.round(Math.min(ModelPolicy.maxModelConfidence, answer.confidence) * 1000) / 1000;
  const before = `The ${diagnosis.decidedBy} said ${diagnosis.category} (confidence ${diagnosis.confidence.toFixed(2)})`;
  const because = strong
    ? `${before}; the model cites against it: ${contradicting.join("; ")}.`
    : `${before}.`;
  return {
    ...diagnosis,
    category: answer.category,
    confidence,
    decidedBy: DecidedBy.Model,
    summary: `${answer.summary} (${context.model}) ${because}`,
    // A person's action belonged to the category the model replaced.
    memoryAction: undefined,
    model: opinion(strong ? ModelVerdict.Overruled : ModelVerdict.Decided),
  };
}

/** The analyzers' diagnosis, with the reason the model could not help. */
export function withModelFailure(
  diagnosis: Diagnosis,
  model: string,
  reason: string,
  usage: ModelUsage,
): Diagnosis {
  return { ...diagnosis, model: { model, verdict: ModelVerdict.Failed, reason, ...usage } };
}

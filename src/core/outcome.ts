/**
 * Pure rules of outcome learning: whether a remediation that was put into effect
 * resolved its incident in time. Only a resolution that follows the remediation
 * counts; an incident that resolved before it gives no signal either way.
 */
import {
  IncidentState,
  type Incident,
  type RemediationApplied,
  type RemediationOutcome,
} from "./incident.js";

/** Records that the remediation was put into effect; the first record stands. */
export function withApplied(incident: Incident, applied: RemediationApplied, now: string): Incident {
  if (incident.applied) return incident;
  return { ...incident, applied, updatedAt: now };
}

export type OutcomeJudgement =
  /** The outcome is decided now. */
  | { kind: "decided"; outcome: RemediationOutcome }
  /** Still inside the window, not resolved yet. */
  | { kind: "pending"; deadline: string }
  /** Nothing to learn: no remediation in effect, already decided, or resolved before the remediation. */
  | { kind: "none"; reason: string };

/** What judging an outcome reads of an incident (a list summary carries it too). */
export type OutcomeFacts = Pick<Incident, "state" | "resolvedAt" | "applied" | "outcome">;

export function judgeOutcome(incident: OutcomeFacts, windowMs: number, now: Date): OutcomeJudgement {
  const applied = incident.applied;
  if (!applied) return { kind: "none", reason: "no remediation was put into effect" };
  if (incident.outcome) return { kind: "none", reason: `already ${incident.outcome.result}` };
  const appliedAt = Date.parse(applied.at);
  if (!Number.isFinite(appliedAt)) return { kind: "none", reason: `unreadable time ${applied.at}` };
  const deadline = appliedAt + windowMs;
  const decided = (result: RemediationOutcome["result"], afterMs?: number): OutcomeJudgement => ({
    kind: "decided",
    outcome: {
      result,
      at: now.toISOString(),
      ...(afterMs !== undefined ? { afterMs } : {}),
      windowMs,
    },
  });
  if (incident.state === IncidentState.Resolved && incident.resolvedAt) {
    const resolvedAt = Date.parse(incident.resolvedAt);
    if (resolvedAt < appliedAt) {
      return { kind: "none", reason: "the alerts resolved before the remediation was put into effect" };
    }
    return resolvedAt <= deadline ? decided("resolved", resolvedAt - appliedAt) : decided("not_resolved");
  }
  if (now.getTime() > deadline) return decided("not_resolved");
  return { kind: "pending", deadline: new Date(deadline).toISOString() };
}

/** Records a decided outcome unless one is already recorded (the first decision stands). */
export function withOutcome(incident: Incident, outcome: RemediationOutcome, now: string): Incident {
  if (incident.outcome) return incident;
  return { ...incident, outcome, updatedAt: now };
}

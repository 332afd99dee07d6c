/**
 * How past incidents steer a diagnosis. Pure: the analyzers' diagnosis and the k most
 * similar past incidents in, the diagnosis to keep out.
 *
 * - Agreement: similar incidents whose diagnosis stood (confirmed, or resolved after the
 *   fix) with the same category raise the confidence, a little per incident.
 * - Failed fixes: near-identical incidents with the same category whose remediation did
 *   not clear the alert in time lower it as much, and the summary says so.
 * - Correction: a person's correction on a near-identical incident overrides a weak or
 *   `unknown` analyzer finding; a strong finding stands (it is evidence about this incident).
 *   Where the correction's category is the diagnosis' (decided either way), the action the
 *   person chose becomes `memoryAction`, which the planner follows when this incident's
 *   evidence supports it.
 * - Everything else is only shown beside the diagnosis.
 */
import type { Diagnosis, SimilarIncidentRef } from "../core/diagnosis.js";
import { Category, isAction, isCategory } from "../core/vocabulary.js";
import { Outcome, type SimilarIncident } from "../memory/vector-store.js";

export const MemoryPolicy = {
  /** A correction this similar counts as the same failure. */
  nearIdentical: 0.9,
  /** Past incidents below this similarity are not shown. */
  relevant: 0.5,
  /** An analyzer finding below this is weak enough to be overridden by a correction. */
  weakFinding: 0.7,
  /** Confidence added per agreeing incident, and the ceiling. */
  agreementStep: 0.03,
  agreementCeiling: 0.99,
  /** Failed fixes never lower the confidence below this. */
  confidenceFloor: 0.05,
} as const;

const STOOD = new Set<string>([Outcome.Confirmed, Outcome.Resolved]);

/** Similarity to two decimals: closer than that, incidents are equally alike. */
function closeness(s: SimilarIncident): number {
  return Math.round(s.similarity * 100);
}

export function adviseFromMemory(diagnosis: Diagnosis, similar: readonly SimilarIncident[]): Diagnosis {
  const relevant = similar
    .filter((s) => s.similarity >= MemoryPolicy.relevant)
    .sort((a, b) => b.similarity - a.similarity);
  const refs: SimilarIncidentRef[] = relevant.map((s) => ({
    incidentId: s.incidentId,
    similarity: Math.round(s.similarity * 1000) / 1000,
    category: s.category,
    ...(s.action ? { action: s.action } : {}),
    outcome: s.outcome,
  }));
  // The closest correction; among equally close ones the latest, as the last feedback on one incident counts.
  const correction = relevant
    .filter(
      (s) =>
        s.outcome === Outcome.Corrected &&
        s.similarity >= MemoryPolicy.nearIdentical &&
        isCategory(s.category),
    )
    .sort((a, b) => closeness(b) - closeness(a) || b.updatedAt.localeCompare(a.updatedAt))[0];
  // Only an action a person chose counts: after a category-only correction the record
  // still holds what the system planned for the wrong category.
  const personsAction =
    correction?.actionByPerson === true && isAction(correction.action) ? correction.action : undefined;
  // The category already agrees with the person's: only their choice of action is news.
  const chosenAction = correction?.category === diagnosis.category ? personsAction : undefined;
  const withRefs: Diagnosis = {
    ...diagnosis,
    similar: refs,
    ...(chosenAction ? { memoryAction: chosenAction } : {}),
  };

  const weak = diagnosis.category === Category.Unknown || diagnosis.confidence < MemoryPolicy.weakFinding;
  if (correction && weak && correction.category !== diagnosis.category) {
    return {
      ...withRefs,
      category: correction.category,
      confidence: Math.min(0.9, correction.similarity),
      decidedBy: "memory",
      summary:
        `A person corrected a near-identical incident (${correction.incidentId}, similarity ` +
        `${correction.similarity.toFixed(2)}) to ${correction.category}` +
        `${personsAction ? ` with action ${personsAction}` : ""}; ` +
        `the analyzers alone said ${diagnosis.category} (confidence ${diagnosis.confidence.toFixed(2)}). ` +
        diagnosis.summary,
      ...(personsAction ? { memoryAction: personsAction } : {}),
    };
  }

  if (diagnosis.category === Category.Unknown) return withRefs;
  const agreeing = relevant.filter((s) => s.category === diagnosis.category && STOOD.has(s.outcome));
  // The same diagnosis on a near-identical incident whose fix did not clear the alert:
  // the diagnosis may still be right, but the reader should know the fix fell short.
  const failed = relevant.filter(
    (s) =>
      s.category === diagnosis.category &&
      s.outcome === Outcome.NotResolved &&
      s.similarity >= MemoryPolicy.nearIdentical,
  );
  const change = MemoryPolicy.agreementStep * (agreeing.length - failed.length);
  if (change === 0 && failed.length === 0) return withRefs;
  // Agreement never pushes past the ceiling (nor pulls a higher finding down to it).
  const ceiling = Math.max(MemoryPolicy.agreementCeiling, diagnosis.confidence);
  const adjusted = Math.min(ceiling, Math.max(MemoryPolicy.confidenceFloor, diagnosis.confidence + change));
  const confidence = Math.round(adjusted * 1000) / 1000;
  const warning =
    failed.length > 0
      ? ` ${failed.length} near-identical incident(s) with this diagnosis did not resolve within the outcome window after their remediation (${failed.map((s) => s.incidentId).join(", ")}); check whether the planned fix addresses the cause.`
      : "";
  return { ...withRefs, confidence, summary: `${diagnosis.summary}${warning}` };
}

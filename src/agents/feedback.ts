import { z } from "zod";
import { parseBody } from "../core/parse-body.js";
import type { Feedback, Incident } from "../core/incident.js";
import { ACTIONS, CATEGORIES, type Action, type Category } from "../core/vocabulary.js";
import type { IncidentStore } from "../store/incident-store.js";

export const feedbackSchema = z
  .strictObject({
    verdict: z.enum(["confirm", "correct"]),
    category: z.enum(CATEGORIES as [Category, ...Category[]]).optional(),
    action: z.enum(ACTIONS as [Action, ...Action[]]).optional(),
    note: z.string().trim().min(1).max(2000).optional(),
    by: z.string().trim().min(1).max(200).optional(),
  })
  .refine((f) => f.verdict === "confirm" || f.category !== undefined || f.action !== undefined, {
    message: "a correction names the right category or action",
    path: ["category"],
  });
export type FeedbackInput = z.infer<typeof feedbackSchema>;

/** Validates a feedback body; InputError naming the first bad field. */
export function parseFeedback(body: unknown): FeedbackInput {
  return parseBody(feedbackSchema, body, "feedback");
}

/** Called after feedback is stored (e.g. to update the incident's memory record). */
export type FeedbackListener = (incident: Incident, feedback: Feedback) => Promise<void>;

/**
 * Records what a person says about a diagnosis. The incident keeps every feedback in
 * order; the memory learns from the last one.
 */
export function createFeedbackService(deps: {
  store: IncidentStore;
  onFeedback?: FeedbackListener;
  clock?: () => Date;
}) {
  const clock = deps.clock ?? (() => new Date());
  return {
    async record(incidentId: string, input: FeedbackInput): Promise<Incident> {
      const at = clock().toISOString();
      const feedback: Feedback = { ...input, at };
      const incident = await deps.store.update(incidentId, (i) => ({
        ...i,
        feedback: [...(i.feedback ?? []), feedback],
        updatedAt: at,
      }));
      await deps.onFeedback?.(incident, feedback);
      return incident;
    },
  };
}
export type FeedbackService = ReturnType<typeof createFeedbackService>;

import type { Logger } from "pino";
import { InputError, NotFoundError } from "../core/errors.js";
import {
  IncidentState,
  type Incident,
  type IncidentSummary,
  type RemediationApplied,
  type RemediationOutcome,
} from "../core/incident.js";
import { judgeOutcome, withApplied, withOutcome, type OutcomeFacts } from "../core/outcome.js";
import { parseBody } from "../core/parse-body.js";
import type { IncidentStore } from "../store/incident-store.js";
import { z } from "zod";

/** Where decided outcomes are learnt (the incident memory); optional. */
export interface OutcomeLearner {
  learnOutcome(incident: Incident, outcome: RemediationOutcome): Promise<void>;
}

export interface OutcomeTrackerDeps {
  store: IncidentStore;
  /** The alert must resolve within this long after the remediation is put into effect. */
  windowMs: number;
  learner?: OutcomeLearner;
  logger: Logger;
  clock?: () => Date;
  /** Told of each decided outcome (metrics). */
  onDecided?: (outcome: RemediationOutcome) => void;
  /** How many incidents one sweep reads per page (the store may cap it). Default 1000. */
  pageSize?: number;
}

export const appliedSchema = z.strictObject({
  via: z.enum(["applied", "merged"]),
  /** When; default now. Not in the future. */
  at: z.iso.datetime({ offset: true }).optional(),
  by: z.string().trim().min(1).max(200).optional(),
  ref: z.string().trim().min(1).max(2000).optional(),
});
export type AppliedInput = z.infer<typeof appliedSchema>;

/** Validates a body of POST /api/incidents/:id/applied; InputError naming the first bad field. */
export function parseApplied(body: unknown): AppliedInput {
  return parseBody(appliedSchema, body, "applied record");
}

/**
 * Outcome learning: a remediation put into effect (applied, or its pull request merged)
 * succeeded when the incident's alerts resolve within `windowMs`, and failed when they do
 * not. The collector reports resolutions; a periodic sweep decides the incidents whose
 * window passed unresolved. Each decision is recorded on the incident once (the first
 * stands, so replicas sweeping together agree) and passed to the memory, where a
 * person's verdict on the same incident still outranks it.
 */
export function createOutcomeTracker(deps: OutcomeTrackerDeps) {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.logger.child({ agent: "outcomes" });
  const pageSize = deps.pageSize ?? 1000;
  if (!(deps.windowMs > 0)) throw new InputError("the outcome window must be positive", "windowMs");

  /** Decides the incident's outcome if it can be decided now; returns the incident as stored. */
  async function decide<T extends OutcomeFacts & { id: string }>(incident: T): Promise<T | Incident> {
    const now = clock();
    if (judgeOutcome(incident, deps.windowMs, now).kind !== "decided") return incident;
    let decided: RemediationOutcome | undefined;
    const updated = await deps.store.update(incident.id, (current) => {
      // Judged again on the fresh copy (per attempt): another replica may have decided meanwhile.
      decided = undefined;
      const judgement = judgeOutcome(current, deps.windowMs, now);
      if (judgement.kind !== "decided") return current;
      decided = judgement.outcome;
      return withOutcome(current, judgement.outcome, now.toISOString());
    });
    if (decided) {
      log.info(
        { incidentId: updated.id, result: decided.result, afterMs: decided.afterMs },
        "remediation outcome",
      );
      deps.onDecided?.(decided);
      await learn(updated, decided);
    }
    return updated;
  }

  async function learn(incident: Incident, outcome: RemediationOutcome): Promise<void> {
    if (!deps.learner) return;
    try {
      await deps.learner.learnOutcome(incident, outcome);
    } catch (error) {
      // The outcome is on the incident; the memory is an aid and may be down.
      log.warn({ err: error, incidentId: incident.id }, "could not learn the remediation outcome");
    }
  }

  return {
    /** Records that the incident's remediation was put into effect; decides at once if it already can. */
    async recordApplied(incidentId: string, input: AppliedInput): Promise<Incident> {
      const now = clock();
      const at = input.at ? new Date(input.at) : now;
      if (at.getTime() > now.getTime() + 60_000) {
        throw new InputError("applied.at is in the future", "at");
      }
      const applied: RemediationApplied = {
        via: input.via,
        at: at.toISOString(),
        ...(input.by ? { by: input.by } : {}),
        ...(input.ref ? { ref: input.ref } : {}),
      };
      const incident = await deps.store.update(incidentId, (current) => {
        if (!current.plan) {
          throw new InputError(`incident ${incidentId} has no remediation plan to apply`, "id");
        }
        return withApplied(current, applied, now.toISOString());
      });
      const judgement = judgeOutcome(incident, deps.windowMs, now);
      if (judgement.kind === "none" && incident.state === IncidentState.Resolved && !incident.outcome) {
        log.info({ incidentId, reason: judgement.reason }, "no outcome to learn");
      }
      return decide(incident);
    },

    /** The collector resolved the incident: a remediation in effect succeeded if it was in time. */
    async onResolved(incident: Incident): Promise<void> {
      if (!incident.applied || incident.outcome) return;
      await decide(incident);
    },

    /**
     * Decides every incident whose window passed unresolved. Reads the incidents that
     * are not resolved, a page at a time; returns how many it decided.
     */
    async sweep(): Promise<number> {
      // One pass over the list (summaries carry what judging needs); decide() reads afresh
      // only the incidents that are due.
      const due: IncidentSummary[] = [];
      const now = clock();
      // The store filters: a store that scans to list (KV) then scans once per page of
      // waiting incidents, not once per page of all incidents.
      for (let offset = 0; ;) {
        const page = await deps.store.list({ awaitingOutcome: true, limit: pageSize, offset });
        for (const summary of page.items) {
          if (judgeOutcome(summary, deps.windowMs, now).kind === "decided") due.push(summary);
        }
        // The store's own page size, which may be below the one asked for.
        if (page.items.length < page.limit || page.items.length === 0) break;
        offset += page.items.length;
      }
      let decided = 0;
      for (const incident of due) {
        try {
          if ((await decide(incident)).outcome) decided++;
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
        }
      }
      return decided;
    },
  };
}
export type OutcomeTracker = ReturnType<typeof createOutcomeTracker>;

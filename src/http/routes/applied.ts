import type { FastifyPluginAsync } from "fastify";
import { parseApplied, type OutcomeTracker } from "../../agents/outcomes.js";
import { useStrictJson } from "../strict-json.js";

export interface AppliedRouteOptions {
  outcomes: Pick<OutcomeTracker, "recordApplied">;
}

/**
 * POST /api/incidents/:id/applied: the incident's remediation was applied to the cluster
 * or merged (by a person, a pipeline or a forge webhook relay). The alert resolving within
 * the outcome window afterwards is what the memory learns as a success.
 */
export const appliedRoutes: FastifyPluginAsync<AppliedRouteOptions> = async (app, opts) => {
  useStrictJson(app);
  app.post<{ Params: { id: string } }>(
    "/api/incidents/:id/applied",
    { config: { inputErrorCode: "invalid_applied" } },
    async (request, reply) => {
      const incident = await opts.outcomes.recordApplied(request.params.id, parseApplied(request.body));
      return reply.code(200).send({ id: incident.id, applied: incident.applied, outcome: incident.outcome });
    },
  );
};

import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { Incident } from "../../core/incident.js";
import { parseBody } from "../../core/parse-body.js";
import { useStrictJson } from "../strict-json.js";

export interface Approvals {
  approve(id: string, by?: string, note?: string): Promise<Incident>;
  reject(id: string, by?: string, note?: string): Promise<Incident>;
}

export interface ApprovalRouteOptions {
  approvals: Approvals;
}

const decisionSchema = z.strictObject({
  by: z.string().trim().min(1).max(200).optional(),
  note: z.string().trim().min(1).max(2000).optional(),
});

/**
 * POST /api/incidents/:id/approve turns the proposal into a pull request or an applied
 * change (per apply.onApprove); POST /api/incidents/:id/reject dismisses it. 404 for an
 * unknown incident, 409 when there is nothing (left) to decide.
 */
export const approvalRoutes: FastifyPluginAsync<ApprovalRouteOptions> = async (app, opts) => {
  useStrictJson(app);
  for (const verb of ["approve", "reject"] as const) {
    app.post<{ Params: { id: string } }>(
      `/api/incidents/:id/${verb}`,
      { config: { inputErrorCode: "invalid_decision" } },
      async (request, reply) => {
        const { by, note } = parseBody(decisionSchema, request.body, "decision");
        const incident = await opts.approvals[verb](request.params.id, by, note);
        return reply
          .code(200)
          .send({ id: incident.id, proposal: incident.proposal, applied: incident.applied });
      },
    );
  }
};

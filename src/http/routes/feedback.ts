import type { FastifyPluginAsync } from "fastify";
import { parseFeedback, type FeedbackService } from "../../agents/feedback.js";
import { useStrictJson } from "../strict-json.js";

export interface FeedbackRouteOptions {
  feedback: FeedbackService;
}

/** POST /api/incidents/:id/feedback: confirm the diagnosis, or correct its category and action. */
export const feedbackRoutes: FastifyPluginAsync<FeedbackRouteOptions> = async (app, opts) => {
  useStrictJson(app);
  app.post<{ Params: { id: string } }>(
    "/api/incidents/:id/feedback",
    { config: { inputErrorCode: "invalid_feedback" } },
    async (request, reply) => {
      const incident = await opts.feedback.record(request.params.id, parseFeedback(request.body));
      return reply.code(200).send({ id: incident.id, feedback: incident.feedback });
    },
  );
};

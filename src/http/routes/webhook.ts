import type { FastifyPluginAsync } from "fastify";
import { parseWebhook } from "../../core/alertmanager.js";
import type { Metrics } from "../../observability/metrics.js";
import { Stage } from "../../observability/metrics.js";
import type { Intake } from "../app.js";
import { errorCodeFor } from "../error-handler.js";
import { useStrictJson } from "../strict-json.js";

export interface WebhookRouteOptions {
  intake: Intake;
  metrics: Metrics;
}

/** The paths Alertmanager may be configured to post to. */
export const WEBHOOK_PATHS = ["/alert", "/api/v1/alerts"] as const;

export interface WebhookAccepted {
  status: "accepted";
  alerts: number;
  incident?: string;
}

/**
 * Alertmanager's webhook. Only application/json is parsed here (Fastify's text/plain
 * parser is removed in this scope), so any other media type is answered 415 before the
 * handler runs; a body that is not valid UTF-8 is 400. The answer is 202 only once the intake has durably enqueued the alerts.
 */
export const webhookRoutes: FastifyPluginAsync<WebhookRouteOptions> = async (app, opts) => {
  const { intake, metrics } = opts;
  app.removeContentTypeParser("text/plain");
  useStrictJson(app);

  // Every rejection in this scope (auth, media type, size, JSON, payload, backend) is counted by the code it is answered with.
  app.addHook("onError", async (request, _reply, error) => {
    metrics.webhooksRejected.inc({ reason: errorCodeFor(error, request) });
  });

  for (const url of WEBHOOK_PATHS) {
    app.post(url, { config: { inputErrorCode: "invalid_webhook" } }, async (request, reply) => {
      const receivedAt = new Date().toISOString();
      const webhook = parseWebhook(request.body);
      const endTimer = metrics.stageDuration.startTimer({ stage: Stage.Webhook });
      try {
        const result = await intake.accept(webhook, { receivedAt, path: url });
        for (const alert of webhook.alerts) metrics.alertsReceived.inc({ status: alert.status });
        request.log.info(
          {
            receiver: webhook.receiver,
            groupKey: webhook.groupKey,
            alerts: webhook.alerts.length,
            incidentId: result.incidentHint,
          },
          "webhook accepted",
        );
        const body: WebhookAccepted = { status: "accepted", alerts: result.accepted };
        if (result.incidentHint !== undefined) body.incident = result.incidentHint;
        return reply.code(202).send(body);
      } catch (error) {
        metrics.stageErrors.inc({ stage: Stage.Webhook });
        throw error;
      } finally {
        endTimer();
      }
    });
  }
};

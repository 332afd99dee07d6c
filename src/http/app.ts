import Fastify from "fastify";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { NormalisedWebhook } from "../core/alertmanager.js";
import type { IncidentStore } from "../store/incident-store.js";
import type { DeadLetter } from "../transport/bus.js";
import type { FeedbackService } from "../agents/feedback.js";
import type { OutcomeTracker } from "../agents/outcomes.js";
import type { ReplayResult, ReplaySelection } from "../agents/dead-letters.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { IncidentFeed } from "../store/incident-feed.js";
import { authRequired, createAuthHook } from "./auth.js";
import type { AuthOptions } from "./auth.js";
import { installErrorHandler, sendError } from "./error-handler.js";
import { healthRoutes } from "./routes/health.js";
import type { Readiness } from "./routes/health.js";
import { appliedRoutes } from "./routes/applied.js";
import { approvalRoutes, type Approvals } from "./routes/approvals.js";
import { consoleRoutes } from "./routes/console.js";
import { deadLetterRoutes } from "./routes/dead-letters.js";
import { eventRoutes } from "./routes/events.js";
import { feedbackRoutes } from "./routes/feedback.js";
import { incidentRoutes } from "./routes/incidents.js";
import { metricsRoutes } from "./routes/metrics.js";
import { webhookRoutes } from "./routes/webhook.js";

/** Where accepted webhooks go: the collector's entry on the bus. */
export interface Intake {
  /**
   * Hands the alerts of one webhook to the pipeline. Resolves only after they are
   * durably enqueued; rejects with BackendError when it cannot, and the webhook is
   * then answered 503 so that Alertmanager sends it again.
   */
  accept(
    webhook: NormalisedWebhook,
    meta: { receivedAt: string; path: string },
  ): Promise<{ accepted: number; incidentHint?: string }>;
}

export interface AppDeps {
  /** Serves the webhook paths when given (the collector's process). */
  intake?: Intake;
  /** Serves the incident API when given (the collector's process). */
  store?: IncidentStore;
  metrics: Metrics;
  logger: Logger;
  /** Credentials for the webhook and /api/*; none means open. Both may be set: either passes. */
  auth?: AuthOptions;
  /** Request bodies beyond this many bytes are answered 413. */
  bodyLimitBytes: number;
  readiness: Readiness;
  /** Messages the pipeline gave up on; serves GET /api/dead-letters when given. */
  deadLetters?: (limit: number) => Promise<DeadLetter[]>;
  /** Serves POST /api/dead-letters/replay when given (with deadLetters). */
  replayDeadLetters?: (selection: ReplaySelection) => Promise<ReplayResult>;
  /** Serves POST /api/incidents/:id/feedback when given. */
  feedback?: FeedbackService;
  /** Serves POST /api/incidents/:id/applied when given. */
  outcomes?: Pick<OutcomeTracker, "recordApplied">;
  /** Serves POST /api/incidents/:id/approve and /reject when given. */
  approvals?: Approvals;
  /** Serves GET /api/events (live incident changes) when given. */
  feed?: IncidentFeed;
  /** The built console (index.html and assets), served at `/` when given. */
  consoleDir?: string;
}

/**
 * Builds the HTTP application: webhook intake, incident API, health and metrics. It
 * does not listen; the caller does (or tests call `inject()`). An agent process without
 * intake or store (rca, remediator) serves health and metrics only.
 *
 * Open: /healthz, /readyz, /metrics, and the console's static files (they hold no data; the
 * console signs in against the API). Behind auth when configured: the webhook paths and /api/*.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Typed as Fastify's logger interface so the instance is the plain FastifyInstance routes expect.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: deps.bodyLimitBytes,
    // The process runs behind a Service; no proxy headers are trusted.
    trustProxy: false,
    return503OnClosing: true,
    frameworkErrors: (error, request, reply) => sendError(error, request, reply),
  });
  installErrorHandler(app);

  await app.register(healthRoutes, { readiness: deps.readiness });
  await app.register(metricsRoutes, { registry: deps.metrics.registry });
  if (deps.consoleDir) await app.register(consoleRoutes, { root: deps.consoleDir });

  // Everything registered in this scope requires credentials when they are configured.
  await app.register(async (scope) => {
    if (authRequired(deps.auth)) scope.addHook("onRequest", createAuthHook(deps.auth));
    if (deps.intake) await scope.register(webhookRoutes, { intake: deps.intake, metrics: deps.metrics });
    if (deps.store) await scope.register(incidentRoutes, { store: deps.store });
    if (deps.deadLetters)
      await scope.register(deadLetterRoutes, {
        deadLetters: deps.deadLetters,
        ...(deps.replayDeadLetters ? { replay: deps.replayDeadLetters } : {}),
      });
    if (deps.feedback) await scope.register(feedbackRoutes, { feedback: deps.feedback });
    if (deps.outcomes) await scope.register(appliedRoutes, { outcomes: deps.outcomes });
    if (deps.approvals) await scope.register(approvalRoutes, { approvals: deps.approvals });
    if (deps.feed) await scope.register(eventRoutes, { feed: deps.feed });
  });

  return app;
}

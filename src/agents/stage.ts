import type { Logger } from "pino";
import type { DeliveryContext, Envelope, Handler, HandlerOutcome } from "../transport/bus.js";

/** What the agents record about their work; satisfied by observability/metrics.ts. */
export interface StageMetrics {
  stageDuration: { observe(labels: { stage: string }, seconds: number): void };
  stageErrors: { inc(labels: { stage: string }): void };
}

/**
 * Wraps a handler with timing, error counting and a log line. Errors are rethrown:
 * the bus adapter maps them to retry or terminate in one place (transport/outcome.ts).
 */
export function instrumented<T>(
  stage: string,
  metrics: StageMetrics,
  logger: Logger,
  handler: Handler<T>,
): Handler<T> {
  return async (env: Envelope<T>, ctx: DeliveryContext): Promise<HandlerOutcome | void> => {
    const started = performance.now();
    try {
      return await handler(env, ctx);
    } catch (error) {
      metrics.stageErrors.inc({ stage });
      logger.warn(
        { err: error, stage, incidentId: env.incidentId, delivery: ctx.deliveryCount, messageId: env.id },
        `${stage} failed`,
      );
      throw error;
    } finally {
      metrics.stageDuration.observe({ stage }, (performance.now() - started) / 1000);
    }
  };
}

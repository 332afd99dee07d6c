import type { Logger } from "pino";
import type { DeliveryContext, Envelope, Handler, HandlerOutcome } from "../transport/bus.js";

/** What the agents record about their work; satisfied by observability/metrics.ts. */
export interface StageMetrics {
  stageDuration: { observe(labels: { stage: string }, seconds: number): void };
  stageErrors: { inc(labels: { stage: string }): void };
}

/** What the agents count when the incident memory fails and they go on without it. */
export interface MemoryMetrics {
  memoryFailures: { inc(labels: { operation: string }): void };
}

/** A third of JetStream's default ack wait (30 s). */
export const DEFAULT_WORKING_INTERVAL_MS = 10_000;

/**
 * Wraps a handler with timing, error counting and a log line. Errors are rethrown:
 * the bus adapter maps them to retry or terminate in one place (transport/outcome.ts).
 */
export function instrumented<T>(
  stage: string,
  metrics: StageMetrics,
  logger: Logger,
  handler: Handler<T>,
  workingIntervalMs = DEFAULT_WORKING_INTERVAL_MS,
): Handler<T> {
  return async (env: Envelope<T>, ctx: DeliveryContext): Promise<HandlerOutcome | void> => {
    const started = performance.now();
    // A long step (evidence gathering, a model call) tells the bus it is alive, so the
    // message is not handed to another replica while this one still works on it.
    const heartbeat = setInterval(() => ctx.working(), workingIntervalMs);
    heartbeat.unref();
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
      clearInterval(heartbeat);
      metrics.stageDuration.observe({ stage }, (performance.now() - started) / 1000);
    }
  };
}

/**
 * Notifications on the bus: every process publishes a `notifications` message when an
 * incident's material state (its notice digest) changes, whoever changed it; one durable
 * consumer (the notifier, in the process that serves the API) sends and updates the
 * messages. The bus gives what a webhook receiver needs: retries with a delay, the work
 * shared between replicas, a redelivery after a crash, and a dead letter with the reason.
 */
import type { Incident } from "../core/incident.js";
import type { Logger } from "../observability/logger.js";
import { NotifyFailedError } from "../notify/http.js";
import { noticeDigest } from "../notify/notice.js";
import type { Notifier } from "../notify/notifier.js";
import type { WriteObserver } from "../store/incident-feed.js";
import type { Bus, HandlerOutcome, Subscription } from "../transport/bus.js";
import { envelope, readEnvelope } from "../transport/messages.js";
import { Stage } from "../transport/subjects.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { instrumented, type StageMetrics } from "./stage.js";

/**
 * The store observer that publishes a notification request when a write changed the
 * incident's digest. A failed publish is logged and counted, not thrown: the write it
 * follows has happened, and its caller must not redo work because a message was not sent.
 */
export function notificationTrigger(deps: {
  bus: Bus;
  logger: Logger;
  clock?: () => Date;
  onPublishFailed?: () => void;
}): WriteObserver<string | undefined> {
  const clock = deps.clock ?? (() => new Date());
  return {
    before: (current) => noticeDigest(current),
    async onWrite(incident: Incident, before: string | undefined) {
      const digest = noticeDigest(incident);
      if (digest === undefined || digest === before) return;
      try {
        await deps.bus.publish(
          Stage.Notifications,
          // The same change published twice (a retried write) is stored once.
          envelope(
            Stage.Notifications,
            { incidentId: incident.id, digest },
            `notify:${incident.id}:${digest}`,
            clock(),
          ),
        );
      } catch (error) {
        deps.onPublishFailed?.();
        deps.logger.error(
          { err: error, incidentId: incident.id },
          "could not queue the incident's notification; it goes out with the incident's next change",
        );
      }
    },
  };
}

export interface NotificationAgentDeps {
  bus: Bus;
  notifier: Notifier;
  metrics: StageMetrics;
  logger: Logger;
  maxDeliver: number;
  workingIntervalMs?: number;
}

/** The notifier's consumer. Messages of one incident are handled one at a time in a process. */
export function createNotificationAgent(deps: NotificationAgentDeps) {
  const log = deps.logger.child({ agent: "notifier" });
  const perIncident = new KeyedMutex();
  let subscription: Subscription | undefined;
  return {
    async start(): Promise<void> {
      subscription = await deps.bus.consume(
        Stage.Notifications,
        instrumented(
          "notify",
          deps.metrics,
          log,
          async (env, ctx): Promise<HandlerOutcome> => {
            const { incidentId } = readEnvelope(Stage.Notifications, env).payload;
            try {
              // The notifier reads the incident as it is now: a stale message sends the latest state, or nothing.
              await perIncident.run(incidentId, () =>
                deps.notifier.notify(incidentId, { working: () => ctx.working() }),
              );
              return { kind: "ack" };
            } catch (error) {
              // A receiver that asked for a pause gets it (the bus caps any delay at 60 s), not the bus's backoff.
              if (error instanceof NotifyFailedError && error.retryable && error.retryAfterMs !== undefined) {
                return { kind: "retry", delayMs: error.retryAfterMs, reason: error.message };
              }
              throw error;
            }
          },
          deps.workingIntervalMs,
        ),
        // Turning notifications on later must not announce a week of old incidents.
        { durable: "notifier", concurrency: 4, maxDeliver: deps.maxDeliver, fromNow: true },
      );
    },
    async stop(): Promise<void> {
      await subscription?.drain();
    },
  };
}

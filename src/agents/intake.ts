import { randomUUID } from "node:crypto";
import type { NormalisedWebhook } from "../core/alertmanager.js";
import type { Bus } from "../transport/bus.js";
import { envelope } from "../transport/messages.js";
import { Stage } from "../transport/subjects.js";

export interface IntakeDeps {
  bus: Bus;
  clock?: () => Date;
}

/**
 * Turns an accepted webhook into one message per alert. It resolves only once every
 * message is durably on the bus, which is what lets the webhook answer 202.
 */
export function createIntake(deps: IntakeDeps) {
  const clock = deps.clock ?? (() => new Date());
  return {
    async accept(webhook: NormalisedWebhook, meta: { receivedAt: string; path: string }) {
      // One id per delivery: a republish of this very message is dropped by the bus,
      // while a later repeat notification still reaches the collector to be counted.
      const delivery = randomUUID();
      for (const alert of webhook.alerts) {
        const key = `alert:${alert.fingerprint}:${alert.startsAt}:${alert.status}:${delivery}`;
        await deps.bus.publish(
          Stage.Alerts,
          envelope(
            Stage.Alerts,
            {
              alert,
              receivedAt: meta.receivedAt,
              receiver: webhook.receiver,
              groupKey: webhook.groupKey,
              externalURL: webhook.externalURL,
            },
            key,
            clock(),
          ),
        );
      }
      return { accepted: webhook.alerts.length };
    },
  };
}

export type Intake = ReturnType<typeof createIntake>;

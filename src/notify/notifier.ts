/**
 * Tells the configured channels about an incident: one message per incident and channel,
 * then an in-place update on each material change (editable channels), or a single
 * follow-up at resolution or failure (channels that cannot edit). What each channel was
 * sent is recorded on the incident (`notices`), channel by channel as each succeeds, so a
 * retry after a partial failure does not repeat what went out.
 *
 * Delivery is at least once: a crash between a send and its record repeats that one
 * message on the next attempt (the generic webhook's Idempotency-Key lets its receiver
 * drop it).
 */
import { NotFoundError } from "../core/errors.js";
import type { Incident, NoticeRecord } from "../core/incident.js";
import type { Logger } from "../observability/logger.js";
import type { IncidentStore } from "../store/incident-store.js";
import type { NotificationChannel } from "./channel.js";
import { NotifyError, NotifyFailedError } from "./http.js";
import { decideNotice, incidentNoticeView, noticeDigest, noticePhase } from "./notice.js";

export type NotifySendResult = "ok" | "retryable" | "permanent";

export interface NotifierDeps {
  store: IncidentStore;
  channels: readonly NotificationChannel[];
  /** The console's public URL (links in messages); no link without it. */
  consoleUrl?: string;
  clock?: () => Date;
  logger: Logger;
  metrics?: { sent: (channel: string, kind: "post" | "update", result: NotifySendResult) => void };
}

export interface NotifyOptions {
  /** Called before each HTTP attempt (a bus consumer's `working()`). */
  working?: () => void;
}

/** What `notify` did on each channel. */
export interface NotifyResult {
  incidentId: string;
  /** Undefined when the incident is absent or not worth a message yet. */
  digest?: string;
  channels: { channel: string; action: "post" | "update" | "none" }[];
}

export interface Notifier {
  /**
   * Brings every channel up to date with the incident. Throws NotifyFailedError (a
   * BackendError, retryable unless every failure is permanent) after trying every
   * channel, when any failed; the channels that succeeded are recorded and not repeated.
   */
  notify(incidentId: string, options?: NotifyOptions): Promise<NotifyResult>;
}

export function createNotifier(deps: NotifierDeps): Notifier {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.logger.child({ component: "notifier" });

  async function record(incidentId: string, channel: string, next: NoticeRecord): Promise<void> {
    // Bookkeeping, not a change of the incident: updatedAt stays as it is.
    await deps.store.update(incidentId, (i: Incident) => ({
      ...i,
      notices: { ...i.notices, [channel]: next },
    }));
  }

  return {
    async notify(incidentId, options = {}) {
      const incident = await deps.store.get(incidentId);
      const digest = incident ? noticeDigest(incident) : undefined;
      if (!incident || digest === undefined) {
        return {
          incidentId,
          channels: deps.channels.map((c) => ({ channel: c.name, action: "none" as const })),
        };
      }
      const phase = noticePhase(incident);
      const view = incidentNoticeView(incident, deps.consoleUrl);
      const result: NotifyResult = { incidentId, digest, channels: [] };
      const failures: NotifyError[] = [];

      for (const channel of deps.channels) {
        const previous = incident.notices?.[channel.name];
        const decision = decideNotice(previous, digest, phase, channel.editable);
        // A non-editable channel's follow-up is a new message, as is anything without `update`.
        const kind = decision === "update" && channel.update ? "update" : "post";
        if (decision === "none") {
          result.channels.push({ channel: channel.name, action: "none" });
          continue;
        }
        const context = { kind, digest, ...(options.working ? { working: options.working } : {}) } as const;
        let ref: string | undefined;
        try {
          const sent =
            kind === "update" && channel.update
              ? await channel.update(previous?.ref, view, context)
              : await channel.post(view, context);
          ref = sent.ref ?? previous?.ref;
        } catch (error) {
          const failure =
            error instanceof NotifyError
              ? error
              : new NotifyError(
                  `${channel.name}: ${(error as Error).message}`,
                  channel.name,
                  false,
                  (error as Error).message,
                );
          deps.metrics?.sent(channel.name, kind, failure.permanent ? "permanent" : "retryable");
          log.warn(
            { incidentId, channel: channel.name, kind, permanent: failure.permanent, reason: failure.reason },
            "notification failed",
          );
          failures.push(failure);
          continue;
        }
        deps.metrics?.sent(channel.name, kind, "ok");
        const now = clock().toISOString();
        const next: NoticeRecord = {
          digest,
          phase,
          messages: (previous?.messages ?? 0) + 1,
          firstAt: previous?.firstAt ?? now,
          lastAt: now,
        };
        if (ref !== undefined) next.ref = ref;
        try {
          await record(incidentId, channel.name, next);
        } catch (error) {
          if (error instanceof NotFoundError) break; // deleted meanwhile: nothing left to tell
          throw error;
        }
        log.info({ incidentId, channel: channel.name, kind, phase }, "notification sent");
        result.channels.push({ channel: channel.name, action: kind });
      }
      if (failures.length > 0) throw new NotifyFailedError(incidentId, failures);
      return result;
    },
  };
}

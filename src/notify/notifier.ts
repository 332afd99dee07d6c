/**
 * Tells the configured channels about an incident: one message per incident and channel,
 * then an in-place update on each material change (editable channels), or a single
 * follow-up at resolution or failure (channels that cannot edit). What each channel was
 * sent is recorded on the incident (`notices`), channel by channel as each succeeds, so a
 * retry after a partial failure does not repeat what went out.
 *
 * Replicas take turns on an incident: a notifier claims it on the incident itself (a
 * lease in `notifying`, renewed while it sends) before sending, and another replica's
 * notifier waits for the claim to end, then reads what was sent. Without it two replicas
 * handling two changes of one incident at once would both post its first message.
 *
 * Delivery is at least once: a crash between a send and its record repeats that one
 * message on the next attempt (the generic webhook's Idempotency-Key lets its receiver
 * drop it).
 */
import { randomUUID } from "node:crypto";
import { BackendError, NotFoundError } from "../core/errors.js";
import type { Incident, NoticeClaim, NoticeRecord } from "../core/incident.js";
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
  /** Names this notifier in its claims (each call adds a number). Default: a random UUID. */
  holder?: string;
  /** A claim's lease, renewed every third of it while sending. Default 30 000. */
  claimMs?: number;
  /** How long to wait for another replica's claim before failing (retryable). Default 180 000. */
  maxClaimWaitMs?: number;
  /** How often to look at another replica's claim while waiting. Default 250. */
  claimPollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Another notifier held the incident for longer than this one waits. Retryable. */
export class NotifyBusyError extends BackendError {
  constructor(
    readonly incidentId: string,
    readonly claim: NoticeClaim,
  ) {
    super(
      `notify ${incidentId}: another notifier (${claim.by}) is still sending its messages`,
      "notify",
      true,
    );
  }
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
  const holder = deps.holder ?? randomUUID();
  const claimMs = deps.claimMs ?? 30_000;
  const maxClaimWaitMs = deps.maxClaimWaitMs ?? 180_000;
  const claimPollMs = deps.claimPollMs ?? 250;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  let calls = 0;

  /** Whether the incident's claim lets a new one be taken at `now`: none, or lapsed. */
  const takeable = (claim: NoticeClaim | undefined, now: number): boolean =>
    claim === undefined || Date.parse(claim.until) <= now;

  /** The incident claimed by `token`, with a fresh lease. */
  const leased = (i: Incident, token: string, now: number): Incident => ({
    ...i,
    notifying: { by: token, until: new Date(now + claimMs).toISOString() },
  });

  /**
   * Takes the incident's claim, waiting while another notifier holds a live one; gives
   * the incident as it is once claimed (undefined when deleted meanwhile).
   */
  async function claim(
    seen: Incident,
    token: string,
    working: (() => void) | undefined,
  ): Promise<Incident | undefined> {
    const incidentId = seen.id;
    // Elapsed time, not `clock`: a test's fixed clock must not make the wait endless.
    const deadline = performance.now() + maxClaimWaitMs;
    // The caller's read serves the first look; each later look reads again.
    for (let current: Incident | undefined = seen; current; current = await deps.store.get(incidentId)) {
      const now = clock().getTime();
      if (takeable(current.notifying, now)) {
        const after = await deps.store
          .update(incidentId, (i) => (takeable(i.notifying, now) ? leased(i, token, now) : i))
          .catch((error: unknown) => {
            if (error instanceof NotFoundError) return undefined;
            throw error;
          });
        if (after === undefined) return undefined;
        if (after.notifying?.by === token) return after;
      }
      const held = current.notifying;
      if (held && performance.now() >= deadline) throw new NotifyBusyError(incidentId, held);
      working?.();
      await sleep(claimPollMs);
    }
    return undefined;
  }

  /** Renews the lease while sending; a failed renewal only shortens it. */
  function keepClaimed(incidentId: string, token: string): () => void {
    const timer = setInterval(() => {
      const now = clock().getTime();
      deps.store
        .update(incidentId, (i) => (i.notifying?.by === token ? leased(i, token, now) : i))
        .catch((error: unknown) => log.debug({ err: error, incidentId }, "could not renew the notice claim"));
    }, claimMs / 3);
    timer.unref();
    return () => clearInterval(timer);
  }

  async function release(incidentId: string, token: string): Promise<void> {
    try {
      await deps.store.update(incidentId, (i) => {
        if (i.notifying?.by !== token) return i;
        const { notifying: _claim, ...rest } = i;
        return rest;
      });
    } catch (error) {
      // The lease lapses by itself; another replica waits at most that long.
      if (!(error instanceof NotFoundError))
        log.warn({ err: error, incidentId }, "could not release the notice claim; it lapses");
    }
  }

  /** Whether any channel has something to send for the incident as it is. */
  function anyToSend(incident: Incident, digest: string): boolean {
    const phase = noticePhase(incident);
    return deps.channels.some(
      (c) => decideNotice(incident.notices?.[c.name], digest, phase, c.editable) !== "none",
    );
  }

  async function record(incidentId: string, channel: string, next: NoticeRecord): Promise<void> {
    // Bookkeeping, not a change of the incident: updatedAt stays as it is.
    await deps.store.update(incidentId, (i: Incident) => ({
      ...i,
      notices: { ...i.notices, [channel]: next },
    }));
  }

  const nothing = (incidentId: string, digest?: string): NotifyResult => ({
    incidentId,
    ...(digest !== undefined ? { digest } : {}),
    channels: deps.channels.map((c) => ({ channel: c.name, action: "none" as const })),
  });

  async function deliver(incident: Incident, options: NotifyOptions): Promise<NotifyResult> {
    const incidentId = incident.id;
    const digest = noticeDigest(incident);
    if (digest === undefined) return nothing(incidentId);
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
  }

  return {
    async notify(incidentId, options = {}) {
      const seen = await deps.store.get(incidentId);
      const seenDigest = seen ? noticeDigest(seen) : undefined;
      // Most requests find the work done by an earlier one: they need no claim.
      if (!seen || seenDigest === undefined || !anyToSend(seen, seenDigest))
        return nothing(incidentId, seenDigest);
      // One token per call: two calls in one process take turns like two replicas.
      const token = `${holder}/${++calls}`;
      const incident = await claim(seen, token, options.working);
      if (!incident) return nothing(incidentId);
      const stopRenewing = keepClaimed(incidentId, token);
      try {
        return await deliver(incident, options);
      } finally {
        stopRenewing();
        await release(incidentId, token);
      }
    },
  };
}

import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { ConflictError } from "../core/errors.js";
import { IncidentState } from "../core/incident.js";
import { Stage } from "../transport/subjects.js";
import type { IncidentStore } from "../store/incident-store.js";
import type { Bus, DeadLetter } from "../transport/bus.js";

/**
 * What happens when the pipeline gives up on a message: the reason is logged, and the
 * incident it belongs to is marked failed with that reason, so nobody waits on it.
 * A resolved incident stays resolved; one that already has its plan keeps it.
 */
export function createDeadLetterHandler(deps: { store: IncidentStore; logger: Logger; clock?: () => Date }) {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.logger.child({ agent: "dead-letters" });
  return async (letter: DeadLetter): Promise<void> => {
    const incidentId = letter.envelope.incidentId;
    log.error(
      {
        incidentId,
        stage: letter.stage,
        reason: letter.reason,
        deliveries: letter.deliveries,
        messageId: letter.envelope.id,
      },
      "message dead-lettered",
    );
    // A notification that could not be sent says nothing about the incident itself.
    if (!incidentId || letter.stage === Stage.Notifications) return;
    try {
      await deps.store.update(incidentId, (i) =>
        i.state === IncidentState.Resolved || i.plan
          ? i
          : {
              ...i,
              state: IncidentState.Failed,
              error: `${letter.stage}: ${letter.reason}`,
              updatedAt: clock().toISOString(),
            },
      );
    } catch (error) {
      log.error({ err: error, incidentId }, "could not mark the incident failed");
    }
  };
}

/** How many of the newest dead letters a replay looks through. */
export const REPLAY_WINDOW = 1000;

export interface ReplaySelection {
  /** Message ids (`envelope.id`) of the letters to replay. */
  ids?: readonly string[];
  /** Every letter in the replay window. */
  all?: boolean;
}

export interface ReplayResult {
  replayed: { id: string; stage: Stage; incidentId?: string }[];
  /** Requested ids not among the newest REPLAY_WINDOW letters. */
  notFound: string[];
  /** Letters not replayed, and why (their incident's key is held by a newer incident). */
  skipped: { id: string; reason: string }[];
}

/**
 * Sends dead-lettered messages back to their stage, once the cause is mended. The copy has
 * a new id and the idempotency key `replay:<original id>`, so replaying a letter twice in
 * the bus's duplicate window is stored once; the handlers are idempotent besides. An
 * incident the letter had failed is put back to where its work stopped, so the agents
 * take it up again.
 */
export function createDeadLetterReplay(deps: {
  bus: Bus;
  store: IncidentStore;
  logger: Logger;
  clock?: () => Date;
}) {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.logger.child({ agent: "dead-letters" });
  return async (selection: ReplaySelection): Promise<ReplayResult> => {
    const letters = await deps.bus.deadLetters(REPLAY_WINDOW);
    // One message may have been dead-lettered more than once: its newest letter counts.
    const byId = new Map<string, DeadLetter>();
    for (const letter of letters) byId.set(letter.envelope.id, letter);
    const wanted = selection.all ? [...byId.keys()] : [...new Set(selection.ids ?? [])];
    const result: ReplayResult = { replayed: [], notFound: [], skipped: [] };
    for (const id of wanted) {
      const letter = byId.get(id);
      if (!letter) {
        result.notFound.push(id);
        continue;
      }
      const incidentId = letter.envelope.incidentId;
      if (incidentId && letter.stage !== Stage.Notifications) {
        try {
          await reopen(deps.store, incidentId, clock());
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
          result.skipped.push({ id, reason: error.message });
          continue;
        }
      }
      const now = clock();
      await deps.bus.publish(letter.stage, {
        ...letter.envelope,
        id: randomUUID(),
        idempotencyKey: `replay:${letter.envelope.id}`,
        publishedAt: now.toISOString(),
      });
      log.info({ messageId: id, stage: letter.stage, incidentId }, "dead letter replayed");
      result.replayed.push({ id, stage: letter.stage, ...(incidentId ? { incidentId } : {}) });
    }
    return result;
  };
}

/** A failed incident back to the state its recorded work reached; others as they are. */
async function reopen(store: IncidentStore, incidentId: string, now: Date): Promise<void> {
  const incident = await store.get(incidentId);
  if (!incident || incident.state !== IncidentState.Failed) return;
  await store.update(incidentId, (i) => {
    if (i.state !== IncidentState.Failed) return i;
    const { error: _error, ...rest } = i;
    const state = i.plan ? IncidentState.Planned : i.diagnosis ? IncidentState.Diagnosed : IncidentState.Open;
    return { ...rest, state, updatedAt: now.toISOString() };
  });
}

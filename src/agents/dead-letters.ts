import type { Logger } from "pino";
import { IncidentState } from "../core/incident.js";
import { Stage } from "../transport/subjects.js";
import type { IncidentStore } from "../store/incident-store.js";
import type { DeadLetter } from "../transport/bus.js";

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

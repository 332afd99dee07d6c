import { describe, expect, it } from "vitest";
import type { Incident } from "../core/incident.js";
import { createLogger } from "../observability/logger.js";
import { MemoryIncidentStore } from "../store/memory/memory-incident-store.js";
import type { DeadLetter } from "../transport/bus.js";
import type { Stage } from "../transport/subjects.js";
import { createDeadLetterHandler } from "./dead-letters.js";

const incident: Incident = {
  id: "inc-dl",
  correlationKey: "k",
  state: "open",
  alertname: "KubePodCrashLooping",
  alerts: [],
  notifications: 1,
  openedAt: "2026-11-26T00:00:00.000Z",
  updatedAt: "2026-11-26T00:00:00.000Z",
};

function letter(stage: Stage): DeadLetter {
  return {
    stage,
    reason: "gave up after 5 deliveries: receiver down",
    deliveries: 5,
    at: "2026-11-26T00:01:00.000Z",
    envelope: {
      v: 1,
      type: stage,
      id: "m1",
      idempotencyKey: "k1",
      incidentId: incident.id,
      publishedAt: "2026-11-26T00:00:30.000Z",
      payload: {},
    },
  };
}

describe("createDeadLetterHandler", () => {
  it("marks the incident failed with the stage and reason when its processing gave up", async () => {
    const store = new MemoryIncidentStore();
    await store.create(structuredClone(incident));
    await createDeadLetterHandler({ store, logger: createLogger({ level: "silent" }) })(letter("incidents"));
    expect(await store.get(incident.id)).toMatchObject({
      state: "failed",
      error: "incidents: gave up after 5 deliveries: receiver down",
    });
  });

  it("leaves the incident alone when only its notification could not be sent", async () => {
    const store = new MemoryIncidentStore();
    await store.create(structuredClone(incident));
    await createDeadLetterHandler({ store, logger: createLogger({ level: "silent" }) })(
      letter("notifications"),
    );
    expect(await store.get(incident.id)).toMatchObject({ state: "open" });
    expect((await store.get(incident.id))?.error).toBeUndefined();
  });
});

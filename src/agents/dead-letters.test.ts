import { describe, expect, it } from "vitest";
import type { Incident } from "../core/incident.js";
import { createLogger } from "../observability/logger.js";
import { MemoryIncidentStore } from "../store/memory/memory-incident-store.js";
import type { DeadLetter } from "../transport/bus.js";
import type { Stage } from "../transport/subjects.js";
import { MemoryBus } from "../transport/memory/memory-bus.js";
import { envelope } from "../transport/messages.js";
import { createDeadLetterHandler, createDeadLetterReplay } from "./dead-letters.js";

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

describe("createDeadLetterReplay", () => {
  it("sends a dead letter back to its stage once the cause is mended, and reopens its failed incident", async () => {
    const logger = createLogger({ level: "silent" });
    const store = new MemoryIncidentStore();
    await store.create(structuredClone(incident));
    const onDead = createDeadLetterHandler({ store, logger });
    const dead: Promise<void>[] = [];
    const bus = new MemoryBus({ maxDeliver: 1, onDeadLetter: (l) => void dead.push(onDead(l)) });
    let broken = true;
    const handled: string[] = [];
    await bus.consume(
      "incidents",
      async (env) => {
        if (broken) throw new Error("context source down");
        handled.push(env.id);
      },
      { durable: "collector" },
    );
    const original = envelope("incidents", { incidentId: incident.id }, `incident:${incident.id}`);
    await bus.publish("incidents", original);
    await expect.poll(async () => (await store.get(incident.id))?.state).toBe("failed");
    await Promise.all(dead);

    const replay = createDeadLetterReplay({ bus, store, logger });
    broken = false;
    const result = await replay({ ids: [original.id, "no-such-message"] });
    expect(result).toMatchObject({
      replayed: [{ id: original.id, stage: "incidents", incidentId: incident.id }],
      notFound: ["no-such-message"],
      skipped: [],
    });
    await expect.poll(() => handled.length).toBe(1);
    expect(handled[0]).not.toBe(original.id);
    const reopened = await store.get(incident.id);
    expect(reopened?.state).toBe("open");
    expect(reopened?.error).toBeUndefined();

    // Replaying the same letter again within the duplicate window is stored once.
    await replay({ all: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(handled).toHaveLength(1);
    await bus.close();
  });
});

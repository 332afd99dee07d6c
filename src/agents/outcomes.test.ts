import pino from "pino";
import { describe, expect, it } from "vitest";
import { InputError } from "../core/errors.js";
import { IncidentState, type Incident, type RemediationOutcome } from "../core/incident.js";
import { makeIncident } from "../store/incident-store.contract.js";
import { MemoryIncidentStore } from "../store/memory/memory-incident-store.js";
import { createOutcomeTracker, parseApplied } from "./outcomes.js";

const WINDOW = 30 * 60_000;

function planned(overrides: Partial<Incident> = {}): Incident {
  return makeIncident({
    state: IncidentState.Planned,
    plan: {
      action: "restart",
      target: { kind: "Deployment", namespace: "shop", name: "api" },
      params: {},
      risk: "low",
      rationale: "stale connections",
      createdAt: "2026-03-14T09:55:00.000Z",
    },
    ...overrides,
  });
}

function setup(start = "2026-03-14T10:00:00.000Z") {
  const store = new MemoryIncidentStore();
  let now = new Date(start);
  const learnt: { id: string; outcome: RemediationOutcome }[] = [];
  const tracker = createOutcomeTracker({
    store,
    windowMs: WINDOW,
    logger: pino({ level: "silent" }),
    clock: () => now,
    learner: {
      async learnOutcome(incident, outcome) {
        learnt.push({ id: incident.id, outcome });
      },
    },
    pageSize: 2,
  });
  return {
    store,
    tracker,
    learnt,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

describe("outcome tracker", () => {
  it("learns a success when the incident resolves inside the window after the fix", async () => {
    const { store, tracker, learnt, advance } = setup();
    const incident = planned();
    await store.create(incident);
    await tracker.recordApplied(incident.id, { via: "merged", ref: "https://git.example/pr/7" });
    advance(5 * 60_000);
    const resolved = await store.update(incident.id, (i) => ({
      ...i,
      state: IncidentState.Resolved,
      resolvedAt: "2026-03-14T10:04:00.000Z",
    }));
    await tracker.onResolved(resolved);
    const stored = await store.get(incident.id);
    expect(stored?.applied).toMatchObject({ via: "merged", ref: "https://git.example/pr/7" });
    expect(stored?.outcome).toMatchObject({ result: "resolved", afterMs: 4 * 60_000 });
    expect(learnt).toEqual([{ id: incident.id, outcome: stored?.outcome }]);
    // A repeated resolution teaches nothing new.
    await tracker.onResolved((await store.get(incident.id)) as Incident);
    expect(learnt).toHaveLength(1);
  });

  it("learns a failure from the sweep once the window passes unresolved, and only for those", async () => {
    const { store, tracker, learnt, advance } = setup();
    const stuck = planned();
    const fresh = planned();
    const notApplied = planned();
    const others = [planned(), planned(), planned()]; // more than one page of planned incidents
    for (const i of [stuck, fresh, notApplied, ...others]) await store.create(i);
    await tracker.recordApplied(stuck.id, { via: "applied" });
    advance(20 * 60_000);
    await tracker.recordApplied(fresh.id, { via: "applied" });
    expect(await tracker.sweep()).toBe(0);
    advance(11 * 60_000);
    expect(await tracker.sweep()).toBe(1);
    expect((await store.get(stuck.id))?.outcome?.result).toBe("not_resolved");
    expect((await store.get(fresh.id))?.outcome).toBeUndefined();
    expect((await store.get(notApplied.id))?.outcome).toBeUndefined();
    expect(learnt.map((l) => [l.id, l.outcome.result])).toEqual([[stuck.id, "not_resolved"]]);
    // Sweeping again decides nothing twice.
    expect(await tracker.sweep()).toBe(0);
  });

  it("learns nothing when the alerts resolved before the fix was applied", async () => {
    const { store, tracker, learnt } = setup();
    const incident = planned({ state: IncidentState.Resolved, resolvedAt: "2026-03-14T09:58:00.000Z" });
    await store.create(incident);
    const updated = await tracker.recordApplied(incident.id, { via: "applied" });
    expect(updated.applied).toBeDefined();
    expect(updated.outcome).toBeUndefined();
    expect(learnt).toEqual([]);
  });

  it("refuses an incident without a plan, and times in the future", async () => {
    const { store, tracker } = setup();
    const bare = makeIncident();
    await store.create(bare);
    await expect(tracker.recordApplied(bare.id, { via: "applied" })).rejects.toThrow(InputError);
    const incident = planned();
    await store.create(incident);
    await expect(
      tracker.recordApplied(incident.id, { via: "applied", at: "2026-03-15T10:00:00Z" }),
    ).rejects.toThrow(/future/);
  });

  it("keeps the outcome on the incident when the memory fails", async () => {
    const store = new MemoryIncidentStore();
    const tracker = createOutcomeTracker({
      store,
      windowMs: WINDOW,
      logger: pino({ level: "silent" }),
      clock: () => new Date("2026-03-14T11:00:00.000Z"),
      learner: {
        async learnOutcome() {
          throw new Error("chroma is down");
        },
      },
    });
    const incident = planned();
    await store.create(incident);
    // Applied an hour ago and still firing: decided at once, even though the memory fails.
    const updated = await tracker.recordApplied(incident.id, {
      via: "applied",
      at: "2026-03-14T10:00:00.000Z",
    });
    expect(updated.outcome?.result).toBe("not_resolved");
    expect((await store.get(incident.id))?.outcome?.result).toBe("not_resolved");
    expect(await tracker.sweep()).toBe(0);
  });
});

describe("parseApplied", () => {
  it("names the bad field", () => {
    expect(() => parseApplied({ via: "pushed" })).toThrow(/via/);
    expect(() => parseApplied({ via: "merged", at: "yesterday" })).toThrow(/at/);
    expect(() => parseApplied({ via: "merged", extra: 1 })).toThrow(/extra/);
    expect(parseApplied({ via: "merged", at: "2026-03-14T10:00:00Z", by: "alice" })).toEqual({
      via: "merged",
      at: "2026-03-14T10:00:00Z",
      by: "alice",
    });
  });
});

import { describe, expect, it } from "vitest";
import { describeIncidentStoreContract, makeIncident } from "../incident-store.contract.js";
import { MemoryIncidentStore } from "./memory-incident-store.js";

describeIncidentStoreContract("memory", () => new MemoryIncidentStore());

describe("MemoryIncidentStore bound", () => {
  it("evicts the oldest resolved incident first, then the oldest of all", async () => {
    const store = new MemoryIncidentStore({ maxIncidents: 3 });
    const oldestOpen = makeIncident({ state: "open" });
    const resolved = makeIncident({ state: "resolved" });
    const open2 = makeIncident({ state: "diagnosed" });
    for (const i of [oldestOpen, resolved, open2]) await store.create(i);

    const fourth = makeIncident();
    await store.create(fourth);
    expect(await store.get(resolved.id)).toBeUndefined();
    expect(await store.get(oldestOpen.id)).toBeDefined();

    const fifth = makeIncident();
    await store.create(fifth);
    expect(await store.get(oldestOpen.id)).toBeUndefined();
    expect((await store.list({})).total).toBe(3);
    await store.close();
  });

  it("rejects a non-positive bound", () => {
    expect(() => new MemoryIncidentStore({ maxIncidents: 0 })).toThrow();
  });
});

import { describe, expect, it } from "vitest";
import { BackendError } from "../core/errors.js";
import { DeferredIncidentStore } from "./deferred-incident-store.js";
import { makeIncident } from "./incident-store.contract.js";
import { MemoryIncidentStore } from "./memory/memory-incident-store.js";

describe("DeferredIncidentStore", () => {
  it("fails fast with a retryable BackendError until the backend is connected, then passes calls through", async () => {
    let connect!: (store: MemoryIncidentStore) => void;
    const deferred = new DeferredIncidentStore("nats-kv", new Promise((resolve) => (connect = resolve)));
    expect(deferred.ready()).toBe(false);
    const early = await deferred.get("inc-1").catch((error: unknown) => error);
    expect(early).toBeInstanceOf(BackendError);
    expect((early as BackendError).retryable).toBe(true);

    const backend = new MemoryIncidentStore();
    connect(backend);
    await deferred.whenReady();
    expect(deferred.ready()).toBe(true);
    const incident = makeIncident();
    await deferred.create(incident);
    expect((await backend.get(incident.id))?.id).toBe(incident.id);
    expect((await deferred.list({})).total).toBe(1);
  });

  it("reports why the backend could not be opened", async () => {
    const deferred = new DeferredIncidentStore("nats-kv", Promise.reject(new Error("bucket denied")));
    await expect(deferred.whenReady()).rejects.toThrow("bucket denied");
    await expect(deferred.counts()).rejects.toThrow(/not connected yet: bucket denied/);
  });
});

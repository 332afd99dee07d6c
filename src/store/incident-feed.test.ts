import { describe, expect, it } from "vitest";
import type { Incident, IncidentSummary } from "../core/incident.js";
import { LocalIncidentFeed, ObservedIncidentStore, TooManySubscribersError } from "./incident-feed.js";
import { MemoryIncidentStore } from "./memory/memory-incident-store.js";

function incident(id: string, key = `k-${id}`): Incident {
  return {
    id,
    correlationKey: key,
    state: "open",
    alertname: "KubePodCrashLooping",
    alerts: [],
    notifications: 1,
    openedAt: "2026-11-26T00:00:00.000Z",
    updatedAt: "2026-11-26T00:00:00.000Z",
  };
}

describe("LocalIncidentFeed", () => {
  it("sends summaries to every subscriber until it unsubscribes", () => {
    const feed = new LocalIncidentFeed();
    const a: IncidentSummary[] = [];
    const b: IncidentSummary[] = [];
    const subA = feed.subscribe((s) => a.push(s));
    feed.subscribe((s) => b.push(s));
    feed.publish({ ...incident("i1"), evidence: { collectedAt: "x" } as unknown as Incident["evidence"] });
    subA.unsubscribe();
    feed.publish(incident("i2"));
    expect(a.map((s) => s.id)).toEqual(["i1"]);
    expect(b.map((s) => s.id)).toEqual(["i1", "i2"]);
    // The list view: no evidence.
    expect(a[0]).not.toHaveProperty("evidence");
    expect(feed.subscribers).toBe(1);
  });

  it("keeps the number of subscribers bounded", () => {
    const feed = new LocalIncidentFeed({ maxSubscribers: 2 });
    const first = feed.subscribe(() => undefined);
    feed.subscribe(() => undefined);
    expect(() => feed.subscribe(() => undefined)).toThrow(TooManySubscribersError);
    first.unsubscribe();
    expect(() => feed.subscribe(() => undefined)).not.toThrow();
    expect(feed.subscribers).toBe(2);
  });

  it("one throwing listener does not starve the others", () => {
    const feed = new LocalIncidentFeed();
    const seen: string[] = [];
    feed.subscribe(() => {
      throw new Error("socket gone");
    });
    feed.subscribe((s) => seen.push(s.id));
    feed.publish(incident("i1"));
    expect(seen).toEqual(["i1"]);
  });

  it("runs a remote watch only while someone listens, and retries one that failed to start", async () => {
    let starts = 0;
    let stops = 0;
    let fail = true;
    let push: ((i: Incident) => void) | undefined;
    const feed = new LocalIncidentFeed({
      source: async (publish) => {
        starts++;
        if (fail) throw new Error("watch refused");
        push = publish;
        return { stop: () => void stops++ };
      },
    });
    const failed = feed.subscribe(() => undefined);
    await expect(failed.live).rejects.toThrow("watch refused");
    failed.unsubscribe();

    fail = false;
    const seen: string[] = [];
    const one = feed.subscribe((s) => seen.push(s.id));
    const two = feed.subscribe(() => undefined);
    await one.live;
    await two.live;
    expect(starts).toBe(2);
    push?.(incident("i9"));
    expect(seen).toEqual(["i9"]);
    one.unsubscribe();
    await Promise.resolve();
    expect(stops).toBe(0);
    two.unsubscribe();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stops).toBe(1);
  });
});

describe("ObservedIncidentStore", () => {
  it("reports successful creates and updates with what the update replaced, not failed ones", async () => {
    const written: string[] = [];
    const store = new ObservedIncidentStore(new MemoryIncidentStore(), {
      before: (i) => i.state,
      onWrite: (i, before) => void written.push(`${i.id}:${before ?? "-"}>${i.state}`),
    });
    await store.create(incident("a"));
    await store.update("a", (i) => {
      // In place, as the KV store allows: `before` was taken first.
      i.state = "diagnosed";
      return i;
    });
    await expect(store.create(incident("b", "k-a"))).rejects.toThrow();
    await expect(store.update("missing", (i) => i)).rejects.toThrow();
    expect(written).toEqual(["a:->open", "a:open>diagnosed"]);
    expect((await store.get("a"))?.state).toBe("diagnosed");
    expect(store.name).toBe(new MemoryIncidentStore().name);
  });
});

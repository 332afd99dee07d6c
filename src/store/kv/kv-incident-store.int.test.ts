import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer, type NatsServer } from "../../harness/nats-server.js";
import { BackendError, ConflictError } from "../../core/errors.js";
import { describeIncidentStoreContract, makeAlert, makeIncident } from "../incident-store.contract.js";
import { KvIncidentStore, keyToken } from "./kv-incident-store.js";

// One nats-server for the file; every test gets its own bucket.
let server: NatsServer;
let nc: NatsConnection;
let buckets = 0;
const freshBucket = () => `incidents_${process.pid}_${++buckets}`;

/** Clients that come back quickly after the server restarts (tests below restart it). */
const connectClient = () =>
  connect({ servers: server.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });

/** Resolves when `conn` has reconnected; call before stopping the server. */
function reconnected(conn: NatsConnection): Promise<void> {
  return (async () => {
    for await (const status of conn.status()) if (status.type === "reconnect") return;
  })();
}

/** Restarts the server and waits until the shared client is back. */
async function restartServer(during?: () => Promise<void>): Promise<void> {
  const back = reconnected(nc);
  await server.stop();
  try {
    await during?.();
  } finally {
    await server.start();
    await back;
  }
}

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectClient();
});

afterAll(async () => {
  await nc?.close();
  await server?.dispose();
});

describeIncidentStoreContract("nats-kv", () =>
  KvIncidentStore.open(nc, { bucket: freshBucket(), countsMaxAgeMs: 0 }),
);

describe("KvIncidentStore", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /** A second client, as another replica would have. */
  async function secondConnection(): Promise<NatsConnection> {
    const other = await connectClient();
    cleanup.push(() => other.close());
    return other;
  }

  async function open(
    conn: NatsConnection,
    bucket: string,
    options: { maxIncidents?: number; countsMaxAgeMs?: number } = {},
  ) {
    const store = await KvIncidentStore.open(conn, { bucket, ...options });
    cleanup.push(() => store.close());
    return store;
  }

  it("lets exactly one of two replicas open an incident for a key", async () => {
    const bucket = freshBucket();
    const a = await open(nc, bucket);
    const b = await open(await secondConnection(), bucket);
    const key = "KubePodCrashLooping|shop|workload/api";
    for (let round = 0; round < 5; round++) {
      const mine = makeIncident({ correlationKey: `${key}-${round}` });
      const theirs = makeIncident({ correlationKey: `${key}-${round}` });
      const results = await Promise.allSettled([a.create(mine), b.create(theirs)]);
      const rejected = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
      expect(rejected).toHaveLength(1);
      expect(rejected[0]).toBeInstanceOf(ConflictError);
      const winner = results[0]?.status === "fulfilled" ? mine : theirs;
      expect((await a.findOpenByKey(`${key}-${round}`))?.id).toBe(winner.id);
      expect((await b.findOpenByKey(`${key}-${round}`))?.id).toBe(winner.id);
    }
    expect((await a.list({})).total).toBe(5);
  });

  it("lets a watcher see every replica's writes as they happen, and only incidents", async () => {
    const bucket = freshBucket();
    const watcher = await open(nc, bucket);
    const writer = await open(await secondConnection(), bucket);
    const before = makeIncident({ alerts: [makeAlert("fp-before")] });
    await writer.create(before);
    const seen: string[] = [];
    const watch = await watcher.watch((incident) => seen.push(`${incident.id}:${incident.state}`));
    cleanup.push(async () => watch.stop());
    const incident = makeIncident({ alerts: [makeAlert("fp-watched")] });
    await writer.create(incident);
    await writer.update(incident.id, (i) => ({ ...i, state: "diagnosed" }));
    await watcher.update(before.id, (i) => ({ ...i, state: "resolved" }));
    for (const deadline = Date.now() + 10_000; seen.length < 3 && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 10));
    // Updates only (not the incident written before the watch), no pointer keys.
    expect(seen).toEqual([`${incident.id}:open`, `${incident.id}:diagnosed`, `${before.id}:resolved`]);
  });

  it("loses no update when two replicas update one incident", async () => {
    const bucket = freshBucket();
    const a = await open(nc, bucket);
    const b = await open(await secondConnection(), bucket);
    const incident = makeIncident({ notifications: 0 });
    await a.create(incident);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).update(incident.id, (cur) => ({ ...cur, notifications: cur.notifications + 1 })),
      ),
    );
    expect((await a.get(incident.id))?.notifications).toBe(20);
    expect((await b.get(incident.id))?.notifications).toBe(20);
  });

  it("updates from its own last write only while nobody else wrote since", async () => {
    const bucket = freshBucket();
    const a = await open(nc, bucket);
    const b = await open(await secondConnection(), bucket);
    const incident = makeIncident({ notifications: 1 });
    await a.create(incident);
    // a remembers its create; b's write makes that copy stale.
    await b.update(incident.id, (cur) => ({ ...cur, notifications: cur.notifications + 10 }));
    const updated = await a.update(incident.id, (cur) => ({ ...cur, notifications: cur.notifications + 1 }));
    expect(updated.notifications).toBe(12);
    expect((await b.get(incident.id))?.notifications).toBe(12);
    // And a's own consecutive updates build on each other.
    await a.update(incident.id, (cur) => ({ ...cur, notifications: cur.notifications + 1 }));
    expect((await b.get(incident.id))?.notifications).toBe(13);
  });

  it("shares one scan between the counts asked within countsMaxAgeMs", async () => {
    const bucket = freshBucket();
    const cached = await open(nc, bucket, { countsMaxAgeMs: 60_000 });
    const fresh = await open(nc, bucket, { countsMaxAgeMs: 0 });
    await cached.create(makeIncident());
    const total = async (store: KvIncidentStore) =>
      (await store.counts()).reduce((sum, c) => sum + c.count, 0);
    expect(await total(cached)).toBe(1);
    await cached.create(makeIncident());
    expect(await total(cached)).toBe(1);
    expect(await total(fresh)).toBe(2);
  });

  it("keeps incidents and indexes across a nats-server restart", async () => {
    const bucket = freshBucket();
    const own = await secondConnection();
    const before = await open(own, bucket);
    const open1 = makeIncident({ alerts: [makeAlert("restart-fp")] });
    const closed = makeIncident({ state: "resolved" });
    await before.create(open1);
    await before.create(closed);
    await before.update(open1.id, (cur) => ({ ...cur, state: "diagnosed" }));

    await restartServer();

    const conn = await secondConnection();
    const after = await open(conn, bucket);
    expect(await after.get(open1.id)).toEqual({ ...open1, state: "diagnosed" });
    expect((await after.findByFingerprint("restart-fp"))?.id).toBe(open1.id);
    expect((await after.findOpenByKey(open1.correlationKey))?.id).toBe(open1.id);
    expect((await after.list({})).items.map((i) => i.id)).toEqual([closed.id, open1.id]);
    await expect(after.create(makeIncident({ correlationKey: open1.correlationKey }))).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it("stores ids, fingerprints and keys that are not valid KV keys", async () => {
    const store = await open(nc, freshBucket());
    const incident = makeIncident({
      id: "inc/with spaces.and.dots*>",
      correlationKey: "Kube|ns|workload/ä name with spaces",
      alerts: [makeAlert("fp with spaces/and.dots")],
    });
    await store.create(incident);
    expect(await store.get(incident.id)).toEqual(incident);
    expect((await store.findByFingerprint("fp with spaces/and.dots"))?.id).toBe(incident.id);
    expect((await store.findOpenByKey(incident.correlationKey))?.id).toBe(incident.id);
    expect(await store.get("inc/with spaces")).toBeUndefined();
  });

  it("escapes key tokens injectively", () => {
    expect(keyToken("abc-DEF_123")).toBe("abc-DEF_123");
    expect(keyToken("a.b")).toBe("a=2Eb");
    expect(keyToken("a=2Eb")).toBe("a=3D2Eb");
    expect(keyToken("")).toBe("=");
  });

  it("takes over the key of an incident closed by another replica", async () => {
    const bucket = freshBucket();
    const a = await open(nc, bucket);
    const b = await open(await secondConnection(), bucket);
    const first = makeIncident({ correlationKey: "k|takeover" });
    await a.create(first);
    await b.update(first.id, (cur) => ({ ...cur, state: "failed", error: "gave up" }));
    const second = makeIncident({ correlationKey: "k|takeover" });
    await a.create(second);
    expect((await b.findOpenByKey("k|takeover"))?.id).toBe(second.id);
  });

  it("prunes the oldest resolved and failed incidents beyond maxIncidents, never open ones", async () => {
    const store = await open(nc, freshBucket(), { maxIncidents: 3 });
    const oldOpen = makeIncident({ alerts: [makeAlert("old-open")] });
    const oldResolved = makeIncident({ state: "resolved", alerts: [makeAlert("old-resolved")] });
    const failed = makeIncident({ state: "failed" });
    for (const i of [oldOpen, oldResolved, failed]) await store.create(i);

    await store.create(makeIncident());
    expect(await store.get(oldResolved.id)).toBeUndefined();
    expect(await store.findByFingerprint("old-resolved")).toBeUndefined();
    expect(await store.get(oldOpen.id)).toBeDefined();

    await store.create(makeIncident());
    expect(await store.get(failed.id)).toBeUndefined();
    // Only open incidents are left: the bound is soft and none of them is deleted.
    await store.create(makeIncident());
    expect((await store.list({})).total).toBe(4);
    expect((await store.findByFingerprint("old-open"))?.id).toBe(oldOpen.id);
  });

  it("fails with a BackendError, not a hang, once the connection is closed", async () => {
    const conn = await connectClient();
    const store = await KvIncidentStore.open(conn, { bucket: freshBucket() });
    await store.create(makeIncident());
    await conn.close();
    const error = await store.list({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ backend: "nats-kv" });
    await store.close();
  });

  it("answers with a retryable BackendError while the server is down", async () => {
    const conn = await secondConnection();
    const store = await KvIncidentStore.open(conn, {
      bucket: freshBucket(),
      timeoutMs: 500,
      operationTimeoutMs: 2_000,
    });
    cleanup.push(() => store.close());
    const incident = makeIncident();
    await store.create(incident);
    const back = reconnected(conn);
    let error: unknown;
    await restartServer(async () => {
      error = await store.get(incident.id).catch((e: unknown) => e);
    });
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ backend: "nats-kv", retryable: true });
    // The client reconnects by itself and the same store works again.
    await back;
    expect(await store.get(incident.id)).toEqual(incident);
  });

  it("rejects a bad bucket name", async () => {
    await expect(KvIncidentStore.open(nc, { bucket: "no.dots" })).rejects.toThrow(/bucket/);
  });
});

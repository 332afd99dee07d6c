/**
 * Notifier replicas on one JetStream KV bucket (a real nats-server, one client each, as
 * two collector processes have): they take turns on an incident, so two changes handled
 * at once still give one message per incident and channel, and a crashed replica's claim
 * lapses instead of silencing the incident.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  sampleIncident,
  startFakeNotifyReceivers,
  type FakeNotifyReceivers,
} from "../../test/fakes/notify-receivers.js";
import type { Incident } from "../core/incident.js";
import { startNatsServer, type NatsServer } from "../harness/nats-server.js";
import { createLogger } from "../observability/logger.js";
import { KvIncidentStore } from "../store/kv/kv-incident-store.js";
import { createChannels, notifyConfigSchema } from "./config.js";
import { createNotifier, NotifyBusyError, type NotifierDeps } from "./notifier.js";

const logger = createLogger({ level: "silent" });
const AT = Date.parse("2026-03-01T12:00:00.000Z");

let server: NatsServer;
let buckets = 0;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.dispose();
});

let fake: FakeNotifyReceivers;
const cleanup: (() => Promise<void>)[] = [];
beforeEach(async () => {
  fake = await startFakeNotifyReceivers();
  cleanup.push(() => fake.close());
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** Two replicas' stores: one bucket, a connection each. */
async function replicaStores(): Promise<[KvIncidentStore, KvIncidentStore]> {
  const bucket = `notify_${process.pid}_${++buckets}`;
  const open = async () => {
    const nc: NatsConnection = await connect({ servers: server.url });
    const store = await KvIncidentStore.open(nc, { bucket, countsMaxAgeMs: 0 });
    cleanup.push(async () => {
      await store.close();
      await nc.close();
    });
    return store;
  };
  return [await open(), await open()];
}

/** Channels that cannot edit: every message they get is a new one, so a second post shows. */
function notifier(store: KvIncidentStore, name: string, extra: Partial<NotifierDeps> = {}) {
  const config = notifyConfigSchema.parse({
    maxAttempts: 2,
    slack: { webhookUrl: fake.slackWebhookUrl },
    teams: { webhookUrl: fake.teamsUrl },
  });
  return createNotifier({
    store,
    channels: createChannels(config, { sleep: async () => {} }),
    logger,
    holder: name,
    clock: () => new Date(AT),
    ...extra,
  });
}

const of = (receiver: "slack-webhook" | "teams") => fake.messages.filter((m) => m.receiver === receiver);
const texts = () => of("slack-webhook").map((m) => (m.body as { text: string }).text);

describe("notifier replicas", () => {
  it("send one first message per channel when both handle the incident at once", async () => {
    const [a, b] = await replicaStores();
    const incident = sampleIncident({ id: "inc-replicas-1" });
    await a.create(incident);
    // Slow receivers: both replicas are sending before either could record what went out.
    fake.fault({ times: 100, delayMs: 300 });

    const results = await Promise.all([
      notifier(a, "replica-a").notify(incident.id),
      notifier(b, "replica-b").notify(incident.id),
    ]);

    expect(of("slack-webhook")).toHaveLength(1);
    expect(of("teams")).toHaveLength(1);
    // One replica sent; the other, after its turn, found nothing left to send.
    const actions = results.map((r) => r.channels.map((c) => c.action).join(","));
    expect(actions.sort()).toEqual(["none,none", "post,post"]);
    const stored = (await b.get(incident.id)) as Incident;
    expect(stored.notices).toMatchObject({ slack: { messages: 1 }, teams: { messages: 1 } });
    expect(stored.notifying).toBeUndefined();
  });

  it("sends a change that came while the other replica was sending once its turn ends", async () => {
    const [a, b] = await replicaStores();
    const incident = sampleIncident({ id: "inc-replicas-2" });
    await a.create(incident);
    // A holds the incident for seconds: long enough to see its claim even on a busy machine.
    fake.fault({ times: 2, delayMs: 1_500 });

    const first = notifier(a, "replica-a").notify(incident.id);
    // While replica A posts the planned incident, it resolves and replica B is told.
    for (const deadline = Date.now() + 5_000; !(await a.get(incident.id))?.notifying;) {
      if (Date.now() > deadline) throw new Error("replica A never claimed the incident");
      await new Promise((r) => setTimeout(r, 5));
    }
    await b.update(incident.id, (i) => ({ ...i, state: "resolved", resolvedAt: "2026-03-01T11:00:00.000Z" }));
    const second = notifier(b, "replica-b").notify(incident.id);
    await Promise.all([first, second]);

    // The first message shows what A read; B's turn adds the one follow-up, and no more.
    expect(texts()).toHaveLength(2);
    expect(texts()[0]).not.toContain("[resolved]");
    expect(texts()[1]).toContain("[resolved]");
    expect(of("teams")).toHaveLength(2);
    expect((await a.get(incident.id))?.notices?.slack).toMatchObject({ messages: 2, phase: "resolved" });
  });

  it("waits out the lease of a replica that crashed while holding the incident, then sends", async () => {
    const [store] = await replicaStores();
    const incident = sampleIncident({ id: "inc-replicas-3" });
    await store.create({
      ...incident,
      notifying: { by: "crashed/7", until: new Date(AT + 30_000).toISOString() },
    });

    let now = AT;
    let polls = 0;
    let sentWhileHeld = 0;
    const result = await notifier(store, "replica-b", {
      clock: () => new Date(now),
      sleep: async () => {
        polls += 1;
        sentWhileHeld += fake.messages.length;
        if (polls === 3) now = AT + 30_000; // the lease ends
      },
    }).notify(incident.id);

    expect(polls).toBe(3);
    expect(sentWhileHeld).toBe(0);
    expect(result.channels.map((c) => c.action)).toEqual(["post", "post"]);
    expect(of("slack-webhook")).toHaveLength(1);
    expect((await store.get(incident.id))?.notifying).toBeUndefined();
  });

  it("gives a retryable error, having sent nothing, when another replica holds the incident too long", async () => {
    const [store] = await replicaStores();
    const incident = sampleIncident({ id: "inc-replicas-4" });
    const claim = { by: "busy/1", until: new Date(AT + 30_000).toISOString() };
    await store.create({ ...incident, notifying: claim });

    const error = await notifier(store, "replica-b", { maxClaimWaitMs: 0, sleep: async () => {} })
      .notify(incident.id)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotifyBusyError);
    expect((error as NotifyBusyError).retryable).toBe(true);
    expect((error as NotifyBusyError).message).toContain("busy/1");
    expect(fake.messages).toHaveLength(0);
    expect((await store.get(incident.id))?.notifying).toEqual(claim);
  });

  it("leaves the claim alone and skips the claim when there is nothing to send", async () => {
    const [store] = await replicaStores();
    const incident = sampleIncident({ id: "inc-replicas-5" });
    await store.create(incident);
    const n = notifier(store, "replica-a");
    await n.notify(incident.id);
    const revisionBefore = JSON.stringify(await store.get(incident.id));

    const again = await n.notify(incident.id);

    expect(again.channels.map((c) => c.action)).toEqual(["none", "none"]);
    expect(JSON.stringify(await store.get(incident.id))).toBe(revisionBefore);
    expect(fake.messages).toHaveLength(2);
  });
});

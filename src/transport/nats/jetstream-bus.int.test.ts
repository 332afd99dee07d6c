import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer } from "../../harness/nats-server.js";
import type { NatsServer } from "../../harness/nats-server.js";
import { BackendError } from "../../core/errors.js";
import type { Bus, Envelope } from "../bus.js";
import { deferred, describeBusContract, testEnvelope, waitFor } from "../bus.contract.js";
import type { SubjectNames } from "../subjects.js";
import { DeadLetterHeaders, JetStreamBus } from "./jetstream-bus.js";
import type { JetStreamBusOptions } from "./jetstream-bus.js";

const silent = pino({ level: "silent" });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let namespaces = 0;
/** Subjects and stream names of their own, so that tests sharing a server do not see each other. */
function namespace(): { subjects: SubjectNames; stream: string } {
  const n = ++namespaces;
  const prefix = `t${n}`;
  return {
    subjects: {
      alerts: `${prefix}.alerts`,
      incidents: `${prefix}.incidents`,
      diagnoses: `${prefix}.diagnoses`,
      remediations: `${prefix}.remediations`,
      notifications: `${prefix}.notifications`,
      deadLetter: `${prefix}.deadletter`,
    },
    stream: `T${n}`,
  };
}

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.dispose();
});

function options(
  ns: { subjects: SubjectNames; stream: string },
  url: string,
  extra: Partial<JetStreamBusOptions> = {},
): JetStreamBusOptions {
  return {
    connection: { url, reconnectWaitMs: 100, maxConnectBackoffMs: 200 },
    subjects: ns.subjects,
    stream: { name: ns.stream },
    logger: silent,
    ...extra,
  };
}

const namespaces_ = new WeakMap<Bus, { subjects: SubjectNames; stream: string }>();
describeBusContract("JetStreamBus", {
  async create(contract) {
    const ns = namespace();
    const bus = await JetStreamBus.start(options(ns, server.url, contract));
    namespaces_.set(bus, ns);
    return bus;
  },
  async peer(of, contract) {
    const ns = namespaces_.get(of);
    if (!ns) throw new Error("not a bus of this suite");
    return JetStreamBus.start(options(ns, server.url, contract));
  },
});

describe("JetStreamBus on a real nats-server", () => {
  const buses: JetStreamBus[] = [];
  const connections: NatsConnection[] = [];
  const extraServers: NatsServer[] = [];
  const start = async (
    ns: { subjects: SubjectNames; stream: string },
    extra: Partial<JetStreamBusOptions> = {},
  ) => {
    const bus = await JetStreamBus.start(options(ns, server.url, extra));
    buses.push(bus);
    return bus;
  };
  const raw = async (url = server.url) => {
    const nc = await connect({ servers: url });
    connections.push(nc);
    return nc;
  };
  afterEach(async () => {
    for (const b of buses.splice(0).reverse()) await b.close();
    for (const nc of connections.splice(0)) await nc.close();
    for (const s of extraServers.splice(0)) await s.dispose();
  });

  it("creates its streams and a durable pull consumer per (stage, durable)", async () => {
    const ns = namespace();
    const bus = await start(ns, { maxDeliver: 4, ackWaitMs: 5_000 });
    await bus.consume("alerts", async () => undefined, { durable: "collector" });
    await bus.consume("incidents", async () => undefined, { durable: "collector", maxDeliver: 2 });
    const jsm = await jetstreamManager(await raw());
    const work = await jsm.streams.info(ns.stream);
    expect(work.config.subjects.sort()).toEqual(
      [
        ns.subjects.alerts,
        ns.subjects.diagnoses,
        ns.subjects.incidents,
        ns.subjects.remediations,
        ns.subjects.notifications,
      ].sort(),
    );
    expect(work.config.storage).toBe("file");
    expect((await jsm.streams.info(`${ns.stream}_DLQ`)).config.subjects).toEqual([ns.subjects.deadLetter]);
    const alerts = await jsm.consumers.info(ns.stream, "collector-alerts");
    expect(alerts.config).toMatchObject({
      filter_subject: ns.subjects.alerts,
      ack_policy: "explicit",
      max_deliver: 4,
      ack_wait: 5_000_000_000,
      deliver_policy: "all",
    });
    expect((await jsm.consumers.info(ns.stream, "collector-incidents")).config.max_deliver).toBe(2);
    expect(bus.streams).toEqual({ stream: ns.stream, deadLetterStream: `${ns.stream}_DLQ` });
    expect((await bus.connection()).isClosed()).toBe(false);
  });

  it("terminates without redelivery on this server (a +TERM with a reason is ignored before 2.10)", async () => {
    const ns = namespace();
    const bus = await start(ns, { ackWaitMs: 1_000 });
    let calls = 0;
    await bus.consume(
      "alerts",
      async () => {
        calls++;
        return { kind: "term" as const, reason: "unknown schema\nwith a second line" };
      },
      { durable: "c" },
    );
    await bus.publish("alerts", testEnvelope());
    await waitFor(async () => (await bus.deadLetters()).length === 1, "the dead letter");
    await pause(2_500);
    expect(calls).toBe(1);
    const jsm = await jetstreamManager(await raw());
    const info = await jsm.consumers.info(ns.stream, "c-alerts");
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
  });

  it("puts dead letters on the dead-letter subject with reason, stage and deliveries headers, once", async () => {
    const ns = namespace();
    const bus = await start(ns);
    await bus.consume("alerts", async () => ({ kind: "term" as const, reason: "no evidence" }), {
      durable: "c",
    });
    const sent = testEnvelope();
    await bus.publish("alerts", sent);
    await waitFor(async () => (await bus.deadLetters()).length === 1, "the dead letter");
    const jsm = await jetstreamManager(await raw());
    const stored = await jsm.streams.getMessage(`${ns.stream}_DLQ`, { last_by_subj: ns.subjects.deadLetter });
    expect(stored?.subject).toBe(ns.subjects.deadLetter);
    expect(stored?.header.get(DeadLetterHeaders.Reason)).toBe("no evidence");
    expect(stored?.header.get(DeadLetterHeaders.Stage)).toBe("alerts");
    expect(stored?.header.get(DeadLetterHeaders.Deliveries)).toBe("1");
    expect(stored?.header.get("Nats-Msg-Id")).toBe(`dlq:alerts:${sent.id}`);
    expect(stored?.json<Envelope>()).toEqual(sent);
  });

  it("dead-letters bytes that are not an envelope as poison, keeping them readable", async () => {
    const ns = namespace();
    const bus = await start(ns);
    let calls = 0;
    await bus.consume("alerts", async () => void calls++, { durable: "c" });
    const nc = await raw();
    nc.publish(ns.subjects.alerts, "{not json");
    nc.publish(ns.subjects.alerts, JSON.stringify({ ...testEnvelope("incidents") }));
    await nc.flush();
    await waitFor(async () => (await bus.deadLetters()).length === 2, "two dead letters");
    const [notJson, wrongStage] = await bus.deadLetters();
    expect(notJson?.reason).toMatch(/^poison message: not JSON/);
    expect(notJson?.envelope.payload).toEqual({ raw: "{not json" });
    expect(notJson?.stage).toBe("alerts");
    expect(wrongStage?.reason).toBe("poison message: envelope of type incidents on stage alerts");
    expect(calls).toBe(0);
  });

  it("redelivers a message whose handler never finished to another consumer, with deliveryCount 2", async () => {
    const ns = namespace();
    const crashed = await start(ns, { ackWaitMs: 1_000 });
    const stuck = deferred();
    const seenByCrashed: number[] = [];
    await crashed.consume(
      "alerts",
      async (_env, ctx) => {
        seenByCrashed.push(ctx.deliveryCount);
        await stuck.promise;
      },
      { durable: "collector" },
    );
    const sent = testEnvelope();
    await crashed.publish("alerts", sent);
    await waitFor(() => seenByCrashed.length === 1, "the first delivery");

    const replica = await start(ns, { ackWaitMs: 1_000 });
    const seenByReplica: [string, number][] = [];
    await replica.consume(
      "alerts",
      async (env, ctx) => void seenByReplica.push([env.id, ctx.deliveryCount]),
      {
        durable: "collector",
      },
    );
    await waitFor(() => seenByReplica.length === 1, "the redelivery");
    expect(seenByReplica).toEqual([[sent.id, 2]]);
    expect(seenByCrashed).toEqual([1]);
    stuck.resolve();
  });

  it("redelivers the message of a consumer process that died without acking", async () => {
    const ns = namespace();
    const bus = await start(ns, { ackWaitMs: 1_000 });
    // Creates the durable consumer, then leaves it to the "process" below.
    await (await bus.consume("alerts", async () => undefined, { durable: "collector" })).drain();
    const sent = testEnvelope();
    await bus.publish("alerts", sent);

    // Another process of the same agent takes the message and dies (its connection is cut).
    const dying = await connect({ servers: server.url });
    const consumer = await jetstream(dying).consumers.get(ns.stream, "collector-alerts");
    const taken = await consumer.next({ expires: 5_000 });
    expect(taken?.json<Envelope>().id).toBe(sent.id);
    await dying.close();

    const replica = await start(ns, { ackWaitMs: 1_000 });
    const got: [string, number][] = [];
    await replica.consume("alerts", async (env, ctx) => void got.push([env.id, ctx.deliveryCount]), {
      durable: "collector",
    });
    await waitFor(() => got.length === 1, "the redelivery");
    expect(got).toEqual([[sent.id, 2]]);
  });

  it("does not redeliver while the handler calls working()", async () => {
    const ns = namespace();
    // The handler runs 2.5 times the ack wait; a heartbeat every 250 ms leaves 1.75 s of
    // slack for a starved machine.
    const bus = await start(ns, { ackWaitMs: 2_000 });
    const counts: number[] = [];
    let finished = false;
    await bus.consume(
      "alerts",
      async (_env, ctx) => {
        counts.push(ctx.deliveryCount);
        for (let i = 0; i < 20; i++) {
          await pause(250);
          ctx.working();
        }
        finished = true;
      },
      { durable: "collector" },
    );
    const replica = await start(ns, { ackWaitMs: 2_000 });
    const byReplica: number[] = [];
    await replica.consume("alerts", async (_env, ctx) => void byReplica.push(ctx.deliveryCount), {
      durable: "collector",
    });
    await bus.publish("alerts", testEnvelope());
    await waitFor(() => finished, "the long handler");
    await pause(2_500);
    expect([...counts, ...byReplica]).toEqual([1]);
  });

  it("keeps messages across a server restart, rejects publishes during the outage, recovers after", async () => {
    const own = await startNatsServer();
    extraServers.push(own);
    const ns = namespace();
    const bus = await JetStreamBus.start(options(ns, own.url));
    buses.push(bus);
    const before = [testEnvelope(), testEnvelope()];
    for (const e of before) await bus.publish("alerts", e);

    await own.stop();
    await waitFor(() => !bus.ready(), "not ready during the outage");
    const during = bus.publish("alerts", testEnvelope());
    await expect(during).rejects.toBeInstanceOf(BackendError);
    await expect(during).rejects.toMatchObject({ backend: "nats", retryable: true });

    await own.start();
    await bus.whenReady();
    const after = testEnvelope();
    await bus.publish("alerts", after);
    const got: string[] = [];
    await bus.consume("alerts", async (env) => void got.push(env.id), { durable: "c" });
    await waitFor(() => got.length === 3, "three messages");
    expect(got.sort()).toEqual([...before, after].map((e) => e.id).sort());
  });

  it("keeps consuming after a server restart", async () => {
    const own = await startNatsServer();
    extraServers.push(own);
    const ns = namespace();
    const bus = await JetStreamBus.start(options(ns, own.url));
    buses.push(bus);
    const got: string[] = [];
    await bus.consume("alerts", async (env) => void got.push(env.id), { durable: "c" });
    await bus.publish("alerts", testEnvelope());
    await waitFor(() => got.length === 1, "the first message");
    await own.stop();
    await waitFor(() => !bus.ready(), "the outage");
    await own.start();
    await bus.whenReady();
    await bus.publish("alerts", testEnvelope());
    await waitFor(() => got.length === 2, "a message after the restart");
  });

  it("starts while NATS is unreachable: not ready, publishes rejected, then ready once it is up", async () => {
    const own = await startNatsServer();
    extraServers.push(own);
    await own.stop();
    const lines: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
    const ns = namespace();
    const bus = await JetStreamBus.start(options(ns, own.url, { logger }));
    buses.push(bus);
    expect(bus.ready()).toBe(false);
    await expect(bus.publish("alerts", testEnvelope())).rejects.toMatchObject({
      backend: "nats",
      retryable: true,
    });
    const got: string[] = [];
    // Subscribing before NATS is up is allowed: the consumer is created once it is.
    await bus.consume("alerts", async (env) => void got.push(env.id), { durable: "c" });
    await waitFor(() => lines.some((l) => l.includes("unreachable")), "a log line");
    expect(lines.find((l) => l.includes("unreachable"))).toMatch(
      new RegExp(`NATS at nats://127\\.0\\.0\\.1:${own.port} unreachable: .+; retrying in [0-9.]+s`),
    );

    await own.start();
    await bus.whenReady();
    expect(bus.ready()).toBe(true);
    const sent = testEnvelope();
    await bus.publish("alerts", sent);
    await waitFor(() => got.length === 1, "the delivery");
    expect(got).toEqual([sent.id]);
  });

  it("closes promptly while NATS was never reachable", async () => {
    const own = await startNatsServer();
    extraServers.push(own);
    await own.stop();
    const bus = await JetStreamBus.start(options(namespace(), own.url));
    await bus.consume("alerts", async () => undefined, { durable: "c" });
    await expect(bus.deadLetters()).rejects.toBeInstanceOf(BackendError);
    await bus.close();
    expect(bus.ready()).toBe(false);
    await expect(bus.whenReady()).rejects.toBeInstanceOf(BackendError);
  });

  it("redelivers a message that was pulled when its consumer drained before handling it", async () => {
    const ns = namespace();
    const bus = await start(ns);
    const sub = await bus.consume("alerts", async () => undefined, { durable: "c" });
    await sub.drain();
    const sent = testEnvelope();
    await bus.publish("alerts", sent);
    const replica = await start(ns);
    const got: string[] = [];
    await replica.consume("alerts", async (env) => void got.push(env.id), { durable: "c" });
    await waitFor(() => got.length === 1, "the delivery to the replica");
    expect(got).toEqual([sent.id]);
  });
});

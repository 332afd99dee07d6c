import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { JetStreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer } from "../../harness/nats-server.js";
import type { NatsServer } from "../../harness/nats-server.js";
import { InputError } from "../../core/errors.js";
import { DEFAULT_SUBJECTS } from "../subjects.js";
import type { SubjectNames } from "../subjects.js";
import { ensureConsumer, ensureStreams, streamConfigs } from "./streams.js";

const DAY_NS = 24 * 3600 * 1e9;

function subjects(prefix: string): SubjectNames {
  return {
    alerts: `${prefix}.alerts`,
    incidents: `${prefix}.incidents`,
    diagnoses: `${prefix}.diagnoses`,
    remediations: `${prefix}.remediations`,
    notifications: `${prefix}.notifications`,
    deadLetter: `${prefix}.deadletter`,
  };
}

describe("JetStream streams and consumers", () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await server?.dispose();
  });

  it("creates the work and dead-letter streams with the default limits, idempotently", async () => {
    const first = await ensureStreams(jsm, DEFAULT_SUBJECTS);
    const again = await ensureStreams(jsm, DEFAULT_SUBJECTS);
    expect(first).toEqual({ stream: "AIOPS", deadLetterStream: "AIOPS_DLQ" });
    expect(again).toEqual(first);
    const work = (await jsm.streams.info("AIOPS")).config;
    expect(work).toMatchObject({
      subjects: [
        "aiops.alerts",
        "aiops.incidents",
        "aiops.diagnoses",
        "aiops.remediations",
        "aiops.notifications",
      ],
      storage: "file",
      retention: "limits",
      max_age: 7 * DAY_NS,
      max_bytes: 1024 ** 3,
      duplicate_window: 120e9,
    });
    const dlq = (await jsm.streams.info("AIOPS_DLQ")).config;
    expect(dlq).toMatchObject({ subjects: ["aiops.deadletter"], storage: "file", max_age: 30 * DAY_NS });
  });

  it("updates a stream whose limits changed", async () => {
    const names = subjects("upd");
    await ensureStreams(jsm, names, { name: "UPD" });
    await ensureStreams(jsm, names, { name: "UPD", maxBytes: 2 * 1024 ** 2, maxAgeMs: 3_600_000 });
    const config = (await jsm.streams.info("UPD")).config;
    expect(config.max_bytes).toBe(2 * 1024 ** 2);
    expect(config.max_age).toBe(3_600e9);
  });

  it("creates a durable consumer idempotently and updates a changed max_deliver", async () => {
    const names = subjects("cons");
    const { stream } = await ensureStreams(jsm, names, { name: "CONS" });
    const options = { durable: "rca-incidents", filterSubject: names.incidents, maxDeliver: 5 };
    await ensureConsumer(jsm, stream, options);
    const same = await ensureConsumer(jsm, stream, options);
    expect(same.config).toMatchObject({
      durable_name: "rca-incidents",
      filter_subject: names.incidents,
      ack_policy: "explicit",
      ack_wait: 30e9,
      max_deliver: 5,
      deliver_policy: "all",
    });
    const changed = await ensureConsumer(jsm, stream, { ...options, maxDeliver: 7, ackWaitMs: 2_000 });
    expect(changed.config).toMatchObject({ max_deliver: 7, ack_wait: 2e9 });
    expect((await jsm.consumers.info(stream, "rca-incidents")).config.max_deliver).toBe(7);
  });

  it("keeps streams, consumers and messages across a server restart", async () => {
    const own = await startNatsServer();
    try {
      let conn = await connect({ servers: own.url });
      let manager = await jetstreamManager(conn);
      const names = subjects("restart");
      const { stream } = await ensureStreams(manager, names, { name: "RESTART" });
      await ensureConsumer(manager, stream, { durable: "c-alerts", filterSubject: names.alerts });
      await jetstream(conn).publish(names.alerts, "kept", { msgID: "k1" });
      await conn.close();
      await own.stop();
      await own.start();
      conn = await connect({ servers: own.url });
      manager = await jetstreamManager(conn);
      await ensureStreams(manager, names, { name: "RESTART" });
      await ensureConsumer(manager, stream, { durable: "c-alerts", filterSubject: names.alerts });
      expect((await manager.streams.info(stream)).state.messages).toBe(1);
      expect((await manager.consumers.info(stream, "c-alerts")).num_pending).toBe(1);
      await conn.close();
    } finally {
      await own.dispose();
    }
  });

  it("rejects names and subjects that cannot work", () => {
    expect(() => streamConfigs(DEFAULT_SUBJECTS, { name: "AI.OPS" })).toThrow(InputError);
    expect(() => streamConfigs(DEFAULT_SUBJECTS, { name: "A", deadLetterName: "A" })).toThrow(InputError);
    expect(() => streamConfigs({ ...DEFAULT_SUBJECTS, deadLetter: DEFAULT_SUBJECTS.alerts })).toThrow(
      InputError,
    );
    expect(() => streamConfigs(DEFAULT_SUBJECTS, { maxAgeMs: 0 })).toThrow(InputError);
  });
});

/**
 * What every Bus adapter guarantees through the port, as one suite run against each
 * (the in-process bus and JetStream), so that agents tested on the in-process bus
 * behave the same when deployed on NATS. Adapter-specific behaviour (journals,
 * restarts, ack deadlines) stays in each adapter's own tests.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { BackendError, InputError } from "../core/errors.js";
import type { Bus, DeadLetter, Envelope } from "./bus.js";
import type { Stage } from "./subjects.js";

export interface BusContractOptions {
  /** Small, so that retries happen within a test. */
  retryBaseMs: number;
  retryMaxMs: number;
  maxDeliver?: number;
  onDeadLetter?: (letter: DeadLetter) => void;
}

export interface BusContractFactory {
  /** A bus over stages of its own: it sees no message of another test. */
  create(options: BusContractOptions): Promise<Bus>;
  /**
   * Another bus on the same stages as `bus`, as a second process (replica) would have;
   * an in-process adapter may return `bus` itself.
   */
  peer(bus: Bus, options: BusContractOptions): Promise<Bus>;
}

const WAIT_MS = 15_000;

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const run = randomUUID().slice(0, 8);
let seq = 0;

/** A valid envelope frame; the bus does not look into the payload. */
export function testEnvelope(stage: Stage = "alerts", key?: string, payload: unknown = {}): Envelope {
  seq++;
  return {
    v: 1,
    type: stage,
    id: `msg-${run}-${seq}`,
    idempotencyKey: key ?? `key-${run}-${seq}`,
    incidentId: "inc-1",
    publishedAt: "2025-01-01T00:00:00.000Z",
    payload,
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeBusContract(name: string, factory: BusContractFactory): void {
  describe(`Bus contract: ${name}`, () => {
    const opened: Bus[] = [];
    const base: BusContractOptions = { retryBaseMs: 20, retryMaxMs: 80 };
    const bus = async (options: Partial<BusContractOptions> = {}) => {
      const b = await factory.create({ ...base, ...options });
      opened.push(b);
      return b;
    };
    const peer = async (of: Bus, options: Partial<BusContractOptions> = {}) => {
      const b = await factory.peer(of, { ...base, ...options });
      opened.push(b);
      return b;
    };
    afterEach(async () => {
      for (const b of opened.splice(0).reverse()) await b.close();
    });

    it("delivers a published message once, with deliveryCount 1", async () => {
      const b = await bus();
      expect(b.ready()).toBe(true);
      const got: [Envelope, number][] = [];
      await b.consume("alerts", async (env, ctx) => void got.push([env, ctx.deliveryCount]), {
        durable: "c",
      });
      const sent = testEnvelope("alerts", undefined, { alert: { fingerprint: "f", labels: { a: "b" } } });
      await b.publish("alerts", sent);
      await waitFor(() => got.length === 1, "the delivery");
      await pause(50);
      expect(got).toEqual([[sent, 1]]);
    });

    it("delivers a duplicate idempotency key of a stage once", async () => {
      const b = await bus();
      const got: string[] = [];
      await b.consume("alerts", async (env) => void got.push(`alerts:${env.idempotencyKey}`), {
        durable: "c",
      });
      await b.consume("incidents", async (env) => void got.push(`incidents:${env.idempotencyKey}`), {
        durable: "c",
      });
      await b.publish("alerts", testEnvelope("alerts", "same"));
      await b.publish("alerts", testEnvelope("alerts", "same"));
      await b.publish("incidents", testEnvelope("incidents", "same"));
      await b.publish("alerts", testEnvelope("alerts", "other"));
      await waitFor(() => got.length === 3, "three deliveries");
      await pause(100);
      expect(got.sort()).toEqual(["alerts:other", "alerts:same", "incidents:same"]);
    });

    it("retries a retryable failure with backoff, then succeeds", async () => {
      const b = await bus();
      const counts: number[] = [];
      await b.consume(
        "alerts",
        async (_env, ctx) => {
          counts.push(ctx.deliveryCount);
          if (ctx.deliveryCount < 3) throw new BackendError("cluster unreachable", "kubernetes", true);
        },
        { durable: "c", maxDeliver: 5 },
      );
      await b.publish("alerts", testEnvelope());
      await waitFor(() => counts.length === 3, "three deliveries");
      await pause(100);
      expect(counts).toEqual([1, 2, 3]);
      expect(await b.deadLetters()).toEqual([]);
    });

    it("honours a retry the handler asks for", async () => {
      const b = await bus();
      const counts: number[] = [];
      await b.consume(
        "alerts",
        async (_env, ctx) => {
          counts.push(ctx.deliveryCount);
          if (ctx.deliveryCount === 1) return { kind: "retry" as const, delayMs: 10, reason: "not yet" };
          return undefined;
        },
        { durable: "c" },
      );
      await b.publish("alerts", testEnvelope());
      await waitFor(() => counts.length === 2, "the retry");
      expect(counts).toEqual([1, 2]);
    });

    it("terminates poison at once and dead-letters it with the reason", async () => {
      const told: DeadLetter[] = [];
      const b = await bus({ onDeadLetter: (letter) => told.push(letter) });
      let calls = 0;
      await b.consume(
        "alerts",
        async () => {
          calls++;
          throw new InputError("payload.alert is missing", "payload.alert");
        },
        { durable: "c", maxDeliver: 5 },
      );
      const sent = testEnvelope();
      await b.publish("alerts", sent);
      await waitFor(async () => (await b.deadLetters()).length === 1, "the dead letter");
      const [dead] = await b.deadLetters();
      expect(dead).toMatchObject({ stage: "alerts", deliveries: 1, envelope: sent });
      expect(dead?.reason).toContain("InputError: payload.alert is missing");
      expect(Number.isNaN(Date.parse(dead?.at ?? ""))).toBe(false);
      await waitFor(() => told.length === 1, "the dead-letter callback");
      expect(told[0]).toMatchObject({ stage: "alerts", envelope: sent });
      await pause(100);
      expect(calls).toBe(1);
    });

    it("dead-letters a message the handler terminates itself, with its reason", async () => {
      const b = await bus();
      await b.consume("incidents", async () => ({ kind: "term" as const, reason: "unknown schema" }), {
        durable: "c",
      });
      await b.publish("incidents", testEnvelope("incidents"));
      await waitFor(async () => (await b.deadLetters()).length === 1, "the dead letter");
      expect((await b.deadLetters())[0]).toMatchObject({ reason: "unknown schema", stage: "incidents" });
    });

    it("dead-letters after maxDeliver failed deliveries", async () => {
      const b = await bus();
      const counts: number[] = [];
      await b.consume(
        "alerts",
        async (_env, ctx) => {
          counts.push(ctx.deliveryCount);
          throw new Error("flaky");
        },
        { durable: "c", maxDeliver: 3 },
      );
      await b.publish("alerts", testEnvelope());
      await waitFor(async () => (await b.deadLetters()).length === 1, "the dead letter");
      expect(counts).toEqual([1, 2, 3]);
      const [dead] = await b.deadLetters();
      expect(dead?.deliveries).toBe(3);
      expect(dead?.reason).toContain("gave up after 3 deliveries: Error: flaky");
    });

    it("lists the last dead letters, newest last", async () => {
      const b = await bus();
      await b.consume(
        "alerts",
        async (env) => ({ kind: "term" as const, reason: `reason ${String(env.payload)}` }),
        { durable: "c" },
      );
      for (const n of [1, 2, 3]) {
        await b.publish("alerts", testEnvelope("alerts", undefined, n));
        await waitFor(async () => (await b.deadLetters()).length === n, `dead letter ${n}`);
      }
      expect((await b.deadLetters(2)).map((d) => d.reason)).toEqual(["reason 2", "reason 3"]);
      expect((await b.deadLetters()).map((d) => d.reason)).toEqual(["reason 1", "reason 2", "reason 3"]);
      expect(await b.deadLetters(0)).toEqual([]);
    });

    it("shares a durable between two consumers: each message handled once in total", async () => {
      const one = await bus();
      const two = await peer(one);
      const byA: string[] = [];
      const byB: string[] = [];
      const slow = (into: string[]) => async (env: Envelope) => {
        into.push(env.id);
        await pause(20);
      };
      await one.consume("alerts", slow(byA), { durable: "collector", concurrency: 1 });
      await two.consume("alerts", slow(byB), { durable: "collector", concurrency: 1 });
      const sent = Array.from({ length: 12 }, () => testEnvelope());
      for (const e of sent) await one.publish("alerts", e);
      await waitFor(() => byA.length + byB.length === 12, "twelve deliveries");
      await pause(100);
      expect([...byA, ...byB].sort()).toEqual(sent.map((e) => e.id).sort());
      expect(byA.length).toBeGreaterThan(0);
      expect(byB.length).toBeGreaterThan(0);
    });

    it("gives every message to each distinct durable", async () => {
      const b = await bus();
      const one: string[] = [];
      const two: string[] = [];
      await b.consume("alerts", async (env) => void one.push(env.id), { durable: "one" });
      await b.consume("alerts", async (env) => void two.push(env.id), { durable: "two" });
      const sent = [testEnvelope(), testEnvelope()];
      for (const e of sent) await b.publish("alerts", e);
      await waitFor(() => one.length === 2 && two.length === 2, "both durables");
      expect(one.sort()).toEqual(two.sort());
    });

    it("keeps stages independent", async () => {
      const b = await bus();
      const alerts: string[] = [];
      const incidents: Stage[] = [];
      const blocked = deferred();
      await b.consume(
        "alerts",
        async (env) => {
          alerts.push(env.id);
          await blocked.promise;
        },
        { durable: "c" },
      );
      await b.consume("incidents", async (env) => void incidents.push(env.type), { durable: "c" });
      await b.publish("alerts", testEnvelope("alerts"));
      await waitFor(() => alerts.length === 1, "the blocked alert");
      await b.publish("incidents", testEnvelope("incidents"));
      await waitFor(() => incidents.length === 1, "the incident");
      expect(incidents).toEqual(["incidents"]);
      blocked.resolve();
    });

    it("runs at most `concurrency` handlers at once", async () => {
      const b = await bus();
      let active = 0;
      let peak = 0;
      let done = 0;
      const gate = deferred();
      await b.consume(
        "alerts",
        async () => {
          active++;
          peak = Math.max(peak, active);
          await gate.promise;
          active--;
          done++;
        },
        { durable: "c", concurrency: 2 },
      );
      for (let i = 0; i < 5; i++) await b.publish("alerts", testEnvelope());
      await waitFor(() => active === 2, "two handlers in flight");
      await pause(100);
      expect(active).toBe(2);
      gate.resolve();
      await waitFor(() => done === 5, "all five");
      expect(peak).toBe(2);
    });

    it("drains: waits for in-flight handlers, then takes nothing more", async () => {
      const b = await bus();
      const release = deferred();
      const got: string[] = [];
      let finished = 0;
      const sub = await b.consume(
        "alerts",
        async (env) => {
          got.push(env.id);
          await release.promise;
          finished++;
        },
        { durable: "c" },
      );
      await b.publish("alerts", testEnvelope());
      await waitFor(() => got.length === 1, "the delivery");
      let drained = false;
      const draining = sub.drain().then(() => (drained = true));
      await pause(100);
      expect(drained).toBe(false);
      release.resolve();
      await draining;
      expect(finished).toBe(1);
      await b.publish("alerts", testEnvelope());
      await pause(200);
      expect(got).toHaveLength(1);
    });

    it("rejects an envelope that does not match its stage, and a consumer without a durable", async () => {
      const b = await bus();
      await expect(b.publish("alerts", testEnvelope("incidents"))).rejects.toBeInstanceOf(InputError);
      await expect(b.publish("alerts", { ...testEnvelope(), idempotencyKey: "" })).rejects.toBeInstanceOf(
        InputError,
      );
      await expect(b.consume("alerts", async () => undefined, { durable: "" })).rejects.toBeInstanceOf(
        InputError,
      );
    });

    it("closes idempotently; a closed bus is not ready and rejects publishes", async () => {
      const b = await bus();
      await b.consume("alerts", async () => undefined, { durable: "c" });
      await Promise.all([b.close(), b.close()]);
      expect(b.ready()).toBe(false);
      await expect(b.publish("alerts", testEnvelope())).rejects.toBeInstanceOf(BackendError);
    });
  });
}

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BackendError, InputError } from "../../core/errors.js";
import { SqliteBusJournal } from "../../store/sqlite/sqlite-bus-journal.js";
import type { Envelope } from "../bus.js";
import { deferred, testEnvelope as envelope, waitFor } from "../bus.contract.js";
import { MemoryBus } from "./memory-bus.js";
import type { MemoryBusOptions } from "./memory-bus.js";

/** Lets queued microtasks and timers of 0 ms run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("MemoryBus", () => {
  const buses: MemoryBus[] = [];
  const dirs: string[] = [];
  const journals: SqliteBusJournal[] = [];
  const bus = (options: MemoryBusOptions = {}) => {
    const b = new MemoryBus({ retryBaseMs: 1, retryMaxMs: 4, ...options });
    buses.push(b);
    return b;
  };
  const journalFile = () => {
    const dir = mkdtempSync(join(tmpdir(), "aiops-bus-"));
    dirs.push(dir);
    return join(dir, "aiops.db");
  };
  const openJournal = (file: string) => {
    const j = SqliteBusJournal.open(file);
    journals.push(j);
    return j;
  };
  afterEach(async () => {
    for (const b of buses.splice(0)) await b.close();
    for (const j of journals.splice(0)) j.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("delivers a published message to a consumer", async () => {
    const b = bus();
    const got: [Envelope, number][] = [];
    await b.consume("alerts", async (env, ctx) => void got.push([env, ctx.deliveryCount]), { durable: "c" });
    const sent = envelope("alerts", undefined, { alert: { fingerprint: "f" } });
    await b.publish("alerts", sent);
    await waitFor(() => got.length === 1);
    expect(got[0]).toEqual([sent, 1]);
    expect(b.ready()).toBe(true);
  });

  it("holds messages published before the first consumer", async () => {
    const b = bus();
    const sent = [envelope(), envelope()];
    for (const e of sent) await b.publish("alerts", e);
    const got: string[] = [];
    await b.consume("alerts", async (env) => void got.push(env.id), { durable: "c" });
    await waitFor(() => got.length === 2);
    expect(got.sort()).toEqual(sent.map((e) => e.id).sort());
  });

  it("delivers a duplicate idempotency key once", async () => {
    const b = bus();
    const got: string[] = [];
    await b.consume("alerts", async (env) => void got.push(env.idempotencyKey), { durable: "c" });
    await b.publish("alerts", envelope("alerts", "same"));
    await b.publish("alerts", envelope("alerts", "same"));
    await b.publish("incidents", envelope("incidents", "same"));
    await b.publish("alerts", envelope("alerts", "other"));
    await waitFor(() => got.length === 2);
    await b.close();
    expect(got.sort()).toEqual(["other", "same"]);
  });

  it("forgets idempotency keys past the dedup window or beyond its size", async () => {
    let now = 0;
    const b = bus({ dedupWindowMs: 1_000, dedupMaxKeys: 2, now: () => now });
    const got: string[] = [];
    await b.consume("alerts", async (env) => void got.push(env.idempotencyKey), { durable: "c" });
    await b.publish("alerts", envelope("alerts", "k"));
    now += 2_000;
    await b.publish("alerts", envelope("alerts", "k"));
    await b.publish("alerts", envelope("alerts", "x"));
    await b.publish("alerts", envelope("alerts", "y"));
    await b.publish("alerts", envelope("alerts", "k"));
    await waitFor(() => got.length === 5);
    await b.close();
    expect(got.sort()).toEqual(["k", "k", "k", "x", "y"]);
  });

  it("retries a retryable failure with backoff, then succeeds", async () => {
    const b = bus();
    const counts: number[] = [];
    await b.consume(
      "alerts",
      async (_env, ctx) => {
        counts.push(ctx.deliveryCount);
        if (ctx.deliveryCount < 3) throw new BackendError("cluster unreachable", "kubernetes", true);
      },
      { durable: "c", maxDeliver: 5 },
    );
    await b.publish("alerts", envelope());
    await waitFor(() => counts.length === 3);
    await b.close();
    expect(counts).toEqual([1, 2, 3]);
    expect(await b.deadLetters()).toEqual([]);
  });

  it("terminates poison at once and dead-letters it with the reason", async () => {
    const b = bus();
    let calls = 0;
    await b.consume(
      "alerts",
      async () => {
        calls++;
        throw new InputError("payload.alert is missing", "payload.alert");
      },
      { durable: "c", maxDeliver: 5 },
    );
    const sent = envelope();
    await b.publish("alerts", sent);
    await waitFor(async () => (await b.deadLetters()).length === 1);
    const [dead] = await b.deadLetters();
    expect(dead).toMatchObject({ stage: "alerts", deliveries: 1, envelope: sent });
    expect(dead?.reason).toContain("InputError: payload.alert is missing");
    expect(calls).toBe(1);
  });

  it("tells onDeadLetter of each terminated message", async () => {
    const told: { reason: string; incidentId?: string }[] = [];
    const b = bus({
      onDeadLetter: (d) => told.push({ reason: d.reason, incidentId: d.envelope.incidentId }),
    });
    await b.consume("incidents", async () => ({ kind: "term" as const, reason: "no evidence" }), {
      durable: "c",
    });
    await b.publish("incidents", envelope("incidents"));
    await waitFor(() => told.length === 1, "dead-letter callback");
    expect(told).toEqual([{ reason: "no evidence", incidentId: "inc-1" }]);
  });

  it("dead-letters a message a handler terminates itself", async () => {
    const b = bus();
    await b.consume("alerts", async () => ({ kind: "term" as const, reason: "unknown schema" }), {
      durable: "c",
    });
    await b.publish("alerts", envelope());
    await waitFor(async () => (await b.deadLetters()).length === 1);
    expect((await b.deadLetters())[0]?.reason).toBe("unknown schema");
  });

  it("dead-letters after maxDeliver failed deliveries", async () => {
    const b = bus();
    const counts: number[] = [];
    await b.consume(
      "alerts",
      async (_env, ctx) => {
        counts.push(ctx.deliveryCount);
        throw new Error("flaky");
      },
      { durable: "c", maxDeliver: 3 },
    );
    await b.publish("alerts", envelope());
    await waitFor(async () => (await b.deadLetters()).length === 1);
    expect(counts).toEqual([1, 2, 3]);
    const [dead] = await b.deadLetters();
    expect(dead?.deliveries).toBe(3);
    expect(dead?.reason).toContain("gave up after 3 deliveries: Error: flaky");
  });

  it("shares a durable between its consumers: each message handled once in total", async () => {
    const b = bus();
    const byA: string[] = [];
    const byB: string[] = [];
    await b.consume("alerts", async (env) => void byA.push(env.id), { durable: "collector" });
    await b.consume("alerts", async (env) => void byB.push(env.id), { durable: "collector" });
    const sent = Array.from({ length: 10 }, () => envelope());
    for (const e of sent) await b.publish("alerts", e);
    await waitFor(() => byA.length + byB.length === 10);
    await b.close();
    expect([...byA, ...byB].sort()).toEqual(sent.map((e) => e.id).sort());
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
  });

  it("gives every message to each distinct durable", async () => {
    const b = bus();
    const one: string[] = [];
    const two: string[] = [];
    await b.consume("alerts", async (env) => void one.push(env.id), { durable: "one" });
    await b.consume("alerts", async (env) => void two.push(env.id), { durable: "two" });
    await b.publish("alerts", envelope());
    await waitFor(() => one.length === 1 && two.length === 1);
  });

  it("keeps stages independent", async () => {
    const b = bus();
    const alerts: string[] = [];
    const incidents: string[] = [];
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
    await b.publish("alerts", envelope("alerts"));
    await b.publish("incidents", envelope("incidents"));
    await waitFor(() => incidents.length === 1);
    expect(incidents).toEqual(["incidents"]);
    expect(alerts).toHaveLength(1);
    blocked.resolve();
  });

  it("runs a handler with bounded concurrency", async () => {
    const b = bus();
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
    for (let i = 0; i < 5; i++) await b.publish("alerts", envelope());
    await waitFor(() => active === 2);
    await settle();
    expect(active).toBe(2);
    gate.resolve();
    await waitFor(() => done === 5);
    expect(peak).toBe(2);
  });

  it("drain stops new deliveries and waits for in-flight handlers", async () => {
    const b = bus();
    const gate = deferred();
    const got: string[] = [];
    let finished = false;
    const sub = await b.consume(
      "alerts",
      async (env) => {
        got.push(env.id);
        await gate.promise;
        finished = true;
      },
      { durable: "c" },
    );
    await b.publish("alerts", envelope());
    await waitFor(() => got.length === 1);
    let drained = false;
    const draining = sub.drain().then(() => (drained = true));
    await settle();
    expect(drained).toBe(false);
    gate.resolve();
    await draining;
    expect(finished).toBe(true);

    const later = envelope();
    await b.publish("alerts", later);
    await settle();
    expect(got).toHaveLength(1);
    // The message waits for the durable's next consumer.
    const next: string[] = [];
    await b.consume("alerts", async (env) => void next.push(env.id), { durable: "c" });
    await waitFor(() => next.length === 1);
    expect(next).toEqual([later.id]);
  });

  it("rejects publishes after close and reports not ready", async () => {
    const b = bus();
    await b.close();
    expect(b.ready()).toBe(false);
    await expect(b.publish("alerts", envelope())).rejects.toBeInstanceOf(BackendError);
    await expect(b.consume("alerts", async () => {}, { durable: "c" })).rejects.toBeInstanceOf(BackendError);
  });

  it("rejects an envelope that does not fit its stage or cannot be serialised", async () => {
    const b = bus();
    await expect(b.publish("alerts", envelope("incidents"))).rejects.toBeInstanceOf(InputError);
    await expect(b.publish("alerts", envelope("alerts", undefined, { n: 1n }))).rejects.toBeInstanceOf(
      InputError,
    );
  });

  it("pushes back with a retryable error when a stage is full", async () => {
    const b = bus({ maxPendingPerStage: 2 });
    await b.publish("alerts", envelope());
    await b.publish("alerts", envelope());
    const error = await b.publish("alerts", envelope()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).retryable).toBe(true);
  });

  describe("with a SQLite journal", () => {
    it("stores a message before publish resolves and marks it done after the handler", async () => {
      const journal = openJournal(journalFile());
      const b = bus({ journal });
      const sent = envelope();
      await b.publish("alerts", sent);
      expect(journal.pending("alerts").map((p) => p.envelope)).toEqual([sent]);
      await b.consume("alerts", async () => {}, { durable: "c" });
      await waitFor(() => journal.pending().length === 0);
    });

    it("drops a duplicate the journal already holds, across restarts", async () => {
      const file = journalFile();
      const first = bus({ journal: openJournal(file) });
      await first.publish("alerts", envelope("alerts", "once"));
      const got: string[] = [];
      const second = bus({ journal: openJournal(file) });
      await second.publish("alerts", envelope("alerts", "once"));
      await second.consume("alerts", async (env) => void got.push(env.idempotencyKey), { durable: "c" });
      await waitFor(() => got.length === 1);
      await second.close();
      expect(got).toEqual(["once"]);
    });

    it("redelivers messages accepted but never consumed, after a restart", async () => {
      const file = journalFile();
      const journal = SqliteBusJournal.open(file);
      const before = new MemoryBus({ journal });
      const sent = [envelope("alerts"), envelope("diagnoses")];
      await before.publish("alerts", sent[0]!);
      await before.publish("diagnoses", sent[1]!);
      await before.close();
      journal.close();

      const after = bus({ journal: openJournal(file) });
      const got: [Envelope, number][] = [];
      await after.consume("alerts", async (env, ctx) => void got.push([env, ctx.deliveryCount]), {
        durable: "collector",
      });
      await waitFor(() => got.length === 1);
      expect(got).toEqual([[sent[0], 1]]);
      await after.consume("diagnoses", async (env, ctx) => void got.push([env, ctx.deliveryCount]), {
        durable: "remediator",
      });
      await waitFor(() => got.length === 2);
      expect(got[1]).toEqual([sent[1], 1]);
    });

    it("redelivers a message whose handler was cut off, counting the lost delivery", async () => {
      const file = journalFile();
      const crashed = bus({ journal: openJournal(file) });
      const gate = deferred();
      let started = false;
      await crashed.consume(
        "alerts",
        async () => {
          started = true;
          await gate.promise;
        },
        { durable: "c" },
      );
      const sent = envelope();
      await crashed.publish("alerts", sent);
      await waitFor(() => started);

      // A second process on the same file stands in for the restart.
      const restarted = bus({ journal: openJournal(file) });
      const got: number[] = [];
      await restarted.consume("alerts", async (_env, ctx) => void got.push(ctx.deliveryCount), {
        durable: "c",
      });
      await waitFor(() => got.length === 1);
      expect(got).toEqual([2]);
      gate.resolve();
    });

    it("dead-letters a recovered message that already used up its deliveries", async () => {
      const file = journalFile();
      const journal = openJournal(file);
      const sent = envelope();
      journal.append("alerts", sent);
      for (let i = 0; i < 3; i++) journal.recordDelivery("alerts", sent.id);
      const b = bus({ journal });
      let calls = 0;
      await b.consume("alerts", async () => void calls++, { durable: "c", maxDeliver: 3 });
      await waitFor(async () => (await b.deadLetters()).length === 1);
      expect(calls).toBe(0);
      expect((await b.deadLetters())[0]).toMatchObject({ deliveries: 3, envelope: sent });
      expect(journal.pending()).toEqual([]);
    });

    it("keeps dead letters across a restart", async () => {
      const file = journalFile();
      const journal = SqliteBusJournal.open(file);
      const before = new MemoryBus({ journal });
      await before.consume("alerts", async () => ({ kind: "term" as const, reason: "poison" }), {
        durable: "c",
      });
      await before.publish("alerts", envelope());
      await waitFor(async () => (await before.deadLetters()).length === 1);
      await before.close();
      journal.close();
      const after = bus({ journal: openJournal(file) });
      expect((await after.deadLetters()).map((d) => d.reason)).toEqual(["poison"]);
    });
  });
});

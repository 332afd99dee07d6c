/**
 * Every map, set or list a long-lived object fills from input has a size or age bound.
 * Each test drives one past its bound through its public API and checks that what it
 * holds stays within it. Structures bounded by construction (keyed by configuration or a
 * closed vocabulary, or emptied when their work ends) are listed in docs/security.md.
 */
import { describe, expect, it } from "vitest";
import { KeyedMutex } from "../src/agents/keyed-mutex.js";
import { diagnose } from "../src/analysis/diagnose.js";
import { evidence } from "../src/analysis/test-evidence.js";
import { ApplyPolicy } from "../src/apply/policy.js";
import { IncidentState } from "../src/core/incident.js";
import type { CompletionRequest, LanguageModel } from "../src/llm/language-model.js";
import { createModelDiagnosis } from "../src/llm/model-diagnosis.js";
import { makeIncident } from "../src/store/incident-store.contract.js";
import { MemoryIncidentStore } from "../src/store/memory/memory-incident-store.js";
import { testEnvelope, waitFor } from "../src/transport/bus.contract.js";
import { MemoryBus } from "../src/transport/memory/memory-bus.js";

describe("bounded caches and registries", () => {
  it("the model answer cache keeps at most cacheSize incidents (the oldest is asked again)", async () => {
    const calls: string[] = [];
    const model: LanguageModel = {
      name: "counting",
      async complete(request: CompletionRequest) {
        calls.push(request.messages[0]?.content ?? "");
        return { content: "not json", usage: { inputTokens: 1, outputTokens: 1 } };
      },
    };
    const md = createModelDiagnosis({ model, cacheSize: 3, cacheTtlMs: 3_600_000 });
    const e = evidence();
    const d = diagnose(e);
    const ask = (id: string) => md.refine({ incidentId: id, evidence: e, diagnosis: d });
    for (let i = 0; i < 50; i++) await ask(`inc-${i}`);
    const afterFill = calls.length;
    // The 3 most recent are cached: no call.
    for (const id of ["inc-47", "inc-48", "inc-49"]) await ask(id);
    expect(calls.length).toBe(afterFill);
    // The first was evicted long ago: asked again.
    await ask("inc-0");
    expect(calls.length).toBeGreaterThan(afterFill);
  });

  it("the model answer cache forgets answers older than cacheTtlMs", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    let calls = 0;
    const model: LanguageModel = {
      name: "counting",
      async complete() {
        calls++;
        return { content: "not json", usage: { inputTokens: 1, outputTokens: 1 } };
      },
    };
    const md = createModelDiagnosis({
      model,
      cacheSize: 100,
      cacheTtlMs: 60_000,
      clock: () => new Date(now),
    });
    const e = evidence();
    const input = { incidentId: "inc-1", evidence: e, diagnosis: diagnose(e) };
    await md.refine(input);
    const first = calls;
    await md.refine(input);
    expect(calls).toBe(first);
    now += 61_000;
    await md.refine(input);
    expect(calls).toBeGreaterThan(first);
  });

  it("the memory bus forgets idempotency keys beyond dedupMaxKeys", async () => {
    const bus = new MemoryBus({ dedupMaxKeys: 10, dedupWindowMs: 3_600_000 });
    const got: string[] = [];
    await bus.consume("alerts", async (env) => void got.push(env.idempotencyKey), { durable: "c" });
    for (let i = 0; i < 100; i++) await bus.publish("alerts", testEnvelope("alerts", `k-${i}`));
    await waitFor(() => got.length === 100);
    // k-0 is long forgotten (taken again); k-99 is remembered (dropped as a duplicate).
    await bus.publish("alerts", testEnvelope("alerts", "k-0"));
    await bus.publish("alerts", testEnvelope("alerts", "k-99"));
    await waitFor(() => got.length === 101);
    await bus.close();
    expect(got.filter((k) => k === "k-0")).toHaveLength(2);
    expect(got.filter((k) => k === "k-99")).toHaveLength(1);
  });

  it("the memory bus keeps at most maxDeadLetters dead letters", async () => {
    const bus = new MemoryBus({ maxDeadLetters: 5 });
    let terminated = 0;
    await bus.consume(
      "alerts",
      async () => {
        terminated++;
        return { kind: "term" as const, reason: "poison" };
      },
      { durable: "c" },
    );
    for (let i = 0; i < 30; i++) await bus.publish("alerts", testEnvelope("alerts"));
    await waitFor(() => terminated === 30);
    await waitFor(async () => (await bus.deadLetters(1000)).length === 5);
    await bus.close();
  });

  it("the memory bus refuses work beyond maxPendingPerStage instead of queueing without end", async () => {
    const bus = new MemoryBus({ maxPendingPerStage: 20 });
    let refused = 0;
    for (let i = 0; i < 50; i++) {
      await bus.publish("alerts", testEnvelope("alerts")).catch(() => refused++);
    }
    expect(refused).toBe(30);
    await bus.close();
  });

  it("the keyed mutex holds no key once its tasks are done", async () => {
    const mutex = new KeyedMutex();
    let most = 0;
    await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        mutex.run(`key-${i % 50}`, async () => {
          most = Math.max(most, mutex.size);
          await Promise.resolve();
        }),
      ),
    );
    expect(most).toBeLessThanOrEqual(50);
    expect(mutex.size).toBe(0);
  });

  it("the apply policy's rate window holds at most ratePerHour applies", () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const policy = new ApplyPolicy({
      mode: "auto",
      rules: [],
      allowActions: ["restart"],
      allowNamespaces: ["shop"],
      ratePerHour: 3,
      clock: () => new Date(now),
    });
    const plan = {
      action: "restart" as const,
      target: { kind: "Deployment" as const, namespace: "shop", name: "a" },
    };
    const admitted = () =>
      Array.from({ length: 100 }, () => policy.admitAuto(plan).ok).filter(Boolean).length;
    expect(admitted()).toBe(3);
    now += 3_600_001;
    expect(admitted()).toBe(3);
  });

  it("the memory incident store keeps at most maxIncidents", async () => {
    const store = new MemoryIncidentStore({ maxIncidents: 10 });
    for (let i = 0; i < 100; i++) {
      await store.create(
        makeIncident({ id: `inc-${i}`, correlationKey: `key-${i}`, state: IncidentState.Resolved }),
      );
    }
    const page = await store.list({ limit: 500, offset: 0 });
    expect(page.total).toBe(10);
    expect(await store.get("inc-0")).toBeUndefined();
    expect(await store.get("inc-99")).toBeDefined();
  });
});

/**
 * The incident memory on a remote embedding model, chosen in the configuration: similar
 * incidents recalled through the Ollama API (in-process and through `aiops start`), one
 * vector space per model, and diagnoses that go on without memory when the model server
 * cannot answer.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import type { Incident } from "../src/core/incident.js";
import { freePort } from "../src/harness/nats-server.js";
import { createSystem, type System } from "../src/main.js";
import { createLogger } from "../src/observability/logger.js";
import type { FakeEmbeddingServer } from "./fakes/fake-http.js";
import { startFakeOllama } from "./fakes/ollama-embed-server.js";
import { haveBuild, postTo, startAgent, type AgentProcess } from "./helpers/processes.js";
import {
  loadScenario,
  relocate,
  snapshotOf,
  writeSnapshotFile,
  type ScenarioInput,
} from "./helpers/scenarios.js";
import { postFeedback, postWebhook, SCENARIOS, tempDir, waitForIncident } from "./helpers/system.js";

const OOM_FILE = join(SCENARIOS, "oom-python-report-export.json");

/** The OOM scenario and the same failure in three other places. */
function incidents(): ScenarioInput[] {
  const original = loadScenario(OOM_FILE);
  return [
    original,
    relocate(original, { namespace: "ledger-eu", app: "quote-svc" }),
    relocate(original, { namespace: "billing-us", app: "invoice-api" }),
    relocate(original, { namespace: "search-ap", app: "indexer-job" }),
  ];
}

function namespaceOf(input: ScenarioInput): string {
  return input.webhook.alerts[0]?.labels.namespace as string;
}

/** Lines a logger wrote, parsed. */
function captureLogs(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n"))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { stream, lines: () => lines };
}

describe.skipIf(!existsSync(OOM_FILE))("the incident memory on a remote embedding model", () => {
  let ollama: FakeEmbeddingServer;
  let system: System | undefined;
  beforeAll(async () => {
    ollama = await startFakeOllama();
  });
  afterAll(async () => {
    await ollama.close();
  });
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  async function start(
    env: NodeJS.ProcessEnv,
    db: string,
    inputs: ScenarioInput[],
    logger = createLogger({ level: "silent" }),
  ): Promise<System> {
    const config = loadConfig({ env: { ...env, AIOPS_DB_PATH: db, AIOPS_AUTH_DISABLED: "true" } });
    const started = await createSystem(config, { context: snapshotOf(inputs), logger });
    await started.start();
    return started;
  }

  async function diagnose(target: System, input: ScenarioInput): Promise<Incident> {
    await postWebhook(target, input.webhook);
    return waitForIncident(target, (i) => i.namespace === namespaceOf(input) && i.plan !== undefined);
  }

  it("recalls a similar past incident through Ollama's /api/embed with the configured model", async () => {
    const [first, second] = incidents() as [ScenarioInput, ScenarioInput];
    const before = ollama.requests.length;
    system = await start(
      { AIOPS_MEMORY_EMBEDDER: "ollama", OLLAMA_URL: ollama.url },
      join(tempDir(), "a.db"),
      [first, second],
    );

    const a = await diagnose(system, first);
    expect(a.diagnosis?.similar).toEqual([]);
    const b = await diagnose(system, second);
    expect(b.diagnosis?.category).toBe("oom_killed");
    expect(b.diagnosis?.similar?.[0]).toMatchObject({
      incidentId: a.id,
      category: "oom_killed",
      action: "increase_memory_limit",
    });
    expect(b.diagnosis?.similar?.[0]?.similarity).toBeGreaterThan(0.99);

    const calls = ollama.requests.slice(before);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.path).toBe("/api/embed");
      expect(call.body).toMatchObject({ model: "nomic-embed-text" });
    }
    const ready = await system.app.inject({ method: "GET", url: "/readyz" });
    expect(ready.json()).toMatchObject({ checks: { memory: { detail: "embedded/nomic-embed-text" } } });
  });

  it("keeps one vector space per model: what the hashing embedder remembered is not recalled through Ollama", async () => {
    const [first, second, third, fourth] = incidents() as [
      ScenarioInput,
      ScenarioInput,
      ScenarioInput,
      ScenarioInput,
    ];
    const all = [first, second, third, fourth];
    const db = join(tempDir(), "shared.db");

    system = await start({ AIOPS_MEMORY_EMBEDDER: "hashing" }, db, all);
    const a = await diagnose(system, first);
    await system.close();

    system = await start({ AIOPS_MEMORY_EMBEDDER: "ollama", OLLAMA_URL: ollama.url }, db, all);
    const b = await diagnose(system, second);
    expect(b.diagnosis?.similar).toEqual([]);
    const c = await diagnose(system, third);
    expect(c.diagnosis?.similar?.map((s) => s.incidentId)).toEqual([b.id]);
    await system.close();

    // The hashing space is still there, untouched by the Ollama vectors.
    system = await start({ AIOPS_MEMORY_EMBEDDER: "hashing" }, db, all);
    const d = await diagnose(system, fourth);
    expect(d.diagnosis?.similar?.map((s) => s.incidentId)).toEqual([a.id]);
  });

  it("diagnoses and plans without memory when the embedding server is unreachable, and says so", async () => {
    const [first] = incidents() as [ScenarioInput];
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const logs = captureLogs();
    system = await start(
      { AIOPS_MEMORY_EMBEDDER: "ollama", OLLAMA_URL: nobody },
      join(tempDir(), "down.db"),
      [first],
      createLogger({ level: "warn", destination: logs.stream }),
    );

    const incident = await diagnose(system, first);
    expect(incident.state).toBe("planned");
    expect(incident.diagnosis).toMatchObject({ category: "oom_killed", decidedBy: "analyzers" });
    expect(incident.diagnosis?.similar).toBeUndefined();
    expect(incident.plan?.action).toBe("increase_memory_limit");
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({
        incidentId: incident.id,
        msg: "incident memory unavailable; diagnosing without it",
      }),
    );

    const feedback = await postFeedback(system, incident.id, { verdict: "confirm" });
    expect(feedback.statusCode).toBe(200);

    const metrics = await system.metrics.registry.metrics();
    expect(metrics).toContain('aiops_memory_failures_total{operation="recall"} 1');
    expect(metrics).toContain('aiops_memory_failures_total{operation="learn"} 1');
  });

  it("treats a model server that answers too late or with errors like an absent one", async () => {
    const [first, second] = incidents() as [ScenarioInput, ScenarioInput];
    const slow = await startFakeOllama();
    try {
      slow.setDelay(2_000);
      system = await start(
        { AIOPS_MEMORY_EMBEDDER: "ollama", OLLAMA_URL: slow.url, AIOPS_OLLAMA_TIMEOUT_MS: "200" },
        join(tempDir(), "slow.db"),
        [first, second],
      );
      const late = await diagnose(system, first);
      expect(late.diagnosis).toMatchObject({ category: "oom_killed", decidedBy: "analyzers" });
      expect(late.diagnosis?.similar).toBeUndefined();

      slow.setDelay(0);
      slow.failNext(500, "model runner crashed", 5);
      const failing = await diagnose(system, second);
      expect(failing.diagnosis).toMatchObject({ category: "oom_killed", decidedBy: "analyzers" });
      expect(failing.plan?.action).toBe("increase_memory_limit");
      expect(await system.metrics.registry.metrics()).toContain(
        'aiops_memory_failures_total{operation="recall"} 2',
      );
    } finally {
      await system?.close();
      system = undefined;
      await slow.close();
    }
  });
});

// `aiops start` as users run it, from the build.
describe.skipIf(!haveBuild || !existsSync(OOM_FILE))("aiops start --memory-embedder ollama", () => {
  let ollama: FakeEmbeddingServer;
  let agent: AgentProcess | undefined;
  beforeAll(async () => {
    ollama = await startFakeOllama();
  });
  afterAll(async () => {
    await agent?.kill("SIGKILL");
    await ollama.close();
  });

  it("diagnoses a repeat incident with the earlier one as similar", async () => {
    const [first, second] = incidents() as [ScenarioInput, ScenarioInput];
    const dir = tempDir();
    const snapshot = writeSnapshotFile([first, second], join(dir, "cluster.json"));
    const port = await freePort();
    agent = startAgent("start", "start", port, [
      "--db",
      join(dir, "aiops.db"),
      "--snapshot",
      snapshot,
      "--memory-embedder",
      "ollama",
      "--ollama-url",
      ollama.url,
      "--log-level",
      "info",
    ]);
    await agent.ready();
    // Ready can be seen before the log line's pipe chunk is read.
    await expect
      .poll(() => agent?.lines() ?? [])
      .toContainEqual(expect.objectContaining({ msg: "aiops started", embedder: "ollama" }));

    const base = `http://127.0.0.1:${port}`;
    const planned = async (namespace: string): Promise<Incident> => {
      for (let i = 0; i < 400; i++) {
        const page = (await (
          await fetch(`${base}/api/incidents?state=planned&namespace=${namespace}`)
        ).json()) as {
          items: { id: string }[];
        };
        const id = page.items[0]?.id;
        if (id) return (await (await fetch(`${base}/api/incidents/${id}`)).json()) as Incident;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`no planned incident in ${namespace}`);
    };

    expect(await postTo(port, first.webhook)).toBe(202);
    const a = await planned(namespaceOf(first));
    expect(await postTo(port, second.webhook)).toBe(202);
    const b = await planned(namespaceOf(second));
    expect(b.diagnosis?.similar?.[0]).toMatchObject({ incidentId: a.id, category: "oom_killed" });
    expect(ollama.requests.length).toBeGreaterThan(0);
    expect(ollama.requests.every((r) => (r.body as { model?: string }).model === "nomic-embed-text")).toBe(
      true,
    );
    expect(await agent.kill("SIGTERM")).toBe(0);
    agent = undefined;
  }, 60_000);
});

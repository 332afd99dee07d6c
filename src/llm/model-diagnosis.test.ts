import { afterEach, describe, expect, it } from "vitest";
import { diagnose } from "../analysis/diagnose.js";
import { evidence } from "../analysis/test-evidence.js";
import { createMetrics } from "../observability/metrics.js";
import { startFakeOllama, type ChatScript } from "../../test/fakes/ollama-embed-server.js";
import { startFakeOpenAI } from "../../test/fakes/openai-embeddings-server.js";
import type { FakeEmbeddingServer } from "../../test/fakes/fake-http.js";
import type { LanguageModel } from "./language-model.js";
import { createModelDiagnosis } from "./model-diagnosis.js";
import { OllamaLanguageModel } from "./ollama/ollama-language-model.js";
import { OpenAILanguageModel } from "./openai/openai-language-model.js";

const VALID = JSON.stringify({
  summary: "The application exits with an error at start. Its logs show a bad flag.",
  category: "crash_loop_app_error",
  confidence: 0.8,
  evidence: ["E1"],
  contradicts: [],
  action: "manual",
  params: [],
  target: { kind: "", namespace: "", name: "", container: "" },
});

/** Answers from a list, one per call; the last repeats. */
function scripted(...answers: string[]): ChatScript {
  let i = 0;
  return () => answers[Math.min(i++, answers.length - 1)] ?? VALID;
}

interface Backend {
  name: string;
  start(script: ChatScript): Promise<FakeEmbeddingServer>;
  model(url: string): LanguageModel;
  path: string;
}

const BACKENDS: Backend[] = [
  {
    name: "ollama",
    start: (chat) => startFakeOllama({ chat }),
    model: (url) => new OllamaLanguageModel({ url }),
    path: "/api/chat",
  },
  {
    name: "openai",
    start: (chat) => startFakeOpenAI({ chat, chatModels: ["qwen2.5-7b-instruct"] }),
    model: (url) => new OpenAILanguageModel({ baseUrl: url, model: "qwen2.5-7b-instruct" }),
    path: "/v1/chat/completions",
  },
];

let server: FakeEmbeddingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each(BACKENDS)("model diagnosis through the $name fake", (backend) => {
  async function setup(script: ChatScript, timeoutMs = 5_000) {
    server = await backend.start(script);
    const metrics = createMetrics();
    const model = backend.model(server.url);
    const md = createModelDiagnosis({ model, metrics, timeoutMs });
    const e = evidence();
    return { md, metrics, e, d: diagnose(e), model, requests: server.requests };
  }
  const counter = async (metrics: ReturnType<typeof createMetrics>, name: string) =>
    (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];

  it("sends the schema, decides the long tail and counts calls and tokens", async () => {
    const { md, metrics, e, d, model, requests } = await setup(scripted(VALID));
    const out = await md.refine({ incidentId: "inc-1", evidence: e, diagnosis: d });
    expect(out.category).toBe("crash_loop_app_error");
    expect(out.model).toMatchObject({ model: model.name, verdict: "decided", calls: 1 });
    expect(out.model?.inputTokens).toBeGreaterThan(0);
    expect(out.model?.outputTokens).toBeGreaterThan(0);
    const chat = requests.filter((r) => r.path === backend.path);
    expect(chat).toHaveLength(1);
    const body = chat[0]?.body as { format?: unknown; response_format?: { type: string } };
    expect(body.format ?? body.response_format).toBeDefined();
    if (body.response_format) expect(body.response_format.type).toBe("json_schema");
    const calls = await counter(metrics, "aiops_model_calls_total");
    expect(calls).toContainEqual(
      expect.objectContaining({ labels: { model: model.name, outcome: "ok" }, value: 1 }),
    );
    const tokens = await counter(metrics, "aiops_model_tokens_total");
    expect(tokens.find((v) => v.labels["direction"] === "in")?.value).toBe(out.model?.inputTokens);
  });

  it("repairs one invalid answer", async () => {
    const { md, e, d, requests } = await setup(scripted("not json at all", VALID));
    const out = await md.refine({ incidentId: "inc-2", evidence: e, diagnosis: d });
    expect(out.model).toMatchObject({ verdict: "decided", calls: 2 });
    const second = requests.filter((r) => r.path === backend.path)[1]?.body as {
      messages: { content: string }[];
    };
    expect(second.messages.at(-1)?.content).toContain("rejected");
  });

  it("falls back to the analyzers after a second invalid answer, with the reason", async () => {
    const bad = JSON.stringify({ ...(JSON.parse(VALID) as object), action: "delete_namespace" });
    const { md, metrics, e, d } = await setup(scripted(bad, bad, VALID));
    const out = await md.refine({ incidentId: "inc-3", evidence: e, diagnosis: d });
    expect(out.category).toBe(d.category);
    expect(out.decidedBy).toBe("analyzers");
    expect(out.model).toMatchObject({ verdict: "failed", calls: 2 });
    expect(out.model?.reason).toMatch(/^invalid: .*action/);
    const failures = await counter(metrics, "aiops_model_failures_total");
    expect(failures).toContainEqual(
      expect.objectContaining({ labels: expect.objectContaining({ reason: "invalid" }) }),
    );
  });

  it("falls back on a server error", async () => {
    const { md, e, d } = await setup(scripted(VALID));
    server?.failNext(500, "model runner crashed");
    const out = await md.refine({ incidentId: "inc-4", evidence: e, diagnosis: d });
    expect(out.model).toMatchObject({ verdict: "failed", calls: 1 });
    expect(out.model?.reason).toMatch(/^error: .*500/);
    expect(out.category).toBe(d.category);
  });

  it("falls back on a slow answer after the timeout", async () => {
    const { md, metrics, e, d } = await setup(scripted(VALID), 200);
    server?.setDelay(2_000);
    const out = await md.refine({ incidentId: "inc-5", evidence: e, diagnosis: d });
    expect(out.model).toMatchObject({ verdict: "failed" });
    expect(out.model?.reason).toMatch(/^timeout/);
    const calls = await counter(metrics, "aiops_model_calls_total");
    expect(calls).toContainEqual(
      expect.objectContaining({ labels: expect.objectContaining({ outcome: "timeout" }) }),
    );
  });

  it("never calls the model twice for a repeat of the same incident", async () => {
    const { md, e, d, requests } = await setup(scripted(VALID));
    const first = await md.refine({ incidentId: "inc-6", evidence: e, diagnosis: d });
    const again = await md.refine({ incidentId: "inc-6", evidence: e, diagnosis: d });
    expect(requests.filter((r) => r.path === backend.path)).toHaveLength(1);
    expect(again.category).toBe(first.category);
    expect(again.model).toMatchObject({ calls: 0, cached: true });
    await md.refine({ incidentId: "inc-7", evidence: e, diagnosis: d });
    expect(requests.filter((r) => r.path === backend.path)).toHaveLength(2);
  });
});

describe("fake Ollama /api/generate", () => {
  it("answers a prompt with the script, as Ollama documents", async () => {
    server = await startFakeOllama({ chat: scripted(VALID) });
    const res = await fetch(`${server.url}/api/generate`, {
      method: "POST",
      body: JSON.stringify({ model: "mistral", prompt: "Why?", stream: false }),
    });
    const body = (await res.json()) as { response: string; done: boolean; eval_count: number };
    expect(body).toMatchObject({ response: VALID, done: true });
    const missing = await fetch(`${server.url}/api/generate`, {
      method: "POST",
      body: JSON.stringify({ model: "llama3", prompt: "Why?" }),
    });
    expect(missing.status).toBe(404);
  });
});

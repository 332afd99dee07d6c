import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BackendError, InputError } from "../../core/errors.js";
import { startFakeOllama } from "../../../test/fakes/ollama-embed-server.js";
import type { FakeEmbeddingServer } from "../../../test/fakes/fake-http.js";
import { OllamaEmbedder } from "./ollama-embedder.js";

let server: FakeEmbeddingServer;

beforeEach(async () => {
  server = await startFakeOllama({ models: { "nomic-embed-text": 768, "all-minilm": 384 } });
});
afterEach(async () => {
  await server.close();
});

async function rejection(p: Promise<unknown>): Promise<BackendError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BackendError);
  return err as BackendError;
}

describe("OllamaEmbedder", () => {
  it("embeds through POST /api/embed with nomic-embed-text by default and learns the dimension", async () => {
    const e = new OllamaEmbedder({ url: `${server.url}/` });
    expect(e.model).toBe("nomic-embed-text");
    const [v] = await e.embed(["alert: podoomkilled"]);
    expect(v).toBeInstanceOf(Float32Array);
    expect(v?.length).toBe(768);
    expect(await e.dimension()).toBe(768);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      method: "POST",
      path: "/api/embed",
      body: { model: "nomic-embed-text", input: ["alert: podoomkilled"] },
    });
  });

  it("embeds several texts in one request, in order", async () => {
    const e = new OllamaEmbedder({ url: server.url, model: "all-minilm" });
    const [a, b, c] = await e.embed(["one", "two", "one"]);
    expect(a?.length).toBe(384);
    expect(Array.from(a ?? [])).toEqual(Array.from(c ?? []));
    expect(Array.from(a ?? [])).not.toEqual(Array.from(b ?? []));
    expect(server.requests).toHaveLength(1);
    expect(await e.embed([])).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it("asks for one vector to learn the dimension before any embedding", async () => {
    expect(await new OllamaEmbedder({ url: server.url, model: "all-minilm" }).dimension()).toBe(384);
  });

  it("an unknown model is a non-retryable error naming the model", async () => {
    const err = await rejection(new OllamaEmbedder({ url: server.url, model: "nope-embed" }).embed(["x"]));
    expect(err.backend).toBe("ollama");
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("nope-embed");
    expect(err.message).toContain("not found, try pulling it first");
    expect(err.message).toContain("404");
  });

  it("a 500 is retryable and carries the server's message", async () => {
    server.failNext(500, "llama runner process has terminated: signal: killed");
    const err = await rejection(new OllamaEmbedder({ url: server.url }).embed(["x"]));
    expect(err.retryable).toBe(true);
    expect(err.message).toContain("llama runner process has terminated");
  });

  it("a 400 is not retryable", async () => {
    server.failNext(400, "input length exceeds the context length");
    const err = await rejection(new OllamaEmbedder({ url: server.url }).embed(["x"]));
    expect(err.retryable).toBe(false);
  });

  it("a slow server times out, retryable", async () => {
    server.setDelay(20_000);
    const started = Date.now();
    const err = await rejection(new OllamaEmbedder({ url: server.url, timeoutMs: 150 }).embed(["x"]));
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/within 150 ms/);
    // Cut short, not waited out (loose: the machine may be busy).
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("an unreachable server is retryable", async () => {
    const url = server.url;
    await server.close();
    server = await startFakeOllama();
    const err = await rejection(new OllamaEmbedder({ url: url.replace(/:\d+$/, ":1") }).embed(["x"]));
    expect(err.retryable).toBe(true);
  });

  it("the caller's abort rejects with the caller's reason", async () => {
    server.setDelay(2_000);
    const ctl = new AbortController();
    const p = new OllamaEmbedder({ url: server.url }).embed(["x"], ctl.signal);
    ctl.abort(new Error("shutting down"));
    await expect(p).rejects.toThrow("shutting down");
  });

  it("a non-http url is rejected at construction", () => {
    expect(() => new OllamaEmbedder({ url: "localhost:11434" })).toThrow(InputError);
  });

  it("answers of another shape are non-retryable errors", async () => {
    const fake: typeof fetch = () =>
      Promise.resolve(new Response(JSON.stringify({ embeddings: [[1, 2], [3]] })));
    const err = await rejection(new OllamaEmbedder({ url: server.url, fetch: fake }).embed(["a", "b"]));
    expect(err.retryable).toBe(false);
  });
});

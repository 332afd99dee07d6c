import { afterEach, describe, expect, it } from "vitest";
import { BackendError, InputError } from "../../core/errors.js";
import { startFakeOpenAI, type FakeOpenAIOptions } from "../../../test/fakes/openai-embeddings-server.js";
import type { FakeEmbeddingServer } from "../../../test/fakes/fake-http.js";
import { OpenAIEmbedder } from "./openai-embedder.js";

const KEY = "sk-test-0123456789";
let server: FakeEmbeddingServer | undefined;

async function start(options: FakeOpenAIOptions = {}): Promise<FakeEmbeddingServer> {
  server = await startFakeOpenAI({
    apiKey: KEY,
    models: { "text-embedding-3-small": 1536, "bge-small": 384 },
    ...options,
  });
  return server;
}
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function rejection(p: Promise<unknown>): Promise<BackendError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BackendError);
  return err as BackendError;
}

describe("OpenAIEmbedder", () => {
  it("embeds through POST /v1/embeddings with a Bearer key, baseUrl without /v1", async () => {
    const s = await start();
    const e = new OpenAIEmbedder({ baseUrl: s.url, apiKey: KEY, model: "text-embedding-3-small" });
    const [v] = await e.embed(["alert: podoomkilled"]);
    expect(v?.length).toBe(1536);
    expect(await e.dimension()).toBe(1536);
    expect(s.requests[0]).toMatchObject({
      method: "POST",
      path: "/v1/embeddings",
      body: { model: "text-embedding-3-small", input: ["alert: podoomkilled"], encoding_format: "float" },
    });
    expect(s.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("accepts a baseUrl ending in /v1 and asks for shorter vectors", async () => {
    const s = await start();
    const e = new OpenAIEmbedder({
      baseUrl: `${s.url}/v1/`,
      apiKey: KEY,
      model: "text-embedding-3-small",
      dimensions: 256,
    });
    expect(await e.dimension()).toBe(256);
    const [v] = await e.embed(["x"]);
    expect(v?.length).toBe(256);
    expect(s.requests[0]).toMatchObject({ path: "/v1/embeddings", body: { dimensions: 256 } });
  });

  it("puts several results back in input order by index", async () => {
    const s = await start({ reverseOrder: true });
    const e = new OpenAIEmbedder({ baseUrl: s.url, apiKey: KEY, model: "bge-small" });
    const [a, b, c] = await e.embed(["one", "two", "three"]);
    const [a1] = await e.embed(["one"]);
    const [c1] = await e.embed(["three"]);
    expect(Array.from(a ?? [])).toEqual(Array.from(a1 ?? []));
    expect(Array.from(c ?? [])).toEqual(Array.from(c1 ?? []));
    expect(Array.from(b ?? [])).not.toEqual(Array.from(a ?? []));
  });

  it("an unknown model is a non-retryable 404 naming the model", async () => {
    const s = await start();
    const err = await rejection(
      new OpenAIEmbedder({ baseUrl: s.url, apiKey: KEY, model: "ada-999" }).embed(["x"]),
    );
    expect(err.backend).toBe("openai");
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("ada-999");
    expect(err.message).toContain("404");
    expect(err.message).toContain("model_not_found");
  });

  it("a wrong or missing key is a non-retryable 401", async () => {
    const s = await start();
    for (const apiKey of ["sk-wrong", undefined]) {
      const err = await rejection(
        new OpenAIEmbedder({ baseUrl: s.url, apiKey, model: "bge-small" }).embed(["x"]),
      );
      expect(err.retryable).toBe(false);
      expect(err.message).toContain("401");
    }
  });

  it("a 500 is retryable and carries the server's message", async () => {
    const s = await start();
    s.failNext(500, "The server had an error while processing your request.");
    const err = await rejection(
      new OpenAIEmbedder({ baseUrl: s.url, apiKey: KEY, model: "bge-small" }).embed(["x"]),
    );
    expect(err.retryable).toBe(true);
    expect(err.message).toContain("The server had an error");
  });

  it("a 429 is retryable", async () => {
    const s = await start();
    s.failNext(429, "Rate limit reached");
    const err = await rejection(
      new OpenAIEmbedder({ baseUrl: s.url, apiKey: KEY, model: "bge-small" }).embed(["x"]),
    );
    expect(err.retryable).toBe(true);
  });

  it("a slow server times out, retryable", async () => {
    const s = await start();
    s.setDelay(2_000);
    const e = new OpenAIEmbedder({ baseUrl: s.url, apiKey: KEY, model: "bge-small", timeoutMs: 150 });
    const err = await rejection(e.embed(["x"]));
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/within 150 ms/);
  });

  it("rejects bad options at construction", () => {
    expect(() => new OpenAIEmbedder({ baseUrl: "api.openai.com", model: "m" })).toThrow(InputError);
    expect(() => new OpenAIEmbedder({ baseUrl: "http://x", model: "" })).toThrow(InputError);
    expect(() => new OpenAIEmbedder({ baseUrl: "http://x", model: "m", dimensions: 0 })).toThrow(InputError);
  });

  it("answers with missing or repeated indexes are non-retryable errors", async () => {
    const body = {
      object: "list",
      data: [
        { index: 0, embedding: [1] },
        { index: 0, embedding: [2] },
      ],
      model: "m",
    };
    const fake: typeof fetch = () => Promise.resolve(new Response(JSON.stringify(body)));
    const err = await rejection(
      new OpenAIEmbedder({ baseUrl: "http://x", model: "m", fetch: fake }).embed(["a", "b"]),
    );
    expect(err.retryable).toBe(false);
  });
});

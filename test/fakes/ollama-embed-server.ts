import {
  fakeVector,
  startJsonServer,
  type FakeEmbeddingServer,
  type RecordedRequest,
  type Reply,
} from "./fake-http.js";

/**
 * A fake Ollama server for `POST /api/embed` (and `GET /api/tags`) as Ollama documents it: `{model, input:
 * string | string[]}` → `{model, embeddings: number[][], total_duration,
 * load_duration, prompt_eval_count}`; errors as `{error: "..."}` (404 for a model that
 * was not pulled, 400 for a bad request). Model names match with or without ":latest".
 */
export interface FakeOllamaOptions {
  /** Pulled embedding models and their dimension; nomic-embed-text (768) by default. */
  models?: Record<string, number>;
}

export function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeEmbeddingServer> {
  const models = options.models ?? { "nomic-embed-text": 768 };
  const dimensionOf = (name: string): number | undefined =>
    models[name] ?? models[name.replace(/:latest$/, "")] ?? models[`${name}:latest`];
  const error = (status: number, message: string): Reply => ({ status, body: { error: message } });

  const handle = (req: RecordedRequest): Reply => {
    if (req.path === "/api/tags" && req.method === "GET") {
      // GET /api/tags: the pulled models, as Ollama lists them.
      return {
        status: 200,
        body: {
          models: Object.keys(models).map((name) => ({
            name: name.includes(":") ? name : `${name}:latest`,
            model: name.includes(":") ? name : `${name}:latest`,
            modified_at: "2026-01-01T00:00:00Z",
            size: 274302450,
            digest: "0a109f422b47e3a30ba2b10eca18548e944e8a23073ee3f3e947efcf3c45e59f",
            details: {
              format: "gguf",
              family: "nomic-bert",
              parameter_size: "137M",
              quantization_level: "F16",
            },
          })),
        },
      };
    }
    if (req.path !== "/api/embed") return { status: 404, body: "404 page not found" };
    if (req.method !== "POST") return { status: 405, body: "405 method not allowed" };
    const body = req.body as { model?: unknown; input?: unknown } | undefined;
    if (typeof body?.model !== "string" || body.model === "") return error(400, "model is required");
    const dimension = dimensionOf(body.model);
    if (dimension === undefined) return error(404, `model "${body.model}" not found, try pulling it first`);
    const input = body.input;
    const texts = typeof input === "string" ? [input] : input === undefined ? [] : input;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string"))
      return error(400, "invalid input type");
    return {
      status: 200,
      body: {
        model: body.model,
        embeddings: texts.map((t: string) => fakeVector(t, dimension)),
        total_duration: 14_143_917,
        load_duration: 1_019_500,
        prompt_eval_count: texts.reduce((n: number, t: string) => n + t.split(/\s+/).length, 0),
      },
    };
  };
  return startJsonServer(handle, (_status, message) => ({ error: message }));
}

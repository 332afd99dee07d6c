import {
  fakeVector,
  startJsonServer,
  type FakeEmbeddingServer,
  type RecordedRequest,
  type Reply,
} from "./fake-http.js";

/**
 * A fake Ollama server for `POST /api/embed`, `POST /api/chat`, `POST /api/generate` and
 * `GET /api/tags` as Ollama documents them. /api/embed: `{model, input:
 * string | string[]}` → `{model, embeddings: number[][], total_duration,
 * load_duration, prompt_eval_count}`; errors as `{error: "..."}` (404 for a model that
 * was not pulled, 400 for a bad request). Model names match with or without ":latest".
 */
export interface FakeOllamaOptions {
  /** Pulled embedding models and their dimension; nomic-embed-text (768) by default. */
  models?: Record<string, number>;
  /** Pulled chat models (mistral by default when a script is given) and the script of their answers. */
  chatModels?: string[];
  chat?: ChatScript;
}

/** A chat request as the fakes pass it to a script: the messages and the requested schema. */
export interface ScriptedChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  schema: unknown;
}

/** The answer text of the assistant for a request (JSON or not: the script decides). */
export type ChatScript = (request: ScriptedChatRequest) => string;

/** Word count as a stand-in for a tokenizer. */
export function fakeTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

const DEFAULT_SCRIPT: ChatScript = () =>
  JSON.stringify({
    summary: "The evidence does not show a known failure mode.",
    category: "unknown",
    confidence: 0.3,
    evidence: [],
    contradicts: [],
    action: "manual",
    params: [],
    target: { kind: "", namespace: "", name: "", container: "" },
  });

export function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeEmbeddingServer> {
  const models = options.models ?? { "nomic-embed-text": 768 };
  const dimensionOf = (name: string): number | undefined =>
    models[name] ?? models[name.replace(/:latest$/, "")] ?? models[`${name}:latest`];
  const error = (status: number, message: string): Reply => ({ status, body: { error: message } });
  // Chat models exist only in a fake asked to chat: the embedding-only fake lists none.
  const chatModels = options.chatModels ?? (options.chat ? ["mistral"] : []);
  const script = options.chat ?? DEFAULT_SCRIPT;
  const isChatModel = (name: string): boolean =>
    chatModels.some((m) => m === name || `${m}:latest` === name || m === `${name}:latest`);
  const timings = {
    total_duration: 4_935_886_791,
    load_duration: 534_986_708,
    prompt_eval_duration: 107_345_000,
  };

  // POST /api/chat {model, messages, stream: false, format, options} → {model, created_at,
  // message: {role: "assistant", content}, done, done_reason, prompt_eval_count, eval_count, ...}.
  // POST /api/generate {model, prompt, system, format, stream: false} → {model, created_at,
  // response, done, done_reason, context, prompt_eval_count, eval_count, ...}.
  const generate = (req: RecordedRequest): Reply => {
    if (req.method !== "POST") return { status: 405, body: "405 method not allowed" };
    const body = req.body as
      | { model?: unknown; messages?: unknown; prompt?: unknown; system?: unknown; format?: unknown }
      | undefined;
    if (typeof body?.model !== "string" || body.model === "") return error(400, "model is required");
    if (!isChatModel(body.model)) return error(404, `model "${body.model}" not found, try pulling it first`);
    const chat = req.path === "/api/chat";
    const messages = chat
      ? body.messages
      : [
          ...(typeof body.system === "string" ? [{ role: "system", content: body.system }] : []),
          { role: "user", content: body.prompt },
        ];
    if (
      !Array.isArray(messages) ||
      !messages.every((m) => typeof (m as { content?: unknown }).content === "string")
    )
      return error(400, "invalid message format");
    const typed = messages as { role: string; content: string }[];
    const content = script({ model: body.model, messages: typed, schema: body.format });
    const common = {
      model: body.model,
      created_at: "2026-01-01T00:00:00.000000Z",
      done: true,
      done_reason: "stop",
      ...timings,
      prompt_eval_count: typed.reduce((n, m) => n + fakeTokens(m.content), 0),
      eval_count: fakeTokens(content),
      eval_duration: 4_799_921_000,
    };
    return {
      status: 200,
      body: chat
        ? { ...common, message: { role: "assistant", content } }
        : { ...common, response: content, context: [1, 2, 3] },
    };
  };

  const handle = (req: RecordedRequest): Reply => {
    if (req.path === "/api/chat" || req.path === "/api/generate") return generate(req);
    if (req.path === "/api/tags" && req.method === "GET") {
      // GET /api/tags: the pulled models, as Ollama lists them.
      return {
        status: 200,
        body: {
          models: [...Object.keys(models), ...chatModels].map((name) => ({
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

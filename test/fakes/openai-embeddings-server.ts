import {
  fakeVector,
  startJsonServer,
  type FakeEmbeddingServer,
  type RecordedRequest,
  type Reply,
} from "./fake-http.js";
import { fakeTokens, type ChatScript } from "./ollama-embed-server.js";

/**
 * A fake OpenAI-compatible server for `POST /v1/embeddings` and `POST
 * /v1/chat/completions` as OpenAI documents them. Chat: `{model, messages,
 * response_format: {type: "json_schema", json_schema: {name, schema, strict}}}` →
 * `{id, object: "chat.completion", created, model, choices: [{index, message: {role,
 * content, refusal}, finish_reason}], usage: {prompt_tokens, completion_tokens,
 * total_tokens}}`, the content from a script. Embeddings:
 * `{model, input: string | string[], dimensions?, encoding_format?}` → `{object: "list",
 * data: [{object: "embedding", index, embedding}], model, usage: {prompt_tokens,
 * total_tokens}}`; errors as `{error: {message, type, param, code}}`: 401 for a missing
 * or wrong Bearer key, 404 `model_not_found`, 400 `invalid_request_error`, 500
 * `server_error`.
 */
export interface FakeOpenAIOptions {
  /** Models and their native dimension; text-embedding-3-small (1536) by default. */
  models?: Record<string, number>;
  /** When set, requests need `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Answer `data` in reverse order, as the API allows (clients must sort by index). */
  reverseOrder?: boolean;
  /** Chat models and the script of their answers. */
  chatModels?: string[];
  chat?: ChatScript;
}

function errorBody(status: number, message: string, code: string | null = null): unknown {
  const type =
    status >= 500 ? "server_error" : status === 429 ? "rate_limit_exceeded" : "invalid_request_error";
  return { error: { message, type, param: null, code } };
}

export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeEmbeddingServer> {
  const models = options.models ?? { "text-embedding-3-small": 1536 };
  const fail = (status: number, message: string, code: string | null = null): Reply => ({
    status,
    body: errorBody(status, message, code),
  });

  const chatModels = options.chatModels ?? ["gpt-4o-mini"];
  const chat = (req: RecordedRequest): Reply => {
    const body = req.body as { model?: unknown; messages?: unknown; response_format?: unknown } | undefined;
    if (typeof body?.model !== "string") return fail(400, "you must provide a model parameter");
    if (!chatModels.includes(body.model))
      return fail(
        404,
        `The model \`${body.model}\` does not exist or you do not have access to it.`,
        "model_not_found",
      );
    const messages = body.messages;
    if (
      !Array.isArray(messages) ||
      messages.length === 0 ||
      !messages.every((m) => typeof (m as { content?: unknown }).content === "string")
    )
      return fail(400, "Invalid value for 'messages': expected a non-empty array of messages.");
    const typed = messages as { role: string; content: string }[];
    const format = body.response_format as { json_schema?: { schema?: unknown } } | undefined;
    const content = (options.chat ?? (() => "{}"))({
      model: body.model,
      messages: typed,
      schema: format?.json_schema?.schema,
    });
    const promptTokens = typed.reduce((n, m) => n + fakeTokens(m.content), 0);
    const completionTokens = fakeTokens(content);
    return {
      status: 200,
      body: {
        id: "chatcmpl-fake",
        object: "chat.completion",
        created: 1767225600,
        model: body.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content, refusal: null },
            logprobs: null,
            finish_reason: "stop",
          },
        ],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
        },
      },
    };
  };

  const handle = (req: RecordedRequest): Reply => {
    const known = req.path === "/v1/embeddings" || req.path === "/v1/chat/completions";
    if (!known || req.method !== "POST") return fail(404, `Invalid URL (${req.method} ${req.path})`);
    if (options.apiKey !== undefined) {
      const auth = req.headers.authorization;
      if (!auth?.startsWith("Bearer "))
        return fail(
          401,
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.",
        );
      if (auth.slice("Bearer ".length) !== options.apiKey)
        return fail(401, "Incorrect API key provided.", "invalid_api_key");
    }
    if (req.path === "/v1/chat/completions") return chat(req);
    const body = req.body as { model?: unknown; input?: unknown; dimensions?: unknown } | undefined;
    if (typeof body?.model !== "string") return fail(400, "you must provide a model parameter");
    const native = models[body.model];
    if (native === undefined)
      return fail(
        404,
        `The model \`${body.model}\` does not exist or you do not have access to it.`,
        "model_not_found",
      );
    const input = body.input;
    const texts = typeof input === "string" ? [input] : input;
    if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === "string" && t !== ""))
      return fail(
        400,
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
      );
    let dimension = native;
    if (body.dimensions !== undefined) {
      if (typeof body.dimensions !== "number" || !Number.isInteger(body.dimensions) || body.dimensions < 1)
        return fail(400, "Invalid value for 'dimensions' = must be a positive integer.");
      dimension = Math.min(body.dimensions, native);
    }
    const data = (texts as string[]).map((t, index) => ({
      object: "embedding",
      index,
      embedding: fakeVector(t, dimension),
    }));
    if (options.reverseOrder) data.reverse();
    const tokens = (texts as string[]).reduce((n, t) => n + t.split(/\s+/).length, 0);
    return {
      status: 200,
      body: {
        object: "list",
        data,
        model: body.model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      },
    };
  };
  return startJsonServer(handle, (status, message) => errorBody(status, message));
}

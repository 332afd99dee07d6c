import {
  fakeVector,
  startJsonServer,
  type FakeEmbeddingServer,
  type RecordedRequest,
  type Reply,
} from "./fake-http.js";

/**
 * A fake OpenAI-compatible server for `POST /v1/embeddings` as OpenAI documents it:
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

  const handle = (req: RecordedRequest): Reply => {
    if (req.path !== "/v1/embeddings" || req.method !== "POST")
      return fail(404, `Invalid URL (${req.method} ${req.path})`);
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

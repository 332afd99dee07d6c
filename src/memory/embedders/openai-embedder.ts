import { BackendError, InputError } from "../../core/errors.js";
import type { Embedder } from "../embedder.js";
import { isRetryableStatus } from "../../core/http-status.js";
import { checkedDimension, postJson, toVectors, trimSlash } from "./http.js";

export interface OpenAIEmbedderOptions {
  /** The API base, with or without `/v1`: https://api.openai.com, http://localhost:8000/v1. */
  baseUrl: string;
  /** Sent as a Bearer token when set (local servers often need none). */
  apiKey?: string;
  model: string;
  /** Asks the model for shorter vectors (text-embedding-3 and later). */
  dimensions?: number;
  /** Bound on one request, body included; 30 s by default. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const BACKEND = "openai";

/**
 * Embeddings from any OpenAI-compatible server through `POST /v1/embeddings`
 * (`{model, input, encoding_format: "float"}` → `{object: "list", data: [{index,
 * embedding}], model, usage}`); results are put back in input order by `index`.
 */
export class OpenAIEmbedder implements Embedder {
  readonly model: string;
  readonly #url: string;
  readonly #apiKey: string | undefined;
  readonly #dimensions: number | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  #dimension: number | undefined;

  constructor(options: OpenAIEmbedderOptions) {
    if (!/^https?:\/\//.test(options.baseUrl))
      throw new InputError(`openai baseUrl must be http(s): ${options.baseUrl}`, "baseUrl");
    if (!options.model) throw new InputError("openai embedding model is required", "model");
    if (options.dimensions !== undefined && (!Number.isInteger(options.dimensions) || options.dimensions < 1))
      throw new InputError(`openai dimensions must be a positive integer`, "dimensions");
    const base = trimSlash(options.baseUrl);
    this.#url = `${/\/v1$/.test(base) ? base : `${base}/v1`}/embeddings`;
    this.model = options.model;
    this.#apiKey = options.apiKey || undefined;
    this.#dimensions = options.dimensions;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  async dimension(): Promise<number> {
    if (this.#dimension === undefined) {
      if (this.#dimensions !== undefined) return this.#dimensions;
      await this.embed(["dimension"]);
    }
    return this.#dimension ?? 0;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const payload: Record<string, unknown> = {
      model: this.model,
      input: [...texts],
      encoding_format: "float",
    };
    if (this.#dimensions !== undefined) payload.dimensions = this.#dimensions;
    const res = await postJson(this.#fetch, BACKEND, this.#url, payload, {
      timeoutMs: this.#timeoutMs,
      signal,
      headers: this.#apiKey ? { authorization: `Bearer ${this.#apiKey}` } : {},
    });
    if (res.status !== 200) {
      const error = (res.body as { error?: { message?: unknown; code?: unknown } } | undefined)?.error;
      const message =
        typeof error?.message === "string" ? error.message : res.text.slice(0, 200) || `HTTP ${res.status}`;
      const code = typeof error?.code === "string" ? `, ${error.code}` : "";
      throw new BackendError(
        `openai model ${this.model}: ${message} (HTTP ${res.status}${code})`,
        BACKEND,
        isRetryableStatus(res.status),
      );
    }
    const data = (res.body as { data?: unknown } | undefined)?.data;
    if (!Array.isArray(data)) throw new BackendError("openai: the answer has no data", BACKEND, false);
    const rows: unknown[] = new Array<unknown>(texts.length);
    for (const [i, item] of data.entries()) {
      const entry = item as { index?: unknown; embedding?: unknown } | null;
      const index = typeof entry?.index === "number" ? entry.index : i;
      if (!Number.isInteger(index) || index < 0 || index >= texts.length || rows[index] !== undefined)
        throw new BackendError(
          `openai: bad or repeated index ${String(index)} in the answer`,
          BACKEND,
          false,
        );
      rows[index] = entry?.embedding;
    }
    if (data.length !== texts.length)
      throw new BackendError(
        `openai: expected ${texts.length} embeddings, got ${data.length}`,
        BACKEND,
        false,
      );
    const vectors = toVectors(BACKEND, rows, texts.length);
    this.#dimension = checkedDimension(BACKEND, this.model, this.#dimension, vectors);
    return vectors;
  }
}

import { BackendError, InputError } from "../../core/errors.js";
import type { Embedder } from "../embedder.js";
import { isRetryableStatus } from "../../core/http-status.js";
import { checkedDimension, postJson, toVectors, trimSlash } from "./http.js";

export interface OllamaEmbedderOptions {
  /** The Ollama server, e.g. http://localhost:11434. */
  url: string;
  /** An embedding model the server has pulled; "nomic-embed-text" by default. */
  model?: string;
  /** Bound on one request, body included; 30 s by default. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const BACKEND = "ollama";

/**
 * Embeddings from an Ollama server through `POST /api/embed` (`{model, input}` →
 * `{model, embeddings}`), several texts per request. The dimension is learnt from the
 * first answer; an answer of another length later is an error, since the vectors would
 * not fit the collection.
 */
export class OllamaEmbedder implements Embedder {
  readonly model: string;
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  #dimension: number | undefined;

  constructor(options: OllamaEmbedderOptions) {
    if (!/^https?:\/\//.test(options.url))
      throw new InputError(`ollama url must be http(s): ${options.url}`, "url");
    this.#url = `${trimSlash(options.url)}/api/embed`;
    this.model = options.model ?? "nomic-embed-text";
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  async dimension(): Promise<number> {
    if (this.#dimension === undefined) await this.embed(["dimension"]);
    return this.#dimension ?? 0;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const res = await postJson(
      this.#fetch,
      BACKEND,
      this.#url,
      { model: this.model, input: [...texts] },
      { timeoutMs: this.#timeoutMs, signal },
    );
    if (res.status !== 200) {
      const error = (res.body as { error?: unknown } | undefined)?.error;
      const message = typeof error === "string" ? error : res.text.slice(0, 200) || `HTTP ${res.status}`;
      throw new BackendError(
        `ollama model ${this.model}: ${message} (HTTP ${res.status})`,
        BACKEND,
        isRetryableStatus(res.status),
      );
    }
    const embeddings = (res.body as { embeddings?: unknown } | undefined)?.embeddings;
    if (!Array.isArray(embeddings))
      throw new BackendError("ollama: the answer has no embeddings", BACKEND, false);
    const vectors = toVectors(BACKEND, embeddings, texts.length);
    this.#dimension = checkedDimension(BACKEND, this.model, this.#dimension, vectors);
    return vectors;
  }
}

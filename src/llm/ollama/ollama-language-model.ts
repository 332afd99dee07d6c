import { Ollama } from "ollama";
import { InputError, type BackendError } from "../../core/errors.js";
import { trimSlash } from "../../memory/embedders/http.js";
import { modelServerError } from "../backend-error.js";
import type { Completion, CompletionRequest, LanguageModel } from "../language-model.js";

export interface OllamaLanguageModelOptions {
  /** The Ollama server, e.g. http://localhost:11434. */
  url: string;
  /** A chat model the server has pulled; mistral by default, as the seed. */
  model?: string;
  /** How long Ollama keeps the model loaded after the call (its `keep_alive`). */
  keepAlive?: string;
  /** Sampling temperature; 0 by default, so one incident gets one answer. */
  temperature?: number;
  /** For tests and proxies; the global fetch by default. */
  fetch?: typeof fetch;
}

export const DEFAULT_OLLAMA_CHAT_MODEL = "mistral";
const BACKEND = "ollama";

/**
 * A chat model on Ollama through the official `ollama` client: `POST /api/chat` with
 * `stream: false` and `format` set to the answer's JSON Schema (structured outputs);
 * token counts from `prompt_eval_count` and `eval_count`.
 */
export class OllamaLanguageModel implements LanguageModel {
  readonly name: string;
  readonly #fetch: typeof fetch;
  readonly #model: string;
  readonly #url: string;
  readonly #keepAlive: string | undefined;
  readonly #temperature: number;

  constructor(options: OllamaLanguageModelOptions) {
    if (!/^https?:\/\//.test(options.url))
      throw new InputError(`ollama url must be http(s): ${options.url}`, "url");
    this.#model = options.model ?? DEFAULT_OLLAMA_CHAT_MODEL;
    this.#url = trimSlash(options.url);
    this.#keepAlive = options.keepAlive;
    this.#temperature = options.temperature ?? 0;
    this.name = `${BACKEND}/${this.#model}`;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const client = this.#client(request.signal);
    try {
      const res = await client.chat({
        model: this.#model,
        stream: false,
        format: request.schema,
        messages: [{ role: "system", content: request.system }, ...request.messages],
        options: { temperature: this.#temperature },
        ...(this.#keepAlive ? { keep_alive: this.#keepAlive } : {}),
      });
      return {
        content: res.message.content,
        usage: { inputTokens: res.prompt_eval_count ?? 0, outputTokens: res.eval_count ?? 0 },
      };
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      throw toBackendError(error, this.#url);
    }
  }

  /** The client takes no per-call signal: each call gets a client whose fetch carries it. */
  #client(signal: AbortSignal | undefined): Ollama {
    const base = this.#fetch;
    const bound: typeof fetch = signal
      ? (input, init) =>
          base(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal })
      : base;
    return new Ollama({ host: this.#url, fetch: bound });
  }
}

/** The client's ResponseError carries the HTTP status; anything else is an unreachable server. */
function toBackendError(error: unknown, url: string): BackendError {
  const status = (error as { status_code?: unknown } | null)?.status_code;
  return modelServerError(BACKEND, url, error, typeof status === "number" ? status : undefined);
}

import OpenAI, { APIError } from "openai";
import { BackendError, InputError } from "../../core/errors.js";
import { trimSlash } from "../../memory/embedders/http.js";
import { modelServerError } from "../backend-error.js";
import type { Completion, CompletionRequest, LanguageModel } from "../language-model.js";

export interface OpenAILanguageModelOptions {
  /**
   * The API base, with or without `/v1`: vLLM, llama.cpp server, LocalAI, LiteLLM,
   * https://api.openai.com, https://api.mistral.ai.
   */
  baseUrl: string;
  /** Sent as a Bearer token; local servers usually need none. */
  apiKey?: string;
  model: string;
  /** Sampling temperature; 0 by default, so one incident gets one answer. */
  temperature?: number;
  /** For tests and proxies; the global fetch by default. */
  fetch?: typeof fetch;
}

const BACKEND = "openai";

/**
 * A chat model on any OpenAI-compatible server through the official `openai` client:
 * `POST /v1/chat/completions` with `response_format: {type: "json_schema"}` (structured
 * outputs, strict); token counts from `usage`. The client's own retries are off: the
 * caller decides (one repair, then the analyzers), and its timeout is the caller's signal.
 */
export class OpenAILanguageModel implements LanguageModel {
  readonly name: string;
  readonly #client: OpenAI;
  readonly #model: string;
  readonly #temperature: number;
  readonly #url: string;

  constructor(options: OpenAILanguageModelOptions) {
    if (!/^https?:\/\//.test(options.baseUrl))
      throw new InputError(`openai baseUrl must be http(s): ${options.baseUrl}`, "baseUrl");
    if (!options.model) throw new InputError("openai chat model is required", "model");
    const base = trimSlash(options.baseUrl);
    this.#url = /\/v1$/.test(base) ? base : `${base}/v1`;
    this.#model = options.model;
    this.#temperature = options.temperature ?? 0;
    this.name = `${BACKEND}/${this.#model}`;
    this.#client = new OpenAI({
      baseURL: this.#url,
      // The client insists on a key; servers that need none ignore this one.
      apiKey: options.apiKey || "none",
      maxRetries: 0,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    try {
      const res = await this.#client.chat.completions.create(
        {
          model: this.#model,
          temperature: this.#temperature,
          messages: [{ role: "system", content: request.system }, ...request.messages],
          response_format: {
            type: "json_schema",
            json_schema: { name: request.schemaName, schema: request.schema, strict: true },
          },
        },
        request.signal ? { signal: request.signal } : {},
      );
      const choice = res.choices[0];
      if (!choice) throw new BackendError(`${BACKEND}: ${this.#url} answered no choice`, BACKEND, false);
      return {
        // A refusal is an answer that fails validation, like any other non-JSON text.
        content: choice.message.content ?? choice.message.refusal ?? "",
        usage: {
          inputTokens: res.usage?.prompt_tokens ?? 0,
          outputTokens: res.usage?.completion_tokens ?? 0,
        },
      };
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      if (error instanceof BackendError) throw error;
      const status = error instanceof APIError && typeof error.status === "number" ? error.status : undefined;
      throw modelServerError(BACKEND, this.#url, error, status);
    }
  }
}

/**
 * The LanguageModel port: one structured completion. Adapters (ollama/, openai/) only do
 * I/O; prompt building, answer validation, the repair loop and the combination policy are
 * pure code in analysis/model/.
 */

export interface ChatMessage {
  role: "user" | "assistant";
  content: string;
}

export interface CompletionRequest {
  system: string;
  messages: ChatMessage[];
  /** JSON Schema the answer must match; sent for the server's constrained decoding. */
  schema: Record<string, unknown>;
  schemaName: string;
  /** Aborts the call (the caller's timeout). */
  signal?: AbortSignal;
}

export interface CompletionUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface Completion {
  /** The answer text, expected to be JSON matching the schema; the caller validates it. */
  content: string;
  usage: CompletionUsage;
}

export interface LanguageModel {
  /** `<adapter>/<model>`, e.g. `ollama/mistral`: recorded with every answer. */
  readonly name: string;
  /**
   * One completion. Rejects with a BackendError when the server fails or cannot be
   * reached, and with the signal's reason when aborted. Never retries on its own.
   */
  complete(request: CompletionRequest): Promise<Completion>;
}

/** The configured adapters; `none` means no model: the analyzers decide alone. */
export const LanguageModelKind = { None: "none", Ollama: "ollama", OpenAI: "openai" } as const;
export type LanguageModelKind = (typeof LanguageModelKind)[keyof typeof LanguageModelKind];

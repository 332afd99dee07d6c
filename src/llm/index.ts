import { ConfigError } from "../core/errors.js";
import { LanguageModelKind, type LanguageModel } from "./language-model.js";
import { OllamaLanguageModel } from "./ollama/ollama-language-model.js";
import { OpenAILanguageModel } from "./openai/openai-language-model.js";

export interface LanguageModelConfig {
  kind: LanguageModelKind;
  ollama?: { url: string; model?: string };
  openai?: { baseUrl?: string; apiKey?: string; model?: string };
}

type Factory = (config: LanguageModelConfig) => LanguageModel | undefined;

const FACTORIES = new Map<string, Factory>([
  [LanguageModelKind.None, () => undefined],
  [
    LanguageModelKind.Ollama,
    (c) =>
      new OllamaLanguageModel({
        url: c.ollama?.url ?? "http://localhost:11434",
        ...(c.ollama?.model ? { model: c.ollama.model } : {}),
      }),
  ],
  [
    LanguageModelKind.OpenAI,
    (c) => {
      if (!c.openai?.baseUrl || !c.openai.model)
        throw new ConfigError("llm.kind openai needs llm.openai.baseUrl and llm.openai.model");
      return new OpenAILanguageModel({
        baseUrl: c.openai.baseUrl,
        model: c.openai.model,
        ...(c.openai.apiKey ? { apiKey: c.openai.apiKey } : {}),
      });
    },
  ],
]);

/** The configured model, or undefined for `none` (the analyzers decide alone, as without an LLM). */
export function createLanguageModel(config: LanguageModelConfig): LanguageModel | undefined {
  const factory = FACTORIES.get(config.kind);
  if (!factory)
    throw new ConfigError(`unknown language model ${String(config.kind)}: none, ollama or openai`);
  return factory(config);
}

import { ConfigError, InputError } from "../../core/errors.js";
import type { Embedder } from "../embedder.js";
import { HashingEmbedder } from "./hashing-embedder.js";
import { OllamaEmbedder } from "./ollama-embedder.js";
import { OpenAIEmbedder } from "./openai-embedder.js";

export interface HashingEmbedderConfig {
  kind: "hashing";
  dimension?: number;
}

export interface OllamaEmbedderConfig {
  kind: "ollama";
  url: string;
  model?: string;
  timeoutMs?: number;
}

export interface OpenAIEmbedderConfig {
  kind: "openai";
  baseUrl: string;
  apiKey?: string;
  model: string;
  dimensions?: number;
  timeoutMs?: number;
}

export type EmbedderConfig = HashingEmbedderConfig | OllamaEmbedderConfig | OpenAIEmbedderConfig;
export type EmbedderKind = EmbedderConfig["kind"];

export interface EmbedderDeps {
  /** For the HTTP adapters; the global fetch by default. */
  fetch?: typeof fetch;
}

type Factory = (config: EmbedderConfig, deps: EmbedderDeps) => Embedder;

const FACTORIES = new Map<string, Factory>([
  ["hashing", (c) => new HashingEmbedder({ dimension: (c as HashingEmbedderConfig).dimension })],
  [
    "ollama",
    (c, deps) => {
      const o = c as OllamaEmbedderConfig;
      return new OllamaEmbedder({ url: o.url, model: o.model, timeoutMs: o.timeoutMs, fetch: deps.fetch });
    },
  ],
  [
    "openai",
    (c, deps) => {
      const o = c as OpenAIEmbedderConfig;
      return new OpenAIEmbedder({
        baseUrl: o.baseUrl,
        apiKey: o.apiKey,
        model: o.model,
        dimensions: o.dimensions,
        timeoutMs: o.timeoutMs,
        fetch: deps.fetch,
      });
    },
  ],
]);

/** The embedder adapters by name. */
export const EMBEDDER_KINDS: readonly string[] = [...FACTORIES.keys()];

/** Builds the configured embedder; an unknown kind or a bad option is a ConfigError. */
export function createEmbedder(config: EmbedderConfig | { kind: string }, deps: EmbedderDeps = {}): Embedder {
  const factory = FACTORIES.get(config.kind);
  if (!factory)
    throw new ConfigError(`unknown embedder "${config.kind}": expected one of ${EMBEDDER_KINDS.join(", ")}`);
  try {
    return factory(config as EmbedderConfig, deps);
  } catch (err) {
    if (err instanceof InputError)
      throw new ConfigError(`embedder ${config.kind}: ${err.message}`, { cause: err });
    throw err;
  }
}

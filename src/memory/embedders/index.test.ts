import { describe, expect, it } from "vitest";
import { ConfigError } from "../../core/errors.js";
import { HashingEmbedder } from "./hashing-embedder.js";
import { createEmbedder, EMBEDDER_KINDS } from "./index.js";
import { OllamaEmbedder } from "./ollama-embedder.js";
import { OpenAIEmbedder } from "./openai-embedder.js";

describe("createEmbedder", () => {
  it("picks the adapter by kind", async () => {
    const hashing = createEmbedder({ kind: "hashing", dimension: 128 });
    expect(hashing).toBeInstanceOf(HashingEmbedder);
    expect(await hashing.dimension()).toBe(128);
    expect(createEmbedder({ kind: "ollama", url: "http://127.0.0.1:11434" })).toBeInstanceOf(OllamaEmbedder);
    const openai = createEmbedder({
      kind: "openai",
      baseUrl: "http://127.0.0.1:8000/v1",
      model: "bge-small",
    });
    expect(openai).toBeInstanceOf(OpenAIEmbedder);
    expect(openai.model).toBe("bge-small");
    expect(EMBEDDER_KINDS).toEqual(["hashing", "ollama", "openai"]);
  });

  it("an unknown kind or a bad option is a ConfigError", () => {
    expect(() => createEmbedder({ kind: "word2vec" })).toThrow(ConfigError);
    expect(() => createEmbedder({ kind: "word2vec" })).toThrow(/hashing, ollama, openai/);
    expect(() => createEmbedder({ kind: "hashing", dimension: -1 })).toThrow(ConfigError);
    expect(() => createEmbedder({ kind: "ollama", url: "not a url" })).toThrow(ConfigError);
  });
});

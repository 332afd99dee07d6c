/**
 * Turns incident signatures into vectors. Adapters: `hashing` (no model, the default),
 * `ollama` (/api/embed), `openai` (any OpenAI-compatible /v1/embeddings). Vectors of
 * different models never mix: the vector store keeps one collection per `model` and
 * `dimension`.
 */
export interface Embedder {
  /** Identifies the vector space, e.g. "hashing-v1", "nomic-embed-text". */
  readonly model: string;
  /** Length of every vector this embedder returns (known after the first call for remote models). */
  dimension(): Promise<number>;
  /** One vector per text, in order. Rejects with BackendError when a remote model cannot answer. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

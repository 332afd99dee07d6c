import { InputError } from "../../core/errors.js";
import type { Embedder } from "../embedder.js";

export interface HashingEmbedderOptions {
  /** Vector length; 384 by default. */
  dimension?: number;
}

/**
 * The model-free embedder: signed feature hashing of an incident signature's tokens
 * and token bigrams into a fixed-length, L2-normalised vector. Deterministic across
 * processes and versions of Node (FNV-1a, no randomness), so stored vectors stay
 * comparable; a change of features must change `model`.
 *
 * It reads the signature's `<section>: <fact>` lines (memory/signature.ts): features
 * are prefixed with their section, so "oomkilled" as a termination reason and as a word
 * of a log line are different features, and each line's weight is spread over its
 * features so one long log line does not outweigh an exit code. Text without sections
 * is hashed the same way as one section.
 */
export class HashingEmbedder implements Embedder {
  readonly model = "hashing-v1";
  readonly #dimension: number;

  constructor(options: HashingEmbedderOptions = {}) {
    const dimension = options.dimension ?? 384;
    if (!Number.isInteger(dimension) || dimension < 8 || dimension > 65_536)
      throw new InputError(
        `hashing embedder dimension must be an integer in 8..65536, got ${dimension}`,
        "dimension",
      );
    this.#dimension = dimension;
  }

  dimension(): Promise<number> {
    return Promise.resolve(this.#dimension);
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    signal?.throwIfAborted();
    return texts.map((t) => this.embedOne(t));
  }

  /** The vector of one text, synchronously. */
  embedOne(text: string): Float32Array {
    const acc = new Float64Array(this.#dimension);
    for (const [feature, weight] of features(text)) {
      const index = fnv1a(feature) % this.#dimension;
      // An independent hash picks the sign, so collisions cancel out on average.
      const sign = fnv1a(`±${feature}`) & 1 ? -1 : 1;
      acc[index] = (acc[index] ?? 0) + sign * weight;
    }
    let norm = 0;
    for (const v of acc) norm += v * v;
    norm = Math.sqrt(norm);
    const out = new Float32Array(this.#dimension);
    if (norm === 0) return out;
    for (let i = 0; i < acc.length; i++) out[i] = (acc[i] ?? 0) / norm;
    return out;
  }
}

/** How much a line of each section counts; sections not listed weigh 1. */
const SECTION_WEIGHTS: Record<string, number> = {
  alert: 1.5,
  terminated: 3,
  "last-terminated": 3,
  waiting: 2,
  probe: 1.5,
  "pod-condition": 0.5,
  container: 0.5,
  event: 1,
  log: 0.7,
  gap: 0.5,
};

const TOKEN = /<[a-z]+>|[a-z0-9_]+(?:[=.+-][a-z0-9_]+)*/g;

/** Weighted features of a signature: section-prefixed unigrams (without bare masks) and bigrams. */
export function features(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const raw of text.toLowerCase().split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(": ");
    const section = colon > 0 && /^[a-z-]+$/.test(line.slice(0, colon)) ? line.slice(0, colon) : "text";
    const body = section === "text" ? line : line.slice(colon + 2);
    const tokens = body.match(TOKEN) ?? [];
    const feats: string[] = [];
    for (const t of tokens) if (!t.startsWith("<")) feats.push(`${section}|${t}`);
    for (let i = 0; i + 1 < tokens.length; i++) feats.push(`${section}|${tokens[i]} ${tokens[i + 1]}`);
    if (feats.length === 0) continue;
    const weight = (SECTION_WEIGHTS[section] ?? 1) / Math.sqrt(feats.length);
    for (const f of feats) out.set(f, (out.get(f) ?? 0) + weight);
  }
  return out;
}

const UTF8 = new TextEncoder();

/** 32-bit FNV-1a over the UTF-8 bytes of `s`. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of UTF8.encode(s)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Cosine similarity of two vectors of the same length. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

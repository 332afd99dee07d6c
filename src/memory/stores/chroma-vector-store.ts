import { createHash } from "node:crypto";
import {
  ChromaClient,
  ChromaConnectionError,
  ChromaNotFoundError,
  ChromaRateLimitError,
  ChromaServerError,
  type Collection,
  type Metadata,
  type Where,
} from "chromadb";
import { AiopsError, BackendError, ConfigError, InputError, NotFoundError } from "../../core/errors.js";
import { isAction, isCategory } from "../../core/vocabulary.js";
import {
  filterOutcomes,
  Outcome,
  patchRecord,
  type MemoryFilter,
  type MemoryRecord,
  type SimilarIncident,
  type VectorSpace,
  type VectorStore,
} from "../vector-store.js";

export interface ChromaVectorStoreOptions {
  /** The server's base URL, e.g. `http://chroma.aiops.svc:8000`. */
  url: string;
  /** Chroma tenant and database; the server's defaults when absent. */
  tenant?: string;
  database?: string;
  /** Extra HTTP headers (e.g. `x-chroma-token` or `Authorization`). */
  headers?: Record<string, string>;
  /** Prefix of the collection names this store creates. Default `aiops`. */
  collectionPrefix?: string;
}

const OUTCOMES = new Set<string>(Object.values(Outcome));

/**
 * VectorStore on a ChromaDB server (API v2) through the `chromadb` client. One collection per
 * vector space, in cosine space, created without an embedding function: vectors always come
 * from our embedders. The record is kept as metadata (category, outcome, action, targetKind,
 * updatedAt) and the signature as the document, so Chroma's own filters apply.
 */
export class ChromaVectorStore implements VectorStore {
  readonly name = "chroma";
  readonly #client: ChromaClient;
  readonly #prefix: string;
  readonly #collections = new Map<string, Promise<Collection>>();

  constructor(options: ChromaVectorStoreOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch (error) {
      throw new ConfigError(`invalid Chroma URL: ${options.url}`, { cause: error });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ConfigError(`Chroma URL must be http or https: ${options.url}`);
    }
    const ssl = url.protocol === "https:";
    this.#client = new ChromaClient({
      host: url.hostname,
      port: url.port ? Number(url.port) : ssl ? 443 : 80,
      ssl,
      ...(options.tenant !== undefined ? { tenant: options.tenant } : {}),
      ...(options.database !== undefined ? { database: options.database } : {}),
      ...(options.headers !== undefined ? { headers: options.headers } : {}),
    });
    this.#prefix = options.collectionPrefix ?? "aiops";
  }

  async upsert(
    space: VectorSpace,
    items: readonly { vector: Float32Array; record: MemoryRecord }[],
  ): Promise<void> {
    if (items.length === 0) return;
    const embeddings = items.map(({ vector }) => embedding(vector, space.dimension));
    await this.#call(space, "upsert", (collection) =>
      collection.upsert({
        ids: items.map(({ record }) => record.incidentId),
        embeddings,
        metadatas: items.map(({ record }) => toMetadata(record)),
        documents: items.map(({ record }) => record.signature),
      }),
    );
  }

  async query(
    space: VectorSpace,
    vector: Float32Array,
    k: number,
    filter: MemoryFilter = {},
  ): Promise<SimilarIncident[]> {
    const queryEmbedding = embedding(vector, space.dimension);
    const where = toWhere(filter);
    if (!(k > 0) || where === null) return [];
    return this.#call(space, "query", async (collection) => {
      const result = await collection.query({
        queryEmbeddings: [queryEmbedding],
        nResults: Math.floor(k),
        ...(where ? { where } : {}),
        include: ["distances", "metadatas", "documents"],
      });
      const ids = result.ids[0] ?? [];
      return ids.map((id, i) => ({
        ...fromMetadata(id, result.metadatas[0]?.[i] ?? null, result.documents[0]?.[i] ?? null),
        // Cosine distance is 1 - cosine similarity, in [0, 2]; opposite vectors count as unrelated.
        similarity: Math.min(1, Math.max(0, 1 - (result.distances[0]?.[i] ?? 1))),
      }));
    });
  }

  async updateRecord(
    space: VectorSpace,
    incidentId: string,
    patch: Partial<Omit<MemoryRecord, "incidentId">>,
  ): Promise<void> {
    await this.#call(space, "updateRecord", async (collection) => {
      // Chroma's update ignores unknown ids, so read first. Not atomic with the write: a
      // concurrent update of the same incident may be lost (feedback is rare and idempotent).
      const current = await collection.get({
        ids: [incidentId],
        include: ["metadatas", "documents", "embeddings"],
      });
      const stored = current.embeddings[0];
      if (current.ids.length === 0 || !stored) {
        throw new NotFoundError(`no remembered incident ${incidentId} in ${space.model}/${space.dimension}`);
      }
      const record = patchRecord(
        fromMetadata(incidentId, current.metadatas[0] ?? null, current.documents[0] ?? null),
        patch,
      );
      // The stored embedding goes back with the document: the client would otherwise try to
      // embed the new document text with an embedding function these collections do not have.
      await collection.update({
        ids: [incidentId],
        embeddings: [stored],
        metadatas: [toMetadata(record)],
        documents: [record.signature],
      });
    });
  }

  async count(space: VectorSpace): Promise<number> {
    return this.#call(space, "count", (collection) => collection.count());
  }

  async close(): Promise<void> {
    this.#collections.clear();
  }

  /** Runs `fn` on the space's collection, mapping Chroma's errors to the system's. */
  async #call<T>(space: VectorSpace, what: string, fn: (collection: Collection) => Promise<T>): Promise<T> {
    const name = collectionName(this.#prefix, space);
    try {
      return await fn(await this.#collection(name, space));
    } catch (error) {
      if (error instanceof ChromaNotFoundError) this.#collections.delete(name); // deleted behind our back
      throw chromaError(error, `${what} on collection ${name}`);
    }
  }

  #collection(name: string, space: VectorSpace): Promise<Collection> {
    let pending = this.#collections.get(name);
    if (!pending) {
      pending = this.#client
        .getOrCreateCollection({
          name,
          configuration: { hnsw: { space: "cosine" } },
          metadata: { model: space.model, dimension: space.dimension },
          embeddingFunction: null,
        })
        .then((collection) => {
          const meta = collection.metadata;
          if (meta && (meta.model !== space.model || meta.dimension !== space.dimension)) {
            throw new BackendError(
              `Chroma collection ${name} holds ${String(meta.model)}/${String(meta.dimension)}, not ${space.model}/${space.dimension}`,
              "chroma",
              false,
            );
          }
          return collection;
        });
      pending.catch(() => this.#collections.delete(name));
      this.#collections.set(name, pending);
    }
    return pending;
  }
}

/**
 * The collection name of a vector space, within Chroma's rules: 3-63 characters of
 * [a-zA-Z0-9._-], starting and ending with a letter or digit, no "..". When the model name
 * had to be changed or shortened, a hash of the original keeps distinct spaces apart.
 */
export function collectionName(prefix: string, space: VectorSpace): string {
  const clean = (s: string) =>
    s
      .replace(/[^a-zA-Z0-9._-]+/g, "-")
      .replace(/\.{2,}/g, ".")
      .replace(/^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$/g, "");
  const head = clean(prefix) || "aiops";
  const model = clean(space.model);
  const tail = `d${space.dimension}`;
  const plain = `${head}-${model}-${tail}`;
  if (model === space.model && model.length > 0 && plain.length <= 63) return plain;
  const hash = createHash("sha256").update(space.model).digest("hex").slice(0, 10);
  const room = 63 - head.length - tail.length - hash.length - 3;
  const short = clean(model.slice(0, Math.max(0, room)));
  return short ? `${head}-${short}-${hash}-${tail}` : `${head}-${hash}-${tail}`;
}

function embedding(vector: Float32Array, dimension: number): number[] {
  if (vector.length !== dimension) {
    throw new InputError(`vector has ${vector.length} dimensions, the space has ${dimension}`);
  }
  const out = Array.from(vector);
  if (!out.every(Number.isFinite)) throw new InputError("vector contains a non-finite value");
  return out;
}

function toMetadata(record: MemoryRecord): Metadata {
  const metadata: Metadata = {
    category: record.category,
    outcome: record.outcome,
    updatedAt: record.updatedAt,
    // Chroma merges metadata on update; null removes a key, so absent fields stay absent.
    action: record.action ?? null,
    actionByPerson: record.actionByPerson ?? null,
    targetKind: record.targetKind ?? null,
  };
  return metadata;
}

function fromMetadata(id: string, metadata: Metadata | null, document: string | null): MemoryRecord {
  const m = metadata ?? {};
  const record: MemoryRecord = {
    incidentId: id,
    signature: document ?? "",
    category: isCategory(m.category) ? m.category : "unknown",
    outcome: typeof m.outcome === "string" && OUTCOMES.has(m.outcome) ? (m.outcome as Outcome) : "unknown",
    updatedAt: typeof m.updatedAt === "string" ? m.updatedAt : "",
  };
  if (isAction(m.action)) record.action = m.action;
  if (m.actionByPerson === true) record.actionByPerson = true;
  if (typeof m.targetKind === "string") record.targetKind = m.targetKind;
  return record;
}

/** Chroma's `where` for a filter: undefined for none, null when nothing can match. */
function toWhere(filter: MemoryFilter): Where | undefined | null {
  const clauses: Where[] = [];
  if (filter.category !== undefined) clauses.push({ category: filter.category });
  const outcomes = filterOutcomes(filter);
  if (outcomes) {
    if (outcomes.size === 0) return null;
    clauses.push({ outcome: { $in: [...outcomes] } });
  }
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? (clauses[0] as Where) : { $and: clauses };
}

/** Connection failures, 5xx and rate limits are worth a retry; the rest are not. */
function chromaError(error: unknown, what: string): Error {
  if (error instanceof AiopsError) return error;
  const retryable =
    error instanceof ChromaConnectionError ||
    error instanceof ChromaServerError ||
    error instanceof ChromaRateLimitError;
  const detail = error instanceof Error ? `: ${error.message}` : "";
  return new BackendError(`Chroma ${what} failed${detail}`, "chroma", retryable, { cause: error });
}

import type { Action, Category } from "../core/vocabulary.js";

/** How an incident was really resolved, as far as the system knows. */
export const Outcome = {
  /** Nothing known yet. */
  Unknown: "unknown",
  /** A person confirmed the diagnosis and action. */
  Confirmed: "confirmed",
  /** A person corrected the category and/or action: `category`/`action` hold the corrected values. */
  Corrected: "corrected",
  /** The alert resolved within the configured time after the remediation was applied or merged. */
  Resolved: "resolved",
  /** The remediation was applied but the alert did not resolve in time. */
  NotResolved: "not_resolved",
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** What is remembered of one incident beside its vector. */
export interface MemoryRecord {
  incidentId: string;
  signature: string;
  category: Category;
  action?: Action;
  /**
   * True when a person chose `action` (a correction naming one); otherwise it is what the
   * system planned, which a category-only correction leaves as it was.
   */
  actionByPerson?: boolean;
  targetKind?: string;
  outcome: Outcome;
  updatedAt: string;
}

export interface SimilarIncident extends MemoryRecord {
  /** Cosine similarity, 1 for identical signatures. */
  similarity: number;
}

/** `record` with the defined fields of `patch` (an absent field means "unchanged"); the id stays. */
export function patchRecord(
  record: MemoryRecord,
  patch: Partial<Omit<MemoryRecord, "incidentId">>,
): MemoryRecord {
  const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  return { ...record, ...changes, incidentId: record.incidentId };
}

export interface VectorSpace {
  model: string;
  dimension: number;
}

export interface MemoryFilter {
  category?: Category;
  outcome?: Outcome | Outcome[];
}

/** The outcomes a filter takes, without repeats; undefined when it takes any outcome. */
export function filterOutcomes(filter: MemoryFilter): ReadonlySet<Outcome> | undefined {
  if (filter.outcome === undefined) return undefined;
  return new Set(Array.isArray(filter.outcome) ? filter.outcome : [filter.outcome]);
}

/**
 * Incident memory: vectors with their records, one collection per vector space. Adapters:
 * `embedded` (in the SQLite file) and `chroma` (a ChromaDB server, cosine space).
 */
export interface VectorStore {
  readonly name: string;
  /** Inserts or replaces records by incidentId. */
  upsert(space: VectorSpace, items: readonly { vector: Float32Array; record: MemoryRecord }[]): Promise<void>;
  /** The k nearest records, most similar first, optionally filtered by metadata. */
  query(
    space: VectorSpace,
    vector: Float32Array,
    k: number,
    filter?: MemoryFilter,
  ): Promise<SimilarIncident[]>;
  /** Changes the record of a stored incident (feedback, outcome); NotFoundError when absent. */
  updateRecord(
    space: VectorSpace,
    incidentId: string,
    patch: Partial<Omit<MemoryRecord, "incidentId">>,
  ): Promise<void>;
  count(space: VectorSpace): Promise<number>;
  close(): Promise<void>;
}

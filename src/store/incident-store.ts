import type { Category } from "../core/vocabulary.js";
import type { Incident, IncidentState, IncidentSummary } from "../core/incident.js";

export interface IncidentQuery {
  state?: IncidentState;
  category?: Category;
  namespace?: string;
  alertname?: string;
  /** Free text over alertname, namespace, subject name and diagnosis summary. */
  q?: string;
  /**
   * Only incidents whose remediation was put into effect and whose outcome is not decided
   * yet (applied, no outcome, not resolved): what the outcome sweep reads, in one page.
   */
  awaitingOutcome?: boolean;
  limit?: number;
  offset?: number;
}

export interface IncidentPage {
  items: IncidentSummary[];
  total: number;
  limit: number;
  offset: number;
}

/**
 * Where incidents live. Updates are serialised per incident (a transaction in SQLite,
 * a revision-checked update in a KV store), so concurrent agents never lose a write.
 */
export interface IncidentStore {
  readonly name: string;
  get(id: string): Promise<Incident | undefined>;
  /** The open (not resolved, not failed) incident with this correlation key, if any. */
  findOpenByKey(correlationKey: string): Promise<Incident | undefined>;
  /** The newest incident holding an alert with this fingerprint, resolved or not. */
  findByFingerprint(fingerprint: string): Promise<Incident | undefined>;
  /**
   * Inserts a new incident; ConflictError when the id exists, or when another open
   * incident holds the same correlation key (so that two collector replicas racing on
   * alerts of one workload open one incident: the loser joins the winner's).
   */
  create(incident: Incident): Promise<void>;
  /**
   * Reads, applies `mutate` and writes atomically; NotFoundError when absent. `mutate` must
   * depend only on its argument: an adapter with optimistic concurrency (KV) calls it again
   * on the fresh incident after losing a race. Moving the incident to resolved or failed
   * frees its correlation key for a new incident; ConflictError (nothing written) when the
   * result would be open under a key that another open incident holds.
   */
  update(id: string, mutate: (current: Incident) => Incident): Promise<Incident>;
  list(query: IncidentQuery): Promise<IncidentPage>;
  /** Counts for the metrics endpoint. */
  counts(): Promise<{ state: IncidentState; category: Category | "none"; count: number }[]>;
  close(): Promise<void>;
}

import type { Category } from "../../core/vocabulary.js";
import { BackendError, ConflictError, InputError, NotFoundError } from "../../core/errors.js";
import { IncidentState } from "../../core/incident.js";
import type { Incident, IncidentSummary } from "../../core/incident.js";
import type { IncidentPage, IncidentQuery, IncidentStore } from "../incident-store.js";

export interface MemoryIncidentStoreOptions {
  /**
   * Most incidents kept. Creating one more evicts the oldest resolved or failed incident,
   * or the oldest of all when every incident is still open. Default 10 000.
   */
  maxIncidents?: number;
}

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 1000;

/** The effective limit and offset of a query: limit in 1..MAX_PAGE_LIMIT, offset >= 0. */
export function pageBounds(query: IncidentQuery): { limit: number; offset: number } {
  const limit = Number.isFinite(query.limit) ? Math.trunc(query.limit as number) : DEFAULT_PAGE_LIMIT;
  const offset = Number.isFinite(query.offset) ? Math.trunc(query.offset as number) : 0;
  return { limit: Math.min(Math.max(limit, 1), MAX_PAGE_LIMIT), offset: Math.max(offset, 0) };
}

/** True for the states in which an incident takes no new alerts. */
export function isTerminal(state: IncidentState): boolean {
  return state === IncidentState.Resolved || state === IncidentState.Failed;
}

/** The list view of an incident: no evidence, diagnosis, plan or alerts. */
export function toIncidentSummary(incident: Incident): IncidentSummary {
  const { evidence: _e, diagnosis, plan, alerts, ...rest } = incident;
  const summary: IncidentSummary = { ...structuredClone(rest), alertCount: alerts.length };
  if (plan !== undefined) summary.action = plan.action;
  if (diagnosis !== undefined) summary.confidence = diagnosis.confidence;
  return summary;
}

/**
 * Incidents in a bounded map: the test double and the `--store memory` option. Same
 * semantics as the SQLite store (both pass `describeIncidentStoreContract`). Incidents
 * are copied in and out, so a caller never holds the stored object. Timestamps are
 * compared as strings: they are ISO 8601 in UTC, as `Date.toISOString()` writes them.
 */
export class MemoryIncidentStore implements IncidentStore {
  readonly name = "memory";
  readonly #maxIncidents: number;
  /** Insertion order breaks ties between equal `openedAt`, as rowid does in SQLite. */
  readonly #incidents = new Map<string, { incident: Incident; seq: number }>();
  #seq = 0;
  #closed = false;

  constructor(options: MemoryIncidentStoreOptions = {}) {
    const max = options.maxIncidents ?? 10_000;
    if (!Number.isInteger(max) || max < 1)
      throw new InputError("maxIncidents must be a positive integer", "maxIncidents");
    this.#maxIncidents = max;
  }

  async get(id: string): Promise<Incident | undefined> {
    this.#assertOpen();
    const entry = this.#incidents.get(id);
    return entry ? structuredClone(entry.incident) : undefined;
  }

  async findOpenByKey(correlationKey: string): Promise<Incident | undefined> {
    this.#assertOpen();
    return this.#newest((i) => i.correlationKey === correlationKey && !isTerminal(i.state));
  }

  async findByFingerprint(fingerprint: string): Promise<Incident | undefined> {
    this.#assertOpen();
    return this.#newest((i) => i.alerts.some((a) => a.fingerprint === fingerprint));
  }

  async create(incident: Incident): Promise<void> {
    this.#assertOpen();
    if (this.#incidents.has(incident.id)) throw new ConflictError(`incident ${incident.id} already exists`);
    const copy = structuredClone(incident);
    while (this.#incidents.size >= this.#maxIncidents) this.#evictOne();
    this.#incidents.set(copy.id, { incident: copy, seq: ++this.#seq });
  }

  async update(id: string, mutate: (current: Incident) => Incident): Promise<Incident> {
    this.#assertOpen();
    const entry = this.#incidents.get(id);
    if (!entry) throw new NotFoundError(`incident ${id} not found`);
    // mutate works on a copy, so a throwing mutate leaves the stored incident untouched.
    const next = mutate(structuredClone(entry.incident));
    if (next.id !== id) throw new InputError("an update must not change the incident id", "id");
    entry.incident = structuredClone(next);
    return structuredClone(next);
  }

  async list(query: IncidentQuery): Promise<IncidentPage> {
    this.#assertOpen();
    const { limit, offset } = pageBounds(query);
    const needle = query.q?.trim().toLowerCase();
    const matches = [...this.#incidents.values()]
      .filter(({ incident: i }) => {
        if (query.state !== undefined && i.state !== query.state) return false;
        if (query.category !== undefined && i.category !== query.category) return false;
        if (query.namespace !== undefined && i.namespace !== query.namespace) return false;
        if (query.alertname !== undefined && i.alertname !== query.alertname) return false;
        if (needle) {
          const haystack = [i.alertname, i.namespace, i.subject?.name, i.diagnosis?.summary];
          if (!haystack.some((s) => s?.toLowerCase().includes(needle))) return false;
        }
        return true;
      })
      .sort(newestFirst);
    return {
      items: matches.slice(offset, offset + limit).map((e) => toIncidentSummary(e.incident)),
      total: matches.length,
      limit,
      offset,
    };
  }

  async counts(): Promise<{ state: IncidentState; category: Category | "none"; count: number }[]> {
    this.#assertOpen();
    const counts = new Map<string, { state: IncidentState; category: Category | "none"; count: number }>();
    for (const { incident } of this.#incidents.values()) {
      const category = incident.category ?? "none";
      const key = `${incident.state}\u0000${category}`;
      const row = counts.get(key);
      if (row) row.count++;
      else counts.set(key, { state: incident.state, category, count: 1 });
    }
    return [...counts.values()].sort(
      (a, b) => a.state.localeCompare(b.state) || a.category.localeCompare(b.category),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#incidents.clear();
  }

  #newest(predicate: (incident: Incident) => boolean): Incident | undefined {
    let best: { incident: Incident; seq: number } | undefined;
    for (const entry of this.#incidents.values()) {
      if (predicate(entry.incident) && (!best || newestFirst(entry, best) < 0)) best = entry;
    }
    return best ? structuredClone(best.incident) : undefined;
  }

  #evictOne(): void {
    let oldestTerminal: { incident: Incident; seq: number } | undefined;
    let oldest: { incident: Incident; seq: number } | undefined;
    for (const entry of this.#incidents.values()) {
      if (!oldest || newestFirst(entry, oldest) > 0) oldest = entry;
      if (isTerminal(entry.incident.state) && (!oldestTerminal || newestFirst(entry, oldestTerminal) > 0)) {
        oldestTerminal = entry;
      }
    }
    const victim = oldestTerminal ?? oldest;
    if (victim) this.#incidents.delete(victim.incident.id);
  }

  #assertOpen(): void {
    if (this.#closed) throw new BackendError("the incident store is closed", "memory-store", false);
  }
}

function newestFirst(a: { incident: Incident; seq: number }, b: { incident: Incident; seq: number }): number {
  if (a.incident.openedAt !== b.incident.openedAt) return a.incident.openedAt < b.incident.openedAt ? 1 : -1;
  return b.seq - a.seq;
}

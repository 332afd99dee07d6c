import type { Category } from "../../core/vocabulary.js";
import { BackendError, ConflictError, InputError, NotFoundError } from "../../core/errors.js";
import type { Incident, IncidentState } from "../../core/incident.js";
import { countIncidents, isTerminal, newestFirst, pageOf, type OrderedIncident } from "../incident-query.js";
import type { IncidentPage, IncidentQuery, IncidentStore } from "../incident-store.js";

export interface MemoryIncidentStoreOptions {
  /**
   * Most incidents kept. Creating one more evicts the oldest resolved or failed incident,
   * or the oldest of all when every incident is still open. Default 10 000.
   */
  maxIncidents?: number;
}

/**
 * Incidents in a bounded map: the test double and the `--store memory` option. Same
 * semantics as the SQLite store (both pass `describeIncidentStoreContract`), one open
 * incident per correlation key included (checked by a scan: n is bounded). Incidents
 * are copied in and out, so a caller never holds the stored object. Timestamps are
 * compared as strings: they are ISO 8601 in UTC, as `Date.toISOString()` writes them.
 */
export class MemoryIncidentStore implements IncidentStore {
  readonly name = "memory";
  readonly #maxIncidents: number;
  /** Insertion order breaks ties between equal `openedAt`, as rowid does in SQLite. */
  readonly #incidents = new Map<string, OrderedIncident>();
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
    if (!isTerminal(incident.state)) this.#assertKeyFree(incident.correlationKey, incident.id);
    const copy = structuredClone(incident);
    while (this.#incidents.size >= this.#maxIncidents) this.#evictOne();
    this.#incidents.set(copy.id, { incident: copy, order: ++this.#seq });
  }

  async update(id: string, mutate: (current: Incident) => Incident): Promise<Incident> {
    this.#assertOpen();
    const entry = this.#incidents.get(id);
    if (!entry) throw new NotFoundError(`incident ${id} not found`);
    // mutate works on a copy, so a throwing mutate leaves the stored incident untouched.
    const next = mutate(structuredClone(entry.incident));
    if (next.id !== id) throw new InputError("an update must not change the incident id", "id");
    const current = entry.incident;
    const claims =
      !isTerminal(next.state) &&
      (isTerminal(current.state) || current.correlationKey !== next.correlationKey);
    if (claims) this.#assertKeyFree(next.correlationKey, id);
    entry.incident = structuredClone(next);
    return structuredClone(next);
  }

  async list(query: IncidentQuery): Promise<IncidentPage> {
    this.#assertOpen();
    return pageOf(this.#incidents.values(), query);
  }

  async counts(): Promise<{ state: IncidentState; category: Category | "none"; count: number }[]> {
    this.#assertOpen();
    return countIncidents([...this.#incidents.values()].map((entry) => entry.incident));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#incidents.clear();
  }

  #newest(predicate: (incident: Incident) => boolean): Incident | undefined {
    let best: OrderedIncident | undefined;
    for (const entry of this.#incidents.values()) {
      if (predicate(entry.incident) && (!best || newestFirst(entry, best) < 0)) best = entry;
    }
    return best ? structuredClone(best.incident) : undefined;
  }

  #evictOne(): void {
    let oldestTerminal: OrderedIncident | undefined;
    let oldest: OrderedIncident | undefined;
    for (const entry of this.#incidents.values()) {
      if (!oldest || newestFirst(entry, oldest) > 0) oldest = entry;
      if (isTerminal(entry.incident.state) && (!oldestTerminal || newestFirst(entry, oldestTerminal) > 0)) {
        oldestTerminal = entry;
      }
    }
    const victim = oldestTerminal ?? oldest;
    if (victim) this.#incidents.delete(victim.incident.id);
  }

  /** One open incident per correlation key: the rule that makes racing collectors join one incident. */
  #assertKeyFree(correlationKey: string, id: string): void {
    for (const { incident } of this.#incidents.values()) {
      if (incident.id !== id && incident.correlationKey === correlationKey && !isTerminal(incident.state)) {
        throw new ConflictError(`incident ${incident.id} is already open for key ${correlationKey}`);
      }
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new BackendError("the incident store is closed", "memory-store", false);
  }
}

/**
 * Query semantics shared by the incident store adapters that filter in process (memory,
 * JetStream KV), so that every adapter pages, filters, searches and summarises alike.
 * SQLite expresses the same rules in SQL; the contract suite checks they agree.
 */
import { IncidentState, SUMMARY_OMITTED } from "../core/incident.js";
import type { Incident, IncidentSummary } from "../core/incident.js";
import type { Category } from "../core/vocabulary.js";
import type { IncidentPage, IncidentQuery } from "./incident-store.js";

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 1000;

/** The effective limit and offset of a query: limit in 1..MAX_PAGE_LIMIT, offset >= 0. */
export function pageBounds(query: IncidentQuery): { limit: number; offset: number } {
  const limit = Number.isFinite(query.limit) ? Math.trunc(query.limit as number) : DEFAULT_PAGE_LIMIT;
  const offset = Number.isFinite(query.offset) ? Math.trunc(query.offset as number) : 0;
  return { limit: Math.min(Math.max(limit, 1), MAX_PAGE_LIMIT), offset: Math.max(offset, 0) };
}

/** True for the states in which an incident takes no new alerts and holds no correlation key. */
export function isTerminal(state: IncidentState): boolean {
  return state === IncidentState.Resolved || state === IncidentState.Failed;
}

/** Put into effect, with no outcome decided, and not resolved (which decides it). */
export function awaitsOutcome(incident: Pick<Incident, "applied" | "outcome" | "state">): boolean {
  return (
    incident.applied !== undefined &&
    incident.outcome === undefined &&
    incident.state !== IncidentState.Resolved
  );
}

/** The list view of an incident: none of SUMMARY_OMITTED, and counts or picks of some. */
export function toIncidentSummary(incident: Incident): IncidentSummary {
  const { diagnosis, plan, alerts } = incident;
  const rest: Partial<Incident> = { ...incident };
  for (const field of SUMMARY_OMITTED) delete rest[field];
  const summary: IncidentSummary = {
    ...(structuredClone(rest) as IncidentSummary),
    alertCount: alerts.length,
  };
  if (plan !== undefined) summary.action = plan.action;
  if (diagnosis !== undefined) summary.confidence = diagnosis.confidence;
  return summary;
}

/** What the filters read: an incident, or a summary (which has no diagnosis to search). */
export type FilterableIncident = Pick<
  Incident,
  "state" | "category" | "namespace" | "alertname" | "subject" | "applied" | "outcome"
> &
  Partial<Pick<Incident, "diagnosis">>;

/**
 * Whether an incident passes a query's filters. `q` is a case-insensitive substring of
 * alertname, namespace, subject name or diagnosis summary, taken literally (no wildcards).
 */
export function matchesIncidentQuery(incident: FilterableIncident, query: IncidentQuery): boolean {
  if (query.state !== undefined && incident.state !== query.state) return false;
  if (query.category !== undefined && incident.category !== query.category) return false;
  if (query.namespace !== undefined && incident.namespace !== query.namespace) return false;
  if (query.alertname !== undefined && incident.alertname !== query.alertname) return false;
  if (query.awaitingOutcome && !awaitsOutcome(incident)) return false;
  const needle = query.q?.trim().toLowerCase();
  if (needle) {
    const haystack = [
      incident.alertname,
      incident.namespace,
      incident.subject?.name,
      incident.diagnosis?.summary,
    ];
    if (!haystack.some((s) => s?.toLowerCase().includes(needle))) return false;
  }
  return true;
}

export type IncidentCount = { state: IncidentState; category: Category | "none"; count: number };

/** Counts by state and category, sorted, for the metrics endpoint (stores without SQL's GROUP BY). */
export function countIncidents(incidents: Iterable<Pick<Incident, "state" | "category">>): IncidentCount[] {
  const counts = new Map<string, IncidentCount>();
  for (const incident of incidents) {
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

/** An incident with its insertion order (a sequence, a KV revision). */
export interface OrderedIncident {
  incident: Incident;
  order: number;
}

/** Newest first: greater openedAt, then the later insertion. */
export function newestFirst(a: OrderedIncident, b: OrderedIncident): number {
  if (a.incident.openedAt !== b.incident.openedAt) return a.incident.openedAt < b.incident.openedAt ? 1 : -1;
  return b.order - a.order;
}

/**
 * A page of summaries for stores that filter in memory: newest `openedAt` first, and
 * among equal times the later insertion first (`order`, as rowid does in SQLite).
 */
export function pageOf(
  entries: Iterable<{ incident: Incident; order: number }>,
  query: IncidentQuery,
): IncidentPage {
  return pageOfMatches(
    [...entries].filter(({ incident }) => matchesIncidentQuery(incident, query)),
    query,
  );
}

/** As pageOf, for entries already known to match the query (a store that filtered while reading). */
export function pageOfMatches(
  entries: { incident: Incident; order: number }[],
  query: IncidentQuery,
): IncidentPage {
  const { limit, offset } = pageBounds(query);
  const matches = entries.sort(newestFirst);
  return {
    items: matches.slice(offset, offset + limit).map((e) => toIncidentSummary(e.incident)),
    total: matches.length,
    limit,
    offset,
  };
}

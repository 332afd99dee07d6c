/**
 * Client-side filter matching for live updates, with the semantics of the store's
 * `matchesIncidentQuery` (src/store/incident-query.ts): exact state, category,
 * namespace and alertname; `q` a case-insensitive literal substring. The summary has no
 * diagnosis, so `q` is matched over alertname, namespace and subject name only.
 */
import type { IncidentSummary } from "../../../src/core/incident.js";
import type { ListQuery } from "./route.js";

export function matchesFilters(incident: IncidentSummary, query: ListQuery): boolean {
  if (query.state !== undefined && incident.state !== query.state) return false;
  if (query.category !== undefined && incident.category !== query.category) return false;
  if (query.namespace !== undefined && incident.namespace !== query.namespace) return false;
  if (query.alertname !== undefined && incident.alertname !== query.alertname) return false;
  const needle = query.q?.trim().toLowerCase();
  if (needle) {
    const haystack = [incident.alertname, incident.namespace, incident.subject?.name];
    if (!haystack.some((s) => s?.toLowerCase().includes(needle))) return false;
  }
  return true;
}

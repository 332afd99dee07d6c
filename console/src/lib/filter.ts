/**
 * Client-side filter matching for live updates: the store's own `matchesIncidentQuery`
 * (src/store/incident-query.ts, no Node imports, bundled by Vite). The summary has no
 * diagnosis, so `q` is matched over alertname, namespace and subject name only.
 */
import type { IncidentSummary } from "../../../src/core/incident.js";
import { matchesIncidentQuery } from "../../../src/store/incident-query.js";
import type { ListQuery } from "./route.js";

export function matchesFilters(incident: IncidentSummary, query: ListQuery): boolean {
  return matchesIncidentQuery(incident, query);
}

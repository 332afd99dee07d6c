/**
 * Hash routes: `#/` (the list, with its filters in the query), `#/incidents/<id>`.
 * The server serves one page; everything after `#` stays in the browser.
 */
import type { IncidentState } from "../../../src/core/incident.js";
import { isCategory, isState, type Category } from "./vocabulary.js";

const PAGE_SIZE = 50;

/** The list's filters and page, as the hash and the API both carry them. */
export interface ListQuery {
  state?: IncidentState;
  category?: Category;
  namespace?: string;
  alertname?: string;
  q?: string;
  offset: number;
}

export type Route =
  { page: "list"; query: ListQuery } | { page: "incident"; id: string } | { page: "not-found"; path: string };

const TEXT_FILTERS = ["namespace", "alertname", "q"] as const;

/** Reads list filters, dropping values the API would reject (unknown state, bad offset). */
function parseListQuery(params: URLSearchParams): ListQuery {
  const query: ListQuery = { offset: 0 };
  const state = params.get("state");
  if (isState(state)) query.state = state;
  const category = params.get("category");
  if (isCategory(category)) query.category = category;
  for (const key of TEXT_FILTERS) {
    const value = params.get(key)?.trim();
    if (value) query[key] = value;
  }
  const offset = Number(params.get("offset"));
  if (Number.isInteger(offset) && offset > 0) query.offset = offset;
  return query;
}

/** Query parameters for the filters in a stable order; offset 0 is left out. */
function listParams(query: ListQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.state) params.set("state", query.state);
  if (query.category) params.set("category", query.category);
  for (const key of TEXT_FILTERS) {
    const value = query[key]?.trim();
    if (value) params.set(key, value);
  }
  if (query.offset > 0) params.set("offset", String(query.offset));
  return params;
}

export function parseHash(hash: string): Route {
  const raw = hash.startsWith("#") ? hash.slice(1) : hash;
  const mark = raw.indexOf("?");
  const path = mark < 0 ? raw : raw.slice(0, mark);
  const search = mark < 0 ? "" : raw.slice(mark + 1);
  if (path === "" || path === "/")
    return { page: "list", query: parseListQuery(new URLSearchParams(search)) };
  const match = /^\/incidents\/([^/]+)\/?$/.exec(path);
  if (match?.[1]) {
    try {
      return { page: "incident", id: decodeURIComponent(match[1]) };
    } catch {
      return { page: "not-found", path };
    }
  }
  return { page: "not-found", path };
}

export function listHash(query: ListQuery): string {
  const search = listParams(query).toString();
  return search ? `#/?${search}` : "#/";
}

/** The hash of an incident's page: the same route the server's links use. */
export { incidentFragment as incidentHash } from "../../../src/core/links.js";

/** The API query string of a list page. */
export function apiListSearch(query: ListQuery, limit = PAGE_SIZE): string {
  const params = listParams(query);
  params.set("limit", String(limit));
  params.set("offset", String(query.offset));
  return params.toString();
}

/** Whether two queries select the same incidents (ignoring the page). */
export function sameFilters(a: ListQuery, b: ListQuery): boolean {
  return listHash({ ...a, offset: 0 }) === listHash({ ...b, offset: 0 });
}

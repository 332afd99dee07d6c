/** The service's incident API, with the stored credentials on every request. */
import type { Feedback, Incident, Proposal, RemediationApplied } from "../../../src/core/incident.js";
import type { ListPage } from "../lib/list-page.js";
import { apiListSearch, type ListQuery } from "../lib/route.js";
import type { Action, Category } from "../lib/vocabulary.js";
import type { ApiError } from "./errors.js";
import { apiErrorOf } from "./errors.js";

export interface DecisionInput {
  by?: string;
  note?: string;
}

export interface DecisionResult {
  id: string;
  proposal?: Proposal;
  applied?: RemediationApplied;
}

export interface FeedbackInput {
  verdict: "confirm" | "correct";
  category?: Category;
  action?: Action;
  note?: string;
  by?: string;
}

export interface Api {
  listIncidents(query: ListQuery, signal?: AbortSignal): Promise<ListPage>;
  getIncident(id: string, signal?: AbortSignal): Promise<Incident>;
  decide(id: string, verdict: "approve" | "reject", input: DecisionInput): Promise<DecisionResult>;
  feedback(id: string, input: FeedbackInput): Promise<{ id: string; feedback: Feedback[] }>;
}

export interface ApiOptions {
  /** The Authorization header to send, if any. */
  authorization: () => string | undefined;
  /** Called on every 401, so the console can ask for credentials. */
  onUnauthorized: (error: ApiError) => void;
  /**
   * Prefix of the API paths. Paths are relative ("api/..."), so a console served under a
   * path prefix reaches the API under the same prefix.
   */
  base?: string;
  fetch?: typeof fetch;
}

export function createApi(options: ApiOptions): Api {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.base ?? "";

  async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const headers = new Headers(init.headers);
    headers.set("accept", "application/json");
    const authorization = options.authorization();
    if (authorization) headers.set("authorization", authorization);
    // "omit": credentials travel only in our header, and a 401 does not open the
    // browser's own Basic sign-in dialog (it prompts only when it may send credentials).
    const response = await doFetch(`${base}${path}`, { ...init, headers, credentials: "omit" });
    if (!response.ok) {
      const error = await apiErrorOf(response);
      if (error.status === 401) options.onUnauthorized(error);
      throw error;
    }
    return (await response.json()) as T;
  }

  const post = <T>(path: string, body: unknown): Promise<T> =>
    request<T>(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  const incidentPath = (id: string): string => `api/incidents/${encodeURIComponent(id)}`;

  return {
    listIncidents: (query, signal) =>
      request<ListPage>(`api/incidents?${apiListSearch(query)}`, signal ? { signal } : {}),
    getIncident: (id, signal) => request<Incident>(incidentPath(id), signal ? { signal } : {}),
    decide: (id, verdict, input) => post<DecisionResult>(`${incidentPath(id)}/${verdict}`, compact(input)),
    feedback: (id, input) => post(`${incidentPath(id)}/feedback`, compact(input)),
  };
}

/** Drops empty and blank fields: the API rejects empty strings rather than ignoring them. */
export function compact<T extends object>(input: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, value] of Object.entries(input) as [keyof T, unknown][]) {
    if (value === undefined || value === null) continue;
    if (typeof value === "string" && value.trim() === "") continue;
    out[key] = (typeof value === "string" ? value.trim() : value) as T[keyof T];
  }
  return out;
}

import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { InputError, NotFoundError } from "../../core/errors.js";
import { keyNames } from "../../core/parse-body.js";
import { IncidentState } from "../../core/incident.js";
import { CATEGORIES } from "../../core/vocabulary.js";
import type { Category } from "../../core/vocabulary.js";
import type { IncidentQuery, IncidentStore } from "../../store/incident-store.js";

export interface IncidentRouteOptions {
  store: IncidentStore;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

const text = (max: number) => z.string().trim().min(1).max(max);
const STATES = Object.values(IncidentState) as [IncidentState, ...IncidentState[]];

/** Query parameters of GET /api/incidents. Unknown parameters are rejected, so a typo is not silently ignored. */
export const incidentListQuerySchema = z.strictObject({
  state: z.enum(STATES).optional(),
  category: z.enum(CATEGORIES as readonly Category[] as [Category, ...Category[]]).optional(),
  namespace: text(253).optional(),
  alertname: text(256).optional(),
  q: text(256).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Parses the query string; InputError naming the first bad parameter. */
export function parseIncidentQuery(raw: unknown): IncidentQuery {
  const result = incidentListQuerySchema.safeParse(raw ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((issue) => {
      // strictObject reports unknown keys on the object itself, with the names in `keys`.
      const path =
        issue.code === "unrecognized_keys"
          ? keyNames(issue.keys)
          : issue.path.map(String).join(".") || "(query)";
      return { path, message: issue.message };
    });
    const first = issues[0] ?? { path: "(query)", message: "invalid" };
    throw new InputError(`invalid query parameter ${first.path}: ${first.message}`, first.path, issues);
  }
  const query: IncidentQuery = { limit: result.data.limit, offset: result.data.offset };
  const { state, category, namespace, alertname, q } = result.data;
  if (state !== undefined) query.state = state;
  if (category !== undefined) query.category = category;
  if (namespace !== undefined) query.namespace = namespace;
  if (alertname !== undefined) query.alertname = alertname;
  if (q !== undefined) query.q = q;
  return query;
}

/** Read-only incident API: a filtered page of summaries, and one incident in full. */
export const incidentRoutes: FastifyPluginAsync<IncidentRouteOptions> = async (app, opts) => {
  const { store } = opts;

  app.get("/api/incidents", { config: { inputErrorCode: "invalid_query" } }, async (request) => {
    return store.list(parseIncidentQuery(request.query));
  });

  // Fastify answers 414 for an id beyond its maxParamLength (100) before this runs.
  app.get<{ Params: { id: string } }>("/api/incidents/:id", async (request) => {
    const incident = await store.get(request.params.id);
    if (!incident) throw new NotFoundError(`incident ${request.params.id} not found`);
    return incident;
  });
};

import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nastyString, type Json } from "../../../test/helpers/webhook-mutations.js";
import { createFeedbackService } from "../../agents/feedback.js";
import { createOutcomeTracker } from "../../agents/outcomes.js";
import { ConflictError, NotFoundError } from "../../core/errors.js";
import { IncidentState, type Incident } from "../../core/incident.js";
import { createLogger } from "../../observability/logger.js";
import { createMetrics } from "../../observability/metrics.js";
import { makeIncident } from "../../store/incident-store.contract.js";
import { MemoryIncidentStore } from "../../store/memory/memory-incident-store.js";
import { buildApp } from "../app.js";
import type { Approvals } from "./approvals.js";

/**
 * Every API body and query, fed anything: the answer is a success, or a 4xx whose JSON
 * body names the field; never a 5xx, and the next valid request still succeeds.
 */

const RUNS = { numRuns: 200 };
let app: FastifyInstance;
let store: MemoryIncidentStore;
let id: string;

/** Approvals that decide nothing: they look the incident up and refuse a second decision. */
function fakeApprovals(): Approvals {
  const decide = async (incidentId: string): Promise<Incident> => {
    const incident = await store.get(incidentId);
    if (!incident) throw new NotFoundError(`incident ${incidentId} not found`);
    if (incidentId !== id) throw new ConflictError("nothing to decide");
    return incident;
  };
  return { approve: decide, reject: decide };
}

beforeAll(async () => {
  store = new MemoryIncidentStore();
  const logger = createLogger({ level: "silent" });
  app = await buildApp({
    store,
    feedback: createFeedbackService({ store }),
    outcomes: createOutcomeTracker({ store, windowMs: 30 * 60_000, logger }),
    approvals: fakeApprovals(),
    deadLetters: async (limit) => Array.from({ length: Math.min(limit, 3) }, () => ({}) as never),
    metrics: createMetrics(),
    logger,
    bodyLimitBytes: 64 * 1024,
    readiness: async () => ({ ready: true, checks: {} }),
  });
  const incident = makeIncident({
    state: IncidentState.Planned,
    plan: {
      action: "restart",
      target: { kind: "Deployment", namespace: "shop", name: "api" },
      params: {},
      risk: "low",
      rationale: "stale connections",
      createdAt: new Date().toISOString(),
    },
  });
  await store.create(incident);
  id = incident.id;
});
afterAll(async () => {
  await app.close();
});

function post(path: string, body: Json | undefined) {
  return app.inject({
    method: "POST",
    url: path,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
}

function expectClearAnswer(res: LightMyRequestResponse, ok: readonly number[]): void {
  expect(res.statusCode, res.body).toBeLessThan(500);
  if (ok.includes(res.statusCode)) return;
  expect(res.statusCode).toBeGreaterThanOrEqual(400);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  const body = res.json<{ error: string; message: string; field?: string }>();
  expect(body.error).toMatch(/^[a-z_]+$/);
  expect(body.message).toMatch(/\S/);
  if (res.statusCode === 400) expect(body.field).toMatch(/\S/);
}

/** A value for any field: right type or not, hostile or huge. */
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue() as fc.Arbitrary<Json>,
  nastyString,
  fc.constantFrom<Json>(null, "", " ", "x".repeat(5000), "2026-01-01T00:00:00Z", "9999-12-31T23:59:59Z"),
);

const feedbackBody: fc.Arbitrary<Json> = fc.record(
  {
    verdict: fc.oneof(fc.constantFrom("confirm", "correct"), anyValue),
    category: fc.oneof(fc.constantFrom("oom_killed", "bad_rollout", "nope"), anyValue),
    action: fc.oneof(fc.constantFrom("rollback", "restart", "delete_namespace"), anyValue),
    note: anyValue,
    by: anyValue,
  },
  { requiredKeys: [] },
);
const appliedBody: fc.Arbitrary<Json> = fc.record(
  {
    via: fc.oneof(fc.constantFrom("applied", "merged"), anyValue),
    at: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom("2024-02-30T00:00:00Z", "0000-01-01T00:00:00Z", "yesterday"),
      anyValue,
    ),
    by: anyValue,
    ref: anyValue,
  },
  { requiredKeys: [] },
);
const decisionBody: fc.Arbitrary<Json> = fc.record({ by: anyValue, note: anyValue }, { requiredKeys: [] });

const endpoints: { name: string; path: () => string; body: fc.Arbitrary<Json>; valid: Json }[] = [
  {
    name: "feedback",
    path: () => `/api/incidents/${id}/feedback`,
    body: feedbackBody,
    valid: { verdict: "confirm" },
  },
  {
    name: "applied",
    path: () => `/api/incidents/${id}/applied`,
    body: appliedBody,
    valid: { via: "merged" },
  },
  { name: "approve", path: () => `/api/incidents/${id}/approve`, body: decisionBody, valid: {} },
  { name: "reject", path: () => `/api/incidents/${id}/reject`, body: decisionBody, valid: {} },
];

describe.each(endpoints)("POST $name on any body", ({ path, body, valid }) => {
  const stillServing = async () => expect((await post(path(), valid)).statusCode).toBe(200);

  it("any JSON value is 200 or a 4xx naming the field", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue() as fc.Arbitrary<Json>, async (value) => {
        expectClearAnswer(await post(path(), value), [200]);
        await stillServing();
      }),
      RUNS,
    );
  });

  it("any object with arbitrary keys is 200 or a 4xx naming the field", async () => {
    const anyObject = fc.dictionary(fc.oneof(fc.string(), nastyString), anyValue) as fc.Arbitrary<Json>;
    await fc.assert(
      fc.asyncProperty(anyObject, async (value) => {
        expectClearAnswer(await post(path(), value), [200]);
      }),
      RUNS,
    );
    await stillServing();
  });

  it("its own fields with any values are 200 or a 4xx naming the field", async () => {
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        expectClearAnswer(await post(path(), value), [200]);
      }),
      RUNS,
    );
    await stillServing();
  });

  it("no body, an empty body and invalid UTF-8 are 400 or taken as {}", async () => {
    expectClearAnswer(await post(path(), undefined), [200]);
    const empty = await app.inject({
      method: "POST",
      url: path(),
      headers: { "content-type": "application/json" },
      payload: "",
    });
    expect(empty.statusCode).toBe(400);
    const invalid = await app.inject({
      method: "POST",
      url: path(),
      headers: { "content-type": "application/json" },
      payload: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ field: "(body)" });
    await stillServing();
  });
});

describe("POST on any incident id", () => {
  it.each(["%zz", "%00", "..%2F..%2Fetc%2Fpasswd", "..", "%2e%2e", "a".repeat(101)])(
    "the id %j is a clear 4xx",
    async (raw) => {
      const res = await post(`/api/incidents/${raw}/feedback`, { verdict: "confirm" });
      expectClearAnswer(res, []);
    },
  );

  it("an arbitrary id is 404, 414 or a decided answer; never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ minLength: 1 }),
          nastyString.filter((s) => s.length > 0),
        ),
        fc.constantFrom("feedback", "applied", "approve", "reject"),
        async (raw, verb) => {
          let encoded = "";
          try {
            encoded = encodeURIComponent(raw);
          } catch {
            fc.pre(false); // a lone surrogate has no URL form
          }
          const res = await post(`/api/incidents/${encoded}/${verb}`, {
            verdict: "confirm",
            via: "merged",
          });
          expect(res.statusCode, res.body).toBeLessThan(500);
          expect(res.headers["content-type"]).toMatch(/^application\/json/);
        },
      ),
      RUNS,
    );
  });
});

/** A query string from arbitrary pairs, or arbitrary raw text after `?`. */
const anyQuery: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom("state", "category", "namespace", "alertname", "q", "limit", "offset"),
          fc.string(),
        ),
        fc.oneof(
          fc.string(),
          nastyString,
          fc.integer().map(String),
          fc.constantFrom("", "1e3", "NaN", "-0", "0x10", "500", "501", "planned"),
        ),
      ),
      { maxLength: 5 },
    )
    .map((pairs) => new URLSearchParams(pairs).toString()),
  fc.string().map((raw) => raw.replace(/[#\s]/g, "")),
);

describe.each([
  { name: "GET /api/incidents", path: "/api/incidents" },
  { name: "GET /api/dead-letters", path: "/api/dead-letters" },
])("$name on any query", ({ path }) => {
  it("is 200 or a 400 naming the parameter", async () => {
    await fc.assert(
      fc.asyncProperty(anyQuery, async (query) => {
        const res = await app.inject({ method: "GET", url: `${path}?${query}` });
        expectClearAnswer(res, [200]);
        if (res.statusCode === 400) {
          const field = res.json<{ field: string }>().field;
          expect(res.json<{ message: string }>().message).toContain(field);
        }
        expect((await app.inject({ method: "GET", url: path })).statusCode).toBe(200);
      }),
      { numRuns: 400 },
    );
  });
});

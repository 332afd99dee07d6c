import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { Evidence } from "../../core/evidence.js";
import type { Incident, IncidentSummary } from "../../core/incident.js";
import type { IncidentPage, IncidentQuery, IncidentStore } from "../../store/incident-store.js";
import { createLogger } from "../../observability/logger.js";
import { createMetrics } from "../../observability/metrics.js";
import { buildApp } from "../app.js";
import type { AppDeps, Intake } from "../app.js";
import { parseIncidentQuery } from "./incidents.js";

const incident: Incident = {
  id: "inc-7",
  correlationKey: "KubePodCrashLooping/payments/Deployment/payments-api",
  state: "planned",
  alertname: "KubePodCrashLooping",
  severity: "warning",
  namespace: "payments",
  subject: { kind: "Deployment", namespace: "payments", name: "payments-api" },
  alerts: [],
  notifications: 1,
  openedAt: "2026-11-25T21:24:34.173Z",
  updatedAt: "2026-11-25T21:24:40.000Z",
  category: "oom_killed",
  evidence: {
    collectedAt: "2026-11-25T21:24:35.000Z",
    pods: [],
    events: [],
    logs: [],
  } as unknown as Evidence,
  diagnosis: {
    category: "oom_killed",
    confidence: 0.95,
    summary: "container app was OOMKilled",
    findings: [],
    decidedBy: "analyzers",
    createdAt: "2026-11-25T21:24:36.000Z",
  },
  plan: {
    action: "increase_memory_limit",
    target: { kind: "Deployment", namespace: "payments", name: "payments-api", container: "app" },
    params: { memory: "512Mi" },
    risk: "low",
    rationale: "peak usage reached the limit",
    createdAt: "2026-11-25T21:24:37.000Z",
  },
};

/** An in-memory store that records the queries it is given. */
class FakeStore implements IncidentStore {
  readonly name = "fake";
  readonly queries: IncidentQuery[] = [];
  constructor(private readonly incidents: Incident[]) {}
  async get(id: string) {
    return this.incidents.find((i) => i.id === id);
  }
  async findOpenByKey() {
    return undefined;
  }
  async findByFingerprint() {
    return undefined;
  }
  async create() {}
  async update(): Promise<Incident> {
    throw new Error("not used");
  }
  async list(query: IncidentQuery): Promise<IncidentPage> {
    this.queries.push(query);
    const items: IncidentSummary[] = this.incidents
      .filter((i) => !query.state || i.state === query.state)
      .map(({ evidence: _e, diagnosis: _d, plan: _p, alerts, ...rest }) => ({
        ...rest,
        alertCount: alerts.length,
      }));
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 50;
    return { items: items.slice(offset, offset + limit), total: items.length, limit, offset };
  }
  async counts() {
    return [];
  }
  async close() {}
}

const noIntake: Intake = {
  async accept() {
    throw new Error("not used");
  },
};

let open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.map((a) => a.close()));
  open = [];
});

async function harness(overrides: Partial<AppDeps> = {}) {
  const store = new FakeStore([incident]);
  const app = await buildApp({
    intake: noIntake,
    store,
    metrics: createMetrics(),
    logger: createLogger({ level: "silent" }),
    bodyLimitBytes: 1024,
    readiness: async () => ({ ready: true, checks: {} }),
    ...overrides,
  });
  open.push(app);
  return { app, store };
}

describe("GET /api/incidents", () => {
  it("returns the store's page with defaults limit 50, offset 0", async () => {
    const { app, store } = await harness();
    const res = await app.inject({ method: "GET", url: "/api/incidents" });
    expect(res.statusCode).toBe(200);
    const page = res.json();
    expect(page).toMatchObject({ total: 1, limit: 50, offset: 0 });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ id: "inc-7", alertCount: 0 });
    expect(page.items[0].evidence).toBeUndefined();
    expect(store.queries).toEqual([{ limit: 50, offset: 0 }]);
  });

  it("passes every filter through to the store", async () => {
    const { app, store } = await harness();
    const res = await app.inject({
      method: "GET",
      url: "/api/incidents",
      query: {
        state: "planned",
        category: "oom_killed",
        namespace: "payments",
        alertname: "KubePodCrashLooping",
        q: "payments api",
        limit: "10",
        offset: "20",
      },
    });
    expect(res.statusCode).toBe(200);
    expect(store.queries).toEqual([
      {
        state: "planned",
        category: "oom_killed",
        namespace: "payments",
        alertname: "KubePodCrashLooping",
        q: "payments api",
        limit: 10,
        offset: 20,
      },
    ]);
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    ["limit=ten", "limit"],
    ["limit=2.5", "limit"],
    ["offset=-1", "offset"],
    ["state=sleeping", "state"],
    ["category=cosmic_rays", "category"],
    ["state=open&state=planned", "state"],
    ["namespace=", "namespace"],
    ["limt=5", "limt"],
  ])("?%s is 400 naming %s", async (qs, param) => {
    const { app, store } = await harness();
    const res = await app.inject({ method: "GET", url: `/api/incidents?${qs}` });
    expect(res.statusCode).toBe(400);
    const json = res.json();
    expect(json).toMatchObject({ error: "invalid_query", field: param });
    expect(json.message).toContain(param);
    expect(store.queries).toHaveLength(0);
  });

  it("accepts the limit bounds 1 and 500", async () => {
    const { app, store } = await harness();
    expect((await app.inject({ method: "GET", url: "/api/incidents?limit=1" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/api/incidents?limit=500&offset=0" })).statusCode).toBe(
      200,
    );
    expect(store.queries.map((q) => q.limit)).toEqual([1, 500]);
  });

  it("a backend failure of the store is 503", async () => {
    const { app, store } = await harness();
    store.list = async () => {
      const { BackendError } = await import("../../core/errors.js");
      throw new BackendError("sqlite: database is locked", "store");
    };
    const res = await app.inject({ method: "GET", url: "/api/incidents" });
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBeDefined();
  });
});

describe("GET /api/incidents/:id", () => {
  it("returns the full incident with evidence, diagnosis and plan", async () => {
    const { app } = await harness();
    const res = await app.inject({ method: "GET", url: "/api/incidents/inc-7" });
    expect(res.statusCode).toBe(200);
    const json = res.json();
    expect(json.id).toBe("inc-7");
    expect(json.evidence.collectedAt).toBe("2026-11-25T21:24:35.000Z");
    expect(json.diagnosis.category).toBe("oom_killed");
    expect(json.plan.action).toBe("increase_memory_limit");
  });

  it("an unknown id is 404", async () => {
    const { app } = await harness();
    const res = await app.inject({ method: "GET", url: "/api/incidents/inc-8" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: "not_found" });
  });

  it("an over-long id is answered by Fastify's 414 in the JSON error shape", async () => {
    const { app } = await harness();
    const res = await app.inject({ method: "GET", url: `/api/incidents/${"a".repeat(201)}` });
    expect(res.statusCode).toBe(414);
    expect(res.json()).toMatchObject({ error: "uri_too_long" });
  });

  it("requires auth when configured", async () => {
    const { app } = await harness({ auth: { bearerToken: "tok" } });
    expect((await app.inject({ method: "GET", url: "/api/incidents/inc-7" })).statusCode).toBe(401);
    const ok = await app.inject({
      method: "GET",
      url: "/api/incidents/inc-7",
      headers: { authorization: "Bearer tok" },
    });
    expect(ok.statusCode).toBe(200);
  });
});

describe("parseIncidentQuery", () => {
  it("trims text filters and coerces numbers", () => {
    expect(parseIncidentQuery({ q: "  oom ", limit: "7" })).toEqual({ q: "oom", limit: 7, offset: 0 });
  });
  it("treats a missing query as the defaults", () => {
    expect(parseIncidentQuery(undefined)).toEqual({ limit: 50, offset: 0 });
  });
});

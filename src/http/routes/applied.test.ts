import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { createOutcomeTracker } from "../../agents/outcomes.js";
import { IncidentState } from "../../core/incident.js";
import { createLogger } from "../../observability/logger.js";
import { createMetrics } from "../../observability/metrics.js";
import { makeIncident } from "../../store/incident-store.contract.js";
import { MemoryIncidentStore } from "../../store/memory/memory-incident-store.js";
import { buildApp } from "../app.js";

const open: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of open.splice(0)) await app.close();
});

async function harness(auth?: { bearerToken: string }) {
  const store = new MemoryIncidentStore();
  const logger = createLogger({ level: "silent" });
  const outcomes = createOutcomeTracker({ store, windowMs: 30 * 60_000, logger });
  const app = await buildApp({
    store,
    outcomes,
    metrics: createMetrics(),
    logger,
    bodyLimitBytes: 4096,
    readiness: async () => ({ ready: true, checks: {} }),
    ...(auth ? { auth } : {}),
  });
  open.push(app);
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
  return { app, store, incident };
}

describe("POST /api/incidents/:id/applied", () => {
  it("records that the remediation is in effect", async () => {
    const { app, store, incident } = await harness();
    const response = await app.inject({
      method: "POST",
      url: `/api/incidents/${incident.id}/applied`,
      payload: { via: "merged", by: "alice", ref: "https://git.example/org/gitops/pull/12" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: incident.id, applied: { via: "merged", by: "alice" } });
    expect((await store.get(incident.id))?.applied?.ref).toBe("https://git.example/org/gitops/pull/12");
  });

  it("answers 400 naming the field, 404 for an unknown incident", async () => {
    const { app, incident } = await harness();
    const bad = await app.inject({
      method: "POST",
      url: `/api/incidents/${incident.id}/applied`,
      payload: { via: "deployed" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: "invalid_applied" });
    expect(bad.body).toContain("via");
    const missing = await app.inject({
      method: "POST",
      url: "/api/incidents/inc-nope/applied",
      payload: { via: "applied" },
    });
    expect(missing.statusCode).toBe(404);
  });

  it("is behind the API's credentials", async () => {
    const { app, incident } = await harness({ bearerToken: "s3cret" });
    const denied = await app.inject({
      method: "POST",
      url: `/api/incidents/${incident.id}/applied`,
      payload: { via: "applied" },
    });
    expect(denied.statusCode).toBe(401);
    const allowed = await app.inject({
      method: "POST",
      url: `/api/incidents/${incident.id}/applied`,
      headers: { authorization: "Bearer s3cret" },
      payload: { via: "applied" },
    });
    expect(allowed.statusCode).toBe(200);
  });
});

import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { IncidentStore } from "../../store/incident-store.js";
import { createLogger } from "../../observability/logger.js";
import { createMetrics } from "../../observability/metrics.js";
import type { Metrics } from "../../observability/metrics.js";
import { buildApp } from "../app.js";
import type { AppDeps, Intake } from "../app.js";

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

async function build(readiness: AppDeps["readiness"], metrics: Metrics = createMetrics()) {
  const app = await buildApp({
    intake: noIntake,
    store: {} as IncidentStore,
    metrics,
    logger: createLogger({ level: "silent" }),
    bodyLimitBytes: 1024,
    readiness,
    auth: { bearerToken: "tok" },
  });
  open.push(app);
  return app;
}

describe("health", () => {
  it("/healthz is 200 while the process runs, whatever readiness says", async () => {
    const app = await build(async () => ({ ready: false, checks: {} }));
    const res = await app.inject({ method: "GET", url: "/healthz" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });

  it("/readyz is 200 with the checks when ready", async () => {
    const app = await build(async () => ({
      ready: true,
      checks: { bus: { ok: true }, store: { ok: true } },
    }));
    const res = await app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ready", checks: { bus: { ok: true }, store: { ok: true } } });
  });

  it("/readyz is 503 with the failing check when not ready", async () => {
    const app = await build(async () => ({
      ready: false,
      checks: { bus: { ok: false, detail: "nats disconnected" }, store: { ok: true } },
    }));
    const res = await app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      status: "not_ready",
      checks: { bus: { ok: false, detail: "nats disconnected" } },
    });
  });

  it("/readyz is 503 when the readiness check itself throws", async () => {
    const app = await build(async () => {
      throw new Error("boom at /var/lib/secret");
    });
    const res = await app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json().status).toBe("not_ready");
    expect(res.body).not.toContain("/var/lib/secret");
  });
});

describe("/metrics", () => {
  it("serves the app registry in the Prometheus text format, without auth", async () => {
    const metrics = createMetrics({
      incidentCounts: async () => [{ state: "open", category: "oom_killed", count: 3 }],
    });
    metrics.busMessages.inc({ stage: "collect", outcome: "ack" });
    const app = await build(async () => ({ ready: true, checks: {} }), metrics);
    const res = await app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe(metrics.registry.contentType);
    expect(res.body).toContain('aiops_incidents{state="open",category="oom_killed"} 3');
    expect(res.body).toContain('aiops_bus_messages_total{stage="collect",outcome="ack"} 1');
    expect(res.body).toContain("aiops_process_cpu_user_seconds_total");
  });
});

describe("unknown routes", () => {
  it("are 404 in the JSON error shape", async () => {
    const app = await build(async () => ({ ready: true, checks: {} }));
    const res = await app.inject({ method: "GET", url: "/nope" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: "not_found" });
  });

  it("a malformed URL is 400 in the JSON error shape", async () => {
    const app = await build(async () => ({ ready: true, checks: {} }));
    const res = await app.inject({ method: "GET", url: "/api/incidents/%E0%A4%A" });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: "bad_request" });
  });
});

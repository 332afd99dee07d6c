import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { NormalisedWebhook } from "../../core/alertmanager.js";
import { BackendError } from "../../core/errors.js";
import type { IncidentStore } from "../../store/incident-store.js";
import { createLogger } from "../../observability/logger.js";
import { createMetrics } from "../../observability/metrics.js";
import type { Metrics } from "../../observability/metrics.js";
import { buildApp } from "../app.js";
import type { AppDeps, Intake } from "../app.js";

const FIXTURES = fileURLToPath(new URL("../../../../shared/fixtures/alertmanager/", import.meta.url));

function fixtureFiles(): string[] {
  const out: string[] = [];
  for (const dir of [FIXTURES, join(FIXTURES, "real-world")]) {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith(".json") && !name.endsWith(".headers.json")) out.push(join(dir, name));
    }
  }
  return out;
}

const crashloop = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, "crashloop-firing.json"), "utf8")) as Record<string, unknown>;

/** A payload with its first alert's fields changed (or removed, with `undefined`). */
function withAlert(change: Record<string, unknown>): Record<string, unknown> {
  const body = crashloop();
  const alerts = body.alerts as Record<string, unknown>[];
  const first = { ...alerts[0], ...change };
  for (const [k, v] of Object.entries(change)) if (v === undefined) delete first[k];
  body.alerts = [first, ...alerts.slice(1)];
  return body;
}

class RecordingIntake implements Intake {
  readonly calls: { webhook: NormalisedWebhook; meta: { receivedAt: string; path: string } }[] = [];
  failWith: Error | undefined;
  async accept(webhook: NormalisedWebhook, meta: { receivedAt: string; path: string }) {
    if (this.failWith) throw this.failWith;
    this.calls.push({ webhook, meta });
    return { accepted: webhook.alerts.length, incidentHint: "inc-1" };
  }
}

const unusedStore = new Proxy({} as IncidentStore, {
  get(_t, prop) {
    if (prop === "then") return undefined;
    throw new Error(`the webhook must not touch the store (${String(prop)})`);
  },
});

interface Harness {
  app: FastifyInstance;
  intake: RecordingIntake;
  metrics: Metrics;
}

let open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.map((a) => a.close()));
  open = [];
});

async function harness(overrides: Partial<AppDeps> = {}): Promise<Harness> {
  const intake = new RecordingIntake();
  const metrics = createMetrics();
  const app = await buildApp({
    intake,
    store: unusedStore,
    metrics,
    logger: createLogger({ level: "silent" }),
    bodyLimitBytes: 64 * 1024,
    readiness: async () => ({ ready: true, checks: {} }),
    ...overrides,
  });
  open.push(app);
  return { app, intake, metrics };
}

function post(app: FastifyInstance, body: unknown, headers: Record<string, string> = {}, url = "/alert") {
  return app.inject({
    method: "POST",
    url,
    headers: { "content-type": "application/json", ...headers },
    payload: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function counter(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  const match = data.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return match?.value ?? 0;
}

describe("webhook: accepted payloads", () => {
  it("answers 202 after the intake accepted, on both paths", async () => {
    const { app, intake } = await harness();
    for (const url of ["/alert", "/api/v1/alerts"]) {
      const res = await post(app, crashloop(), {}, url);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ status: "accepted", alerts: 1, incident: "inc-1" });
    }
    expect(intake.calls).toHaveLength(2);
    expect(intake.calls.map((c) => c.meta.path)).toEqual(["/alert", "/api/v1/alerts"]);
    const first = intake.calls[0];
    expect(first?.webhook.alerts[0]?.fingerprint).toBe("9d40a478ca8c3cac");
    expect(first?.webhook.alerts[0]?.labels.namespace).toBe("payments");
    expect(Number.isNaN(Date.parse(first?.meta.receivedAt ?? ""))).toBe(false);
  });

  it("accepts application/json with a charset", async () => {
    const { app, intake } = await harness();
    const res = await post(app, crashloop(), { "content-type": "application/json; charset=utf-8" });
    expect(res.statusCode).toBe(202);
    expect(intake.calls).toHaveLength(1);
  });

  const files = fixtureFiles();
  it("finds the fixture files", () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });
  it.each(files.map((f) => [f.slice(FIXTURES.length), f]))("accepts %s", async (_name, file) => {
    const { app, intake } = await harness();
    const raw = readFileSync(file, "utf8");
    const expected = (JSON.parse(raw) as { alerts: unknown[] }).alerts.length;
    const res = await post(app, raw);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ status: "accepted", alerts: expected });
    expect(intake.calls[0]?.webhook.alerts).toHaveLength(expected);
  });
});

describe("webhook: invalid payloads", () => {
  const missing: [string, Record<string, unknown>, string][] = [
    [
      "alerts",
      (() => {
        const b = crashloop();
        delete b.alerts;
        return b;
      })(),
      "alerts",
    ],
    ["alerts[0].status", withAlert({ status: undefined }), "alerts[0].status"],
    ["alerts[0].labels", withAlert({ labels: undefined }), "alerts[0].labels"],
    ["alerts[0].startsAt", withAlert({ startsAt: undefined }), "alerts[0].startsAt"],
  ];
  it.each(missing)("missing %s is 400 naming it", async (_name, body, field) => {
    const { app, intake } = await harness();
    const res = await post(app, body);
    expect(res.statusCode).toBe(400);
    const json = res.json();
    expect(json.error).toBe("invalid_webhook");
    expect(json.field).toBe(field);
    expect(json.message).toContain(field);
    expect(json.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
    expect(intake.calls).toHaveLength(0);
  });

  const wrong: [string, Record<string, unknown>, string][] = [
    [
      "a label value that is a number",
      withAlert({ labels: { alertname: "X", replicas: 3 } }),
      "alerts[0].labels.replicas",
    ],
    ["status bogus", withAlert({ status: "bogus" }), "alerts[0].status"],
    ["startsAt yesterday", withAlert({ startsAt: "yesterday" }), "alerts[0].startsAt"],
    ["alerts not an array", { ...crashloop(), alerts: { status: "firing" } }, "alerts"],
    ["alerts empty", { ...crashloop(), alerts: [] }, "alerts"],
    ["truncatedAlerts -1", { ...crashloop(), truncatedAlerts: -1 }, "truncatedAlerts"],
  ];
  it.each(wrong)("%s is 400 naming the field", async (_name, body, field) => {
    const { app, intake } = await harness();
    const res = await post(app, body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: "invalid_webhook", field });
    expect(intake.calls).toHaveLength(0);
  });

  it("a JSON array body is 400 on (body)", async () => {
    const { app } = await harness();
    const res = await post(app, "[1,2]");
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: "invalid_webhook", field: "(body)" });
  });

  it("bad JSON is 400 bad_request on (body)", async () => {
    const { app, intake } = await harness();
    const res = await post(app, '{"alerts": [');
    expect(res.statusCode).toBe(400);
    const json = res.json();
    expect(json).toMatchObject({ error: "bad_request", field: "(body)" });
    expect(typeof json.message).toBe("string");
    expect(intake.calls).toHaveLength(0);
  });

  it("an empty JSON body is 400", async () => {
    const { app } = await harness();
    const res = await post(app, "");
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: "bad_request", field: "(body)" });
  });

  it("a body over the limit is 413", async () => {
    const { app, intake } = await harness({ bodyLimitBytes: 4096 });
    const body = withAlert({ annotations: { description: "x".repeat(5000) } });
    const res = await post(app, body);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: "payload_too_large" });
    expect(intake.calls).toHaveLength(0);
    // The same payload without the padding fits.
    expect((await post(app, crashloop())).statusCode).toBe(202);
  });

  it.each([
    ["text/plain", JSON.stringify({ alerts: [] })],
    ["application/x-www-form-urlencoded", "alerts=1"],
    ["application/xml", "<alerts/>"],
  ])("content type %s is 415", async (type, payload) => {
    const { app, intake } = await harness();
    const res = await app.inject({
      method: "POST",
      url: "/alert",
      headers: { "content-type": type },
      payload,
    });
    expect(res.statusCode).toBe(415);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({ error: "unsupported_media_type" });
    expect(intake.calls).toHaveLength(0);
  });

  it("a valid JSON body sent as text/plain is still 415", async () => {
    const { app, intake } = await harness();
    const res = await post(app, crashloop(), { "content-type": "text/plain" });
    expect(res.statusCode).toBe(415);
    expect(intake.calls).toHaveLength(0);
  });
});

describe("webhook: intake failures", () => {
  it("BackendError from the intake is 503 with Retry-After, and nothing counted as received", async () => {
    const { app, intake, metrics } = await harness();
    intake.failWith = new BackendError("nats: connection refused at 10.0.0.5:4222", "bus");
    const res = await post(app, crashloop());
    expect(res.statusCode).toBe(503);
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    const json = res.json();
    expect(json.error).toBe("unavailable");
    expect(json.message).not.toContain("10.0.0.5");
    expect(await counter(metrics, "aiops_alerts_received_total", { status: "firing" })).toBe(0);
    expect(await counter(metrics, "aiops_webhooks_rejected_total", { reason: "unavailable" })).toBe(1);
    expect(await counter(metrics, "aiops_stage_errors_total", { stage: "webhook" })).toBe(1);
  });

  it("an unexpected intake error is 500 without internals", async () => {
    const { app, intake } = await harness();
    intake.failWith = new TypeError("cannot read properties of undefined (reading 'secretThing')");
    const res = await post(app, crashloop());
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain("secretThing");
    expect(res.json()).toMatchObject({ error: "internal" });
  });
});

describe("webhook: metrics", () => {
  it("counts received alerts by status and rejections by reason", async () => {
    const { app, metrics } = await harness({ auth: { bearerToken: "s3cret" } });
    const auth = { authorization: "Bearer s3cret" };
    const mixed = join(FIXTURES, "real-world", "grafana-9-mixed-firing-group-with-resolved-alerts.json");
    expect((await post(app, readFileSync(mixed, "utf8"), auth)).statusCode).toBe(202);
    expect((await post(app, crashloop(), auth)).statusCode).toBe(202);
    expect(await counter(metrics, "aiops_alerts_received_total", { status: "firing" })).toBe(2);
    expect(await counter(metrics, "aiops_alerts_received_total", { status: "resolved" })).toBe(2);

    await post(app, crashloop());
    await post(app, "{", auth);
    await post(app, withAlert({ status: "bogus" }), auth);
    await post(app, crashloop(), { ...auth, "content-type": "text/plain" });
    expect(await counter(metrics, "aiops_webhooks_rejected_total", { reason: "unauthorized" })).toBe(1);
    expect(await counter(metrics, "aiops_webhooks_rejected_total", { reason: "bad_request" })).toBe(1);
    expect(await counter(metrics, "aiops_webhooks_rejected_total", { reason: "invalid_webhook" })).toBe(1);
    expect(
      await counter(metrics, "aiops_webhooks_rejected_total", { reason: "unsupported_media_type" }),
    ).toBe(1);

    const exposition = await (await app.inject({ method: "GET", url: "/metrics" })).body;
    expect(exposition).toMatch(/aiops_stage_duration_seconds_count\{stage="webhook"\} 2/);
  });
});

describe("webhook: auth", () => {
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

  it("bearer: missing and wrong are 401 with a challenge, right is 202", async () => {
    const { app, intake } = await harness({ auth: { bearerToken: "s3cret-token" } });
    const missing = await post(app, crashloop());
    expect(missing.statusCode).toBe(401);
    expect(missing.headers["www-authenticate"]).toMatch(/^Bearer realm=/);
    expect(missing.json()).toMatchObject({ error: "unauthorized" });
    for (const header of [
      "Bearer wrong",
      "Bearer s3cret-toke",
      "Bearer s3cret-token2",
      "s3cret-token",
      basic("a", "s3cret-token"),
    ]) {
      const res = await post(app, crashloop(), { authorization: header });
      expect(res.statusCode, header).toBe(401);
      expect(res.headers["www-authenticate"]).toBeDefined();
    }
    expect(intake.calls).toHaveLength(0);
    const ok = await post(app, crashloop(), { authorization: "Bearer s3cret-token" });
    expect(ok.statusCode).toBe(202);
    expect((await post(app, crashloop(), { authorization: "bearer s3cret-token" })).statusCode).toBe(202);
    expect(intake.calls).toHaveLength(2);
  });

  it("basic: missing, wrong user, wrong password are 401; right is 202", async () => {
    const { app, intake } = await harness({ auth: { basic: { username: "am", password: "p:w" } } });
    const missing = await post(app, crashloop());
    expect(missing.statusCode).toBe(401);
    expect(missing.headers["www-authenticate"]).toMatch(/^Basic realm=/);
    expect((await post(app, crashloop(), { authorization: basic("am", "nope") })).statusCode).toBe(401);
    expect((await post(app, crashloop(), { authorization: basic("AM", "p:w") })).statusCode).toBe(401);
    expect((await post(app, crashloop(), { authorization: "Basic !!!notbase64" })).statusCode).toBe(401);
    expect((await post(app, crashloop(), { authorization: "Bearer p:w" })).statusCode).toBe(401);
    expect(intake.calls).toHaveLength(0);
    expect((await post(app, crashloop(), { authorization: basic("am", "p:w") })).statusCode).toBe(202);
  });

  it("with both configured, either passes and the 401 offers both challenges", async () => {
    const { app, intake } = await harness({
      auth: { bearerToken: "tok", basic: { username: "u", password: "pw" } },
    });
    const missing = await post(app, crashloop());
    expect(missing.statusCode).toBe(401);
    const challenge = String(missing.headers["www-authenticate"]);
    expect(challenge).toContain("Bearer");
    expect(challenge).toContain("Basic");
    expect((await post(app, crashloop(), { authorization: "Bearer tok" })).statusCode).toBe(202);
    expect((await post(app, crashloop(), { authorization: basic("u", "pw") })).statusCode).toBe(202);
    expect((await post(app, crashloop(), { authorization: basic("u", "tok") })).statusCode).toBe(401);
    expect(intake.calls).toHaveLength(2);
  });

  it("auth is checked before the body: an unauthenticated oversized or malformed body is 401", async () => {
    const { app } = await harness({ auth: { bearerToken: "tok" }, bodyLimitBytes: 100 });
    expect((await post(app, "x".repeat(500))).statusCode).toBe(401);
  });

  it("guards /api/* but leaves health and metrics open", async () => {
    const { app } = await harness({ auth: { bearerToken: "tok" } });
    expect((await app.inject({ method: "GET", url: "/api/incidents" })).statusCode).toBe(401);
    expect((await app.inject({ method: "GET", url: "/api/incidents/abc" })).statusCode).toBe(401);
    for (const url of ["/healthz", "/readyz", "/metrics"]) {
      expect((await app.inject({ method: "GET", url })).statusCode, url).toBe(200);
    }
  });

  it("without auth configured the webhook is open", async () => {
    const { app } = await harness({ auth: {} });
    expect((await post(app, crashloop())).statusCode).toBe(202);
  });
});

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InputError } from "../src/core/errors.js";
import { IncidentState } from "../src/core/incident.js";
import type { System } from "../src/main.js";
import { REPO, postWebhook, readJson, startSystem, tempDir, waitForIncident } from "./helpers/system.js";

const FIRING = readJson(join(REPO, "examples/webhooks/crashloop-firing.json"));
const RESOLVED = readJson(join(REPO, "examples/webhooks/crashloop-resolved.json"));

type Alert = { labels: Record<string, string>; fingerprint: string; startsAt: string };

function withAlert(body: Record<string, unknown>, change: (alert: Alert) => void): Record<string, unknown> {
  const copy = structuredClone(body);
  change((copy.alerts as Alert[])[0] as Alert);
  return copy;
}

describe("the pipeline in one process", () => {
  const systems: System[] = [];
  afterEach(async () => {
    while (systems.length) await systems.pop()?.close();
  });
  async function start(...args: Parameters<typeof startSystem>) {
    const system = await startSystem(...args);
    systems.push(system);
    return system;
  }

  it("turns a webhook into an incident with evidence, diagnosis and a plan, served by the API", async () => {
    const system = await start();
    const response = await postWebhook(system, FIRING);
    expect(response.statusCode).toBe(202);

    const planned = await waitForIncident(system, (i) => i.plan !== undefined);
    const api = await system.app.inject({ method: "GET", url: `/api/incidents/${planned.id}` });
    expect(api.statusCode).toBe(200);
    const incident = api.json();
    expect(incident.state).toBe(IncidentState.Planned);
    expect(incident.evidence.pods.length).toBeGreaterThan(0);
    expect(incident.diagnosis.category).toBe("oom_killed");
    expect(incident.plan.action).toBe("increase_memory_limit");
    expect(incident.plan.target).toMatchObject({
      kind: "Deployment",
      namespace: "demo",
      name: "checkout",
      container: "app",
    });
    expect(incident.subject).toMatchObject({ kind: "Deployment", name: "checkout" });

    const list = await system.app.inject({ method: "GET", url: "/api/incidents?state=planned" });
    expect(list.json().items.map((i: { id: string }) => i.id)).toContain(planned.id);
  });

  it("stores no credential that the cluster's logs and env carried", async () => {
    const snapshot = readJson(join(REPO, "examples/demo/cluster.json")) as {
      cluster: { items: { kind: string; spec?: { containers?: { env?: unknown[] }[] } }[] };
      logs: { text: string }[];
    };
    for (const log of snapshot.logs) {
      log.text = `connecting to postgres://checkout:Sup3rS3cret@orders-db.data:5432/orders\n${log.text}`;
    }
    for (const pod of snapshot.cluster.items.filter((o) => o.kind === "Pod")) {
      for (const container of pod.spec?.containers ?? []) {
        container.env = [
          ...(container.env ?? []),
          { name: "STRIPE_API_KEY", value: "sk_live_0123456789abcdefXYZ" },
        ];
      }
    }
    const file = join(tempDir(), "cluster.json");
    writeFileSync(file, JSON.stringify(snapshot));
    const system = await start({ context: { kind: "snapshot", snapshot: file } });
    expect((await postWebhook(system, FIRING)).statusCode).toBe(202);
    const planned = await waitForIncident(system, (i) => i.plan !== undefined);
    const stored = JSON.stringify(await system.store.get(planned.id));
    expect(stored).toContain("orders-db.data:5432");
    expect(stored).not.toContain("Sup3rS3cret");
    expect(stored).not.toContain("sk_live_0123456789abcdefXYZ");
    expect(planned.diagnosis?.category).toBe("oom_killed");
  });

  it("counts a repeat notification on the open incident and diagnoses only once", async () => {
    const system = await start();
    await postWebhook(system, FIRING);
    const first = await waitForIncident(system, (i) => i.plan !== undefined);
    expect((await postWebhook(system, FIRING)).statusCode).toBe(202);
    const repeated = await waitForIncident(system, (i) => i.id === first.id && i.notifications === 2);
    expect(repeated.diagnosis?.createdAt).toBe(first.diagnosis?.createdAt);
    expect(repeated.plan?.createdAt).toBe(first.plan?.createdAt);
    expect(repeated.alerts).toHaveLength(1);
    expect((await system.store.list({})).total).toBe(1);
  });

  it("correlates the same alert on another pod of the workload into the same incident", async () => {
    const system = await start();
    await postWebhook(system, FIRING);
    const first = await waitForIncident(system, (i) => i.plan !== undefined);
    const sibling = withAlert(FIRING, (a) => {
      a.labels.pod = "checkout-7c9f6d8b5-w7q9z";
      a.fingerprint = "0a1b2c3d4e5f6071";
    });
    await postWebhook(system, sibling);
    const joined = await waitForIncident(system, (i) => i.id === first.id && i.alerts.length === 2);
    expect(joined.plan?.createdAt).toBe(first.plan?.createdAt);
    expect((await system.store.list({})).total).toBe(1);

    const other = withAlert(FIRING, (a) => {
      a.labels.alertname = "KubePodNotReady";
      a.fingerprint = "ffff000011112222";
    });
    await postWebhook(system, other);
    await waitForIncident(system, (i) => i.alertname === "KubePodNotReady" && i.plan !== undefined);
    expect((await system.store.list({})).total).toBe(2);
  });

  it("closes the incident on the resolved notification and records the time to resolve", async () => {
    const system = await start();
    await postWebhook(system, FIRING);
    const planned = await waitForIncident(system, (i) => i.plan !== undefined);
    await postWebhook(system, RESOLVED);
    const resolved = await waitForIncident(
      system,
      (i) => i.id === planned.id && i.state === IncidentState.Resolved,
    );
    expect(resolved.resolvedAt).toBe("2026-11-25T10:40:30.000Z");
    expect(resolved.timeToResolveMs).toBe(38 * 60 * 1000);
    expect(resolved.plan).toBeDefined();
  });

  it("keeps incidents, evidence, diagnoses and plans across a restart", async () => {
    const path = join(tempDir(), "aiops.db");
    const first = await startSystem({ store: { kind: "sqlite", path } });
    await postWebhook(first, FIRING);
    const planned = await waitForIncident(first, (i) => i.plan !== undefined);
    await first.close();

    const second = await start({ store: { kind: "sqlite", path } });
    const api = await second.app.inject({ method: "GET", url: `/api/incidents/${planned.id}` });
    expect(api.statusCode).toBe(200);
    expect(api.json()).toEqual(JSON.parse(JSON.stringify(planned)));
  });

  it("delivers alerts accepted before a crash once the process is back", async () => {
    const path = join(tempDir(), "aiops.db");
    const { createSystem } = await import("../src/main.js");
    const { validate } = await import("../src/config/load.js");
    const { createLogger } = await import("../src/observability/logger.js");
    const config = validate({
      store: { kind: "sqlite", path },
      context: { kind: "snapshot", snapshot: join(REPO, "examples/demo/cluster.json") },
      auth: { disabled: true },
    });
    // Agents not started: the alert is accepted (journaled) but never processed.
    const crashed = await createSystem(config, { logger: createLogger({ level: "silent" }) });
    expect((await postWebhook(crashed, FIRING)).statusCode).toBe(202);
    await crashed.close();

    const restarted = await start({ store: { kind: "sqlite", path } });
    const incident = await waitForIncident(restarted, (i) => i.plan !== undefined);
    expect(incident.diagnosis?.category).toBe("oom_killed");
  });

  it("marks the incident failed with the reason when a stage gives up, and lists the dead letter", async () => {
    const system = await start(
      {},
      {
        diagnose: () => {
          throw new InputError("evidence cannot be diagnosed");
        },
      },
    );
    await postWebhook(system, FIRING);
    const failed = await waitForIncident(system, (i) => i.state === IncidentState.Failed);
    expect(failed.error).toContain("evidence cannot be diagnosed");
    expect(failed.evidence).toBeDefined();
    const letters = await system.app.inject({ method: "GET", url: "/api/dead-letters" });
    expect(letters.statusCode).toBe(200);
    expect(letters.json().items).toEqual([
      expect.objectContaining({ stage: "incidents", reason: expect.stringContaining("cannot be diagnosed") }),
    ]);
  });

  it("records feedback on a diagnosis and validates it", async () => {
    const system = await start();
    await postWebhook(system, FIRING);
    const planned = await waitForIncident(system, (i) => i.plan !== undefined);
    const post = (body: unknown, id = planned.id) =>
      system.app.inject({
        method: "POST",
        url: `/api/incidents/${id}/feedback`,
        headers: { "content-type": "application/json" },
        payload: JSON.stringify(body),
      });

    const confirmed = await post({ verdict: "confirm", note: "limit was too tight", by: "sre-1" });
    expect(confirmed.statusCode).toBe(200);
    const corrected = await post({ verdict: "correct", category: "crash_loop_app_error", action: "manual" });
    expect(corrected.statusCode).toBe(200);
    const stored = await system.store.get(planned.id);
    expect(stored?.feedback?.map((f) => f.verdict)).toEqual(["confirm", "correct"]);
    expect(stored?.feedback?.[1]).toMatchObject({ category: "crash_loop_app_error", action: "manual" });
    const list = await system.app.inject({ method: "GET", url: "/api/incidents" });
    expect(list.json().items[0]).not.toHaveProperty("feedback");

    expect((await post({ verdict: "correct" })).json()).toMatchObject({ field: "category" });
    expect((await post({ verdict: "correct", category: "gremlins" })).json()).toMatchObject({
      field: "category",
    });
    expect((await post({ verdict: "maybe" })).statusCode).toBe(400);
    expect((await post({ verdict: "confirm", extra: 1 })).json()).toMatchObject({ field: "extra" });
    expect((await post({ verdict: "confirm" }, "inc-does-not-exist")).statusCode).toBe(404);
  });

  it("rejects an invalid webhook with 400 naming the field and keeps serving", async () => {
    const system = await start();
    const bad = withAlert(FIRING, (a) => {
      (a as unknown as Record<string, unknown>).startsAt = 42;
    });
    const response = await postWebhook(system, bad);
    expect(response.statusCode).toBe(400);
    expect(response.json().field).toBe("alerts[0].startsAt");
    expect((await postWebhook(system, FIRING)).statusCode).toBe(202);
  });

  it("requires the configured bearer token", async () => {
    const system = await start({ auth: { bearerToken: "a-long-enough-token" } });
    expect((await postWebhook(system, FIRING)).statusCode).toBe(401);
    const ok = await postWebhook(system, FIRING, { authorization: "Bearer a-long-enough-token" });
    expect(ok.statusCode).toBe(202);
    expect((await system.app.inject({ method: "GET", url: "/api/incidents" })).statusCode).toBe(401);
    expect((await system.app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
  });
});

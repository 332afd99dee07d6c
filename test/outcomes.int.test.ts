/**
 * Learning from outcomes, end to end in one process: a remediation recorded as merged,
 * then the alert resolving inside the window, makes the next similar incident's
 * diagnosis more confident; a fix that did not clear the alert is named in the next one.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { System } from "../src/main.js";
import { REPO, postWebhook, readJson, startSystem, waitForIncident } from "./helpers/system.js";

const FIRING = readJson(join(REPO, "examples/webhooks/crashloop-firing.json"));
const RESOLVED = readJson(join(REPO, "examples/webhooks/crashloop-resolved.json"));

type Alert = { labels: Record<string, string>; fingerprint: string; startsAt: string; endsAt?: string };

/** The same alert as a new occurrence: another fingerprint and start. */
function occurrence(
  body: Record<string, unknown>,
  n: number,
  change?: (a: Alert) => void,
): Record<string, unknown> {
  const copy = structuredClone(body);
  const alert = (copy.alerts as Alert[])[0] as Alert;
  alert.fingerprint = `${alert.fingerprint.slice(0, 12)}${String(n).padStart(4, "0")}`;
  alert.startsAt = new Date(Date.UTC(2026, 10, 25, 11, n)).toISOString();
  change?.(alert);
  return copy;
}

async function applied(system: System, id: string, body: Record<string, unknown>) {
  return system.app.inject({
    method: "POST",
    url: `/api/incidents/${id}/applied`,
    headers: { "content-type": "application/json" },
    payload: JSON.stringify(body),
  });
}

describe("learning from remediation outcomes", () => {
  let system: System | undefined;
  afterEach(async () => {
    await system?.close();
  });

  it("a fix that resolved the alert raises the confidence of the next similar diagnosis; one that did not is named", async () => {
    system = await startSystem({ memory: { kind: "embedded" } });

    // 1. An incident, its fix merged, its alert resolved a moment later.
    const first = occurrence(FIRING, 1);
    await postWebhook(system, first);
    const a = await waitForIncident(system, (i) => i.plan !== undefined);
    const merged = await applied(system, a.id, { via: "merged", ref: "https://git.example/gitops/pull/1" });
    expect(merged.statusCode).toBe(200);
    const resolved = occurrence(RESOLVED, 1, (alert) => {
      alert.endsAt = new Date().toISOString();
    });
    expect((await postWebhook(system, resolved)).statusCode).toBe(202);
    const aDone = await waitForIncident(system, (i) => i.id === a.id && i.outcome !== undefined);
    expect(aDone.outcome).toMatchObject({ result: "resolved" });

    // 2. The same failure again: the past success is shown and agrees.
    await postWebhook(system, occurrence(FIRING, 2));
    const b = await waitForIncident(system, (i) => i.id !== a.id && i.plan !== undefined);
    const seenA = b.diagnosis?.similar?.find((s) => s.incidentId === a.id);
    expect(seenA).toMatchObject({ outcome: "resolved", category: a.diagnosis?.category });
    expect(b.diagnosis?.confidence).toBeGreaterThan(a.diagnosis?.confidence ?? 1);

    // 3. b's fix was applied two hours ago and the alert still fires: a failure at once.
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const late = await applied(system, b.id, { via: "applied", at: twoHoursAgo });
    expect(late.json()).toMatchObject({ outcome: { result: "not_resolved" } });

    // 4. The next similar incident names the failed fix.
    await postWebhook(
      system,
      occurrence(RESOLVED, 2, (alert) => (alert.endsAt = new Date().toISOString())),
    );
    await waitForIncident(system, (i) => i.id === b.id && i.state === "resolved");
    await postWebhook(system, occurrence(FIRING, 3));
    const c = await waitForIncident(system, (i) => i.id !== a.id && i.id !== b.id && i.plan !== undefined);
    expect(c.diagnosis?.similar?.find((s) => s.incidentId === b.id)).toMatchObject({
      outcome: "not_resolved",
    });
    expect(c.diagnosis?.summary).toContain(b.id);

    const metrics = await system.app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toMatch(/aiops_remediation_outcomes_total\{result="resolved"\} 1/);
    expect(metrics.body).toMatch(/aiops_remediation_outcomes_total\{result="not_resolved"\} 1/);
  });
});

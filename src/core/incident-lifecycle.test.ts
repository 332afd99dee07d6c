import { describe, expect, it } from "vitest";
import type { AlertInstance } from "./alertmanager.js";
import {
  advance,
  correlationKey,
  decideFiring,
  newIncident,
  withFiring,
  withResolved,
} from "./incident-lifecycle.js";
import { IncidentState } from "./incident.js";

function alert(overrides: Partial<AlertInstance> & { labels?: Record<string, string> } = {}): AlertInstance {
  return {
    fingerprint: "fp1",
    fingerprintDerived: false,
    status: "firing",
    labels: { alertname: "KubePodCrashLooping", namespace: "shop", pod: "cart-6b8f5d7c9d-wnq2n" },
    annotations: {},
    startsAt: "2026-03-14T10:00:00.000Z",
    ...overrides,
  };
}

const T0 = "2026-03-14T10:01:00.000Z";

describe("correlationKey", () => {
  it("puts alerts of the same alertname on pods of one workload together", () => {
    const a = alert({ fingerprint: "a" });
    const b = alert({ fingerprint: "b", labels: { ...a.labels, pod: "cart-6b8f5d7c9d-q62b4" } });
    expect(correlationKey(a)).toBe(correlationKey(b));
  });

  it("keeps different alertnames, namespaces and workloads apart", () => {
    const a = alert();
    expect(correlationKey(alert({ labels: { ...a.labels, alertname: "PodOOMKilled" } }))).not.toBe(
      correlationKey(a),
    );
    expect(correlationKey(alert({ labels: { ...a.labels, namespace: "other" } }))).not.toBe(
      correlationKey(a),
    );
    expect(correlationKey(alert({ labels: { ...a.labels, pod: "cartography-6b8f5d7c9d-wnq2n" } }))).not.toBe(
      correlationKey(a),
    );
  });

  it("matches a deployment-labelled alert with pod alerts of that deployment", () => {
    const byDeployment = alert({
      labels: { alertname: "KubePodCrashLooping", namespace: "shop", deployment: "cart" },
    });
    expect(correlationKey(byDeployment)).toBe(correlationKey(alert()));
  });

  it("falls back to the fingerprint when the alert names no object", () => {
    const a = alert({ fingerprint: "zzz", labels: { alertname: "Watchdog" } });
    expect(correlationKey(a)).toContain("zzz");
  });
});

describe("decideFiring", () => {
  it("opens an incident for a new problem", () => {
    expect(decideFiring(alert(), undefined, undefined).kind).toBe("open");
  });

  it("treats the same fingerprint and startsAt as a repeat", () => {
    const incident = newIncident("i1", alert(), T0);
    expect(decideFiring(alert(), incident, incident).kind).toBe("repeat");
  });

  it("joins another pod of the same workload to the open incident", () => {
    const incident = newIncident("i1", alert(), T0);
    const other = alert({ fingerprint: "fp2", labels: { ...alert().labels, pod: "cart-6b8f5d7c9d-q62b4" } });
    const decision = decideFiring(other, undefined, incident);
    expect(decision).toEqual({ kind: "join", incident });
  });

  it("opens a new incident when the matching one is resolved", () => {
    const resolved = { ...newIncident("i1", alert(), T0), state: IncidentState.Resolved };
    expect(decideFiring(alert({ startsAt: "2026-03-15T00:00:00.000Z" }), resolved, resolved).kind).toBe(
      "open",
    );
  });
});

describe("withFiring and withResolved", () => {
  it("counts repeat notifications without adding alerts", () => {
    const incident = withFiring(newIncident("i1", alert(), T0), alert(), "2026-03-14T10:05:00.000Z");
    expect(incident.alerts).toHaveLength(1);
    expect(incident.notifications).toBe(2);
    expect(incident.alerts[0]?.notifications).toBe(2);
    expect(incident.alerts[0]?.lastSeenAt).toBe("2026-03-14T10:05:00.000Z");
  });

  it("resolves only when every alert is resolved and records the time to resolve", () => {
    const second = alert({ fingerprint: "fp2", startsAt: "2026-03-14T10:02:00.000Z" });
    let incident = withFiring(newIncident("i1", alert(), T0), second, T0);
    incident = withResolved(
      incident,
      alert({ status: "resolved", endsAt: "2026-03-14T10:20:00.000Z" }),
      "2026-03-14T10:21:00.000Z",
    );
    expect(incident.state).toBe(IncidentState.Open);
    incident = withResolved(
      incident,
      { ...second, status: "resolved", endsAt: "2026-03-14T10:30:00.000Z" },
      "2026-03-14T10:31:00.000Z",
    );
    expect(incident.state).toBe(IncidentState.Resolved);
    expect(incident.resolvedAt).toBe("2026-03-14T10:30:00.000Z");
    expect(incident.timeToResolveMs).toBe(30 * 60 * 1000);
  });

  it("never moves a resolved incident back", () => {
    const resolved = { ...newIncident("i1", alert(), T0), state: IncidentState.Resolved };
    expect(advance(resolved, IncidentState.Diagnosed)).toBe(IncidentState.Resolved);
    expect(advance(newIncident("i2", alert(), T0), IncidentState.Diagnosed)).toBe(IncidentState.Diagnosed);
  });
});

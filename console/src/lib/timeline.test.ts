import { describe, expect, it } from "vitest";
import type { Incident } from "../../../src/core/incident.js";
import { buildTimeline } from "./timeline.js";

const base: Incident = {
  id: "inc-1",
  correlationKey: "k",
  state: "resolved",
  alertname: "KubePodCrashLooping",
  namespace: "shop",
  alerts: [
    {
      fingerprint: "f1",
      fingerprintDerived: false,
      status: "resolved",
      labels: { alertname: "KubePodCrashLooping", pod: "checkout-1" },
      annotations: {},
      startsAt: "2024-05-01T09:59:00.000Z",
      firstSeenAt: "2024-05-01T10:00:00.000Z",
      lastSeenAt: "2024-05-01T10:00:00.000Z",
      notifications: 1,
      resolvedAt: "2024-05-01T10:30:00.000Z",
    },
  ],
  notifications: 1,
  openedAt: "2024-05-01T10:00:00.000Z",
  updatedAt: "2024-05-01T10:30:00.000Z",
  resolvedAt: "2024-05-01T10:30:00.000Z",
  timeToResolveMs: 31 * 60_000,
  diagnosis: {
    category: "oom_killed",
    confidence: 0.95,
    summary: "killed",
    findings: [],
    decidedBy: "analyzers",
    createdAt: "2024-05-01T10:00:02.000Z",
  },
  plan: {
    action: "increase_memory_limit",
    target: { kind: "Deployment", namespace: "shop", name: "checkout" },
    params: {},
    risk: "low",
    rationale: "r",
    createdAt: "2024-05-01T10:00:03.000Z",
  },
  proposal: {
    mode: "propose",
    state: "proposed",
    pullRequest: { forge: "gitea", number: 7, url: "http://x/pr/7", state: "open" },
    decision: { verdict: "approved", at: "2024-05-01T10:10:00.000Z", by: "ana" },
    updatedAt: "2024-05-01T10:10:01.000Z",
  },
  feedback: [{ verdict: "correct", category: "bad_rollout", by: "bo", at: "2024-05-01T10:40:00.000Z" }],
  applied: { via: "merged", at: "2024-05-01T10:15:00.000Z", by: "ana" },
  outcome: { result: "resolved", at: "2024-05-01T10:30:00.000Z", afterMs: 15 * 60_000, windowMs: 3_600_000 },
};

describe("buildTimeline", () => {
  it("lists every recorded step oldest first", () => {
    expect(buildTimeline(base).map((e) => e.label)).toEqual([
      "Incident opened",
      "Alert first seen",
      "Diagnosed",
      "Remediation planned",
      "Approved by ana",
      "Proposal proposed",
      "Remediation merged by ana",
      "Alert resolved",
      "Outcome: alerts resolved",
      "Incident resolved",
      "Diagnosis corrected by bo: bad rollout",
    ]);
  });

  it("keeps lifecycle order among equal times", () => {
    const labels = buildTimeline(base).map((e) => e.label);
    expect(labels.indexOf("Incident opened")).toBeLessThan(labels.indexOf("Alert first seen"));
    expect(labels.indexOf("Alert resolved")).toBeLessThan(labels.indexOf("Incident resolved"));
  });

  it("describes steps with their details", () => {
    const entries = buildTimeline(base);
    expect(entries.find((e) => e.label === "Diagnosed")?.detail).toBe(
      "oom killed, 95% confidence, decided by analyzers",
    );
    expect(entries.find((e) => e.label === "Proposal proposed")?.detail).toBe("pull request #7 (open)");
    expect(entries.find((e) => e.label === "Alert first seen")?.detail).toBe(
      "KubePodCrashLooping (pod checkout-1)",
    );
    expect(entries.find((e) => e.label === "Incident resolved")?.detail).toBe("after 31 min");
  });

  it("works for a fresh incident and skips unreadable times", () => {
    const fresh: Incident = {
      ...base,
      state: "open",
      alerts: [],
      resolvedAt: undefined,
      timeToResolveMs: undefined,
      diagnosis: undefined,
      plan: undefined,
      proposal: undefined,
      feedback: undefined,
      applied: undefined,
      outcome: undefined,
      updatedAt: "garbage",
    };
    expect(buildTimeline(fresh)).toEqual([
      { at: "2024-05-01T10:00:00.000Z", label: "Incident opened", detail: "KubePodCrashLooping" },
    ]);
    expect(buildTimeline({ ...fresh, openedAt: "not a time" })).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { sampleIncident } from "../../test/fakes/notify-receivers.js";
import type { Incident } from "../core/incident.js";
import { decideNotice, incidentNoticeView, noticeDigest, noticePhase } from "./notice.js";

const withAlertRepeated = (i: Incident, n: number): Incident => ({
  ...i,
  notifications: i.notifications + n,
  updatedAt: "2026-03-01T10:30:00.000Z",
  alerts: i.alerts.map((a) => ({
    ...a,
    notifications: a.notifications + n,
    lastSeenAt: "2026-03-01T10:30:00.000Z",
  })),
});

describe("noticeDigest", () => {
  it("is undefined while open without a diagnosis, defined for a failed incident", () => {
    const { diagnosis: _d, plan: _p, ...bare } = sampleIncident();
    expect(noticeDigest({ ...bare, state: "open" })).toBeUndefined();
    expect(noticeDigest({ ...bare, state: "failed", error: "collector: timeout" })).toMatch(/^[0-9a-f]{16}$/);
  });

  it("ignores repeat notifications, timestamps of bookkeeping and the notices", () => {
    const base = sampleIncident();
    const digest = noticeDigest(base);
    expect(noticeDigest(withAlertRepeated(base, 5))).toBe(digest);
    expect(
      noticeDigest({
        ...base,
        notices: { slack: { digest: "x", phase: "active", messages: 1, firstAt: "a", lastAt: "b" } },
      }),
    ).toBe(digest);
    // Confidence is rounded to 2 decimals: noise in the 4th does not count.
    expect(noticeDigest({ ...base, diagnosis: { ...base.diagnosis!, confidence: 0.9201 } })).toBe(digest);
  });

  it("changes when a pull request opens, merges, and when the incident resolves", () => {
    const base = sampleIncident();
    const proposed: Incident = {
      ...base,
      proposal: {
        mode: "propose",
        state: "proposed",
        pullRequest: {
          forge: "github",
          number: 7,
          url: "https://github.com/acme/gitops/pull/7",
          state: "open",
        },
        updatedAt: base.updatedAt,
      },
    };
    const merged: Incident = {
      ...proposed,
      proposal: {
        ...proposed.proposal!,
        pullRequest: { ...proposed.proposal!.pullRequest!, state: "merged" },
      },
    };
    const resolved: Incident = { ...merged, state: "resolved", resolvedAt: "2026-03-01T11:00:00.000Z" };
    const digests = [base, proposed, merged, resolved].map(noticeDigest);
    expect(new Set(digests).size).toBe(4);
  });
});

describe("decideNotice", () => {
  const rec = (digest: string, phase: "active" | "resolved" | "failed" = "active") => ({
    digest,
    phase,
    messages: 1,
    firstAt: "a",
    lastAt: "a",
  });
  it("posts first, then updates editable channels on each change", () => {
    expect(decideNotice(undefined, "d1", "active", true)).toBe("post");
    expect(decideNotice(rec("d1"), "d1", "active", true)).toBe("none");
    expect(decideNotice(rec("d1"), "d2", "active", true)).toBe("update");
  });
  it("sends a non-editable channel one follow-up when the incident ends, nothing between or after", () => {
    expect(decideNotice(rec("d1"), "d2", "active", false)).toBe("none");
    expect(decideNotice(rec("d1"), "d3", "resolved", false)).toBe("post");
    expect(decideNotice(rec("d3", "resolved"), "d4", "resolved", false)).toBe("none");
  });
});

describe("incidentNoticeView", () => {
  it("titles by state and subject, links the console, and keeps the top finding's evidence", () => {
    const notices = {
      slack: { digest: "d", phase: "active" as const, messages: 1, firstAt: "a", lastAt: "a" },
    };
    const view = incidentNoticeView(
      { ...sampleIncident(), state: "resolved", resolvedAt: "2026-03-01T11:00:00.000Z", notices },
      "https://aiops.example.com/",
    );
    expect(view.title).toBe("[resolved] KubePodOOMKilled shop/checkout");
    expect(view.phase).toBe("resolved");
    expect(view.consoleUrl).toBe("https://aiops.example.com/#/incidents/inc-20260301-0001");
    expect(view.plan).toEqual({
      action: "increase_memory_limit",
      target: "Deployment shop/checkout (container app)",
      risk: "low",
    });
    expect(view.confidence).toBe(0.92);
    expect(view.evidence[0]).toBe("container app last terminated: OOMKilled, exit 137");
    expect(view.facts).not.toHaveProperty("notices");
    expect(view.facts).not.toHaveProperty("diagnosis");
  });

  it("caps evidence at 5 lines of at most 300 characters, encodes the id, drops non-http links", () => {
    const base = sampleIncident({ id: "inc/with space" });
    const lines = Array.from({ length: 8 }, (_, i) => `${i}`.repeat(1_000));
    const view = incidentNoticeView(
      {
        ...base,
        diagnosis: { ...base.diagnosis!, findings: [{ ...base.diagnosis!.findings[0]!, evidence: lines }] },
        proposal: {
          mode: "propose",
          state: "proposed",
          pullRequest: { forge: "github", number: 1, url: "javascript:alert(1)", state: "open" },
          updatedAt: base.updatedAt,
        },
      },
      "https://aiops.example.com",
    );
    expect(view.evidence).toHaveLength(5);
    expect(view.evidence.every((l) => [...l].length <= 300)).toBe(true);
    expect(view.consoleUrl).toBe("https://aiops.example.com/#/incidents/inc%2Fwith%20space");
    expect(view.pullRequest).toBeUndefined();
    expect(incidentNoticeView(base).consoleUrl).toBeUndefined();
  });

  it("reads the phase from the state", () => {
    expect(noticePhase(sampleIncident({ state: "failed" }))).toBe("failed");
    expect(noticePhase(sampleIncident({ state: "diagnosed" }))).toBe("active");
  });
});

import { describe, expect, it } from "vitest";
import { IncidentState, type Incident } from "./incident.js";
import { judgeOutcome, withApplied, withOutcome } from "./outcome.js";

const WINDOW = 30 * 60_000;
const APPLIED = "2026-03-14T10:00:00.000Z";

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: "inc-1",
    correlationKey: "k",
    state: IncidentState.Planned,
    alertname: "KubePodCrashLooping",
    alerts: [],
    notifications: 1,
    openedAt: "2026-03-14T09:50:00.000Z",
    updatedAt: "2026-03-14T09:50:00.000Z",
    applied: { via: "merged", at: APPLIED },
    ...overrides,
  };
}

const at = (iso: string) => new Date(iso);

describe("judgeOutcome", () => {
  it("has nothing to judge without a remediation in effect", () => {
    const j = judgeOutcome(incident({ applied: undefined }), WINDOW, at("2026-03-14T12:00:00Z"));
    expect(j.kind).toBe("none");
  });

  it("is pending inside the window while the alerts still fire", () => {
    const j = judgeOutcome(incident(), WINDOW, at("2026-03-14T10:20:00Z"));
    expect(j).toEqual({ kind: "pending", deadline: "2026-03-14T10:30:00.000Z" });
  });

  it("counts a resolution inside the window as resolved, with the time it took", () => {
    const resolved = incident({ state: IncidentState.Resolved, resolvedAt: "2026-03-14T10:07:00.000Z" });
    const j = judgeOutcome(resolved, WINDOW, at("2026-03-14T10:07:05Z"));
    expect(j).toEqual({
      kind: "decided",
      outcome: { result: "resolved", afterMs: 7 * 60_000, windowMs: WINDOW, at: "2026-03-14T10:07:05.000Z" },
    });
  });

  it("counts a resolution after the window as not resolved", () => {
    const late = incident({ state: IncidentState.Resolved, resolvedAt: "2026-03-14T10:45:00.000Z" });
    const j = judgeOutcome(late, WINDOW, at("2026-03-14T10:45:00Z"));
    expect(j.kind === "decided" && j.outcome.result).toBe("not_resolved");
  });

  it("counts an incident still firing after the window as not resolved", () => {
    const j = judgeOutcome(incident(), WINDOW, at("2026-03-14T10:30:01Z"));
    expect(j.kind === "decided" && j.outcome.result).toBe("not_resolved");
  });

  it("learns nothing from alerts that resolved before the remediation", () => {
    const early = incident({ state: IncidentState.Resolved, resolvedAt: "2026-03-14T09:59:00.000Z" });
    const j = judgeOutcome(early, WINDOW, at("2026-03-14T10:01:00Z"));
    expect(j.kind).toBe("none");
  });

  it("never decides twice", () => {
    const decided = incident({
      state: IncidentState.Resolved,
      resolvedAt: "2026-03-14T10:05:00.000Z",
      outcome: { result: "resolved", at: "2026-03-14T10:05:00.000Z", windowMs: WINDOW, afterMs: 300_000 },
    });
    expect(judgeOutcome(decided, WINDOW, at("2026-03-14T10:06:00Z")).kind).toBe("none");
  });
});

describe("withApplied and withOutcome", () => {
  it("keep the first record", () => {
    const first = withApplied(incident({ applied: undefined }), { via: "applied", at: APPLIED }, APPLIED);
    const second = withApplied(first, { via: "merged", at: "2026-03-14T11:00:00.000Z" }, APPLIED);
    expect(second.applied).toEqual({ via: "applied", at: APPLIED });
    const outcome = { result: "resolved" as const, at: APPLIED, windowMs: WINDOW };
    const decided = withOutcome(first, outcome, APPLIED);
    expect(withOutcome(decided, { ...outcome, result: "not_resolved" }, APPLIED).outcome).toEqual(outcome);
  });
});

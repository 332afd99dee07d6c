import { describe, expect, it } from "vitest";
import type { IncidentSummary } from "../../../src/core/incident.js";
import { matchesIncidentQuery } from "../../../src/store/incident-query.js";

const incident: IncidentSummary = {
  id: "inc-1",
  correlationKey: "k",
  state: "planned",
  alertname: "KubePodCrashLooping",
  namespace: "shop",
  subject: { kind: "Deployment", namespace: "shop", name: "checkout" },
  category: "oom_killed",
  notifications: 1,
  openedAt: "2024-05-01T10:00:00.000Z",
  updatedAt: "2024-05-01T10:00:05.000Z",
  alertCount: 1,
};

// The console filters live updates with the store's own matcher, on a summary and its ListQuery.
describe("matchesIncidentQuery on the console's list summaries", () => {
  it("matches with no filters", () => {
    expect(matchesIncidentQuery(incident, { offset: 0 })).toBe(true);
  });

  it("compares state, category, namespace and alertname exactly", () => {
    expect(matchesIncidentQuery(incident, { state: "planned", offset: 0 })).toBe(true);
    expect(matchesIncidentQuery(incident, { state: "open", offset: 0 })).toBe(false);
    expect(matchesIncidentQuery(incident, { category: "bad_rollout", offset: 0 })).toBe(false);
    expect(matchesIncidentQuery(incident, { namespace: "sho", offset: 0 })).toBe(false);
    expect(matchesIncidentQuery(incident, { alertname: "kubepodcrashlooping", offset: 0 })).toBe(false);
  });

  it("matches q case-insensitively as a substring of alertname, namespace or subject name", () => {
    expect(matchesIncidentQuery(incident, { q: "crashloop", offset: 0 })).toBe(true);
    expect(matchesIncidentQuery(incident, { q: "SHO", offset: 0 })).toBe(true);
    expect(matchesIncidentQuery(incident, { q: " check ", offset: 0 })).toBe(true);
    expect(matchesIncidentQuery(incident, { q: "payments", offset: 0 })).toBe(false);
  });

  it("takes q literally, without wildcards", () => {
    expect(matchesIncidentQuery(incident, { q: "Kube*", offset: 0 })).toBe(false);
    expect(matchesIncidentQuery(incident, { q: "c.eckout", offset: 0 })).toBe(false);
  });

  it("does not match a filter on a field the incident lacks", () => {
    const bare: IncidentSummary = {
      ...incident,
      namespace: undefined,
      subject: undefined,
      category: undefined,
    };
    expect(matchesIncidentQuery(bare, { namespace: "shop", offset: 0 })).toBe(false);
    expect(matchesIncidentQuery(bare, { category: "oom_killed", offset: 0 })).toBe(false);
    expect(matchesIncidentQuery(bare, { q: "checkout", offset: 0 })).toBe(false);
  });
});

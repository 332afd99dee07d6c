import { describe, expect, it } from "vitest";
import type { Diagnosis } from "../core/diagnosis.js";
import { Outcome, type SimilarIncident } from "../memory/vector-store.js";
import { adviseFromMemory } from "./memory-advice.js";

function diagnosis(category: Diagnosis["category"], confidence: number): Diagnosis {
  return {
    category,
    confidence,
    summary: "analyzers said so.",
    findings: [],
    decidedBy: "analyzers",
    createdAt: "2026-03-14T10:00:00.000Z",
  };
}

function past(
  similarity: number,
  category: SimilarIncident["category"],
  outcome: SimilarIncident["outcome"],
  action?: SimilarIncident["action"],
): SimilarIncident {
  return {
    incidentId: `inc-${similarity}-${category}-${outcome}`,
    signature: "sig",
    category,
    ...(action ? { action } : {}),
    // A correction naming an action is a person's choice of action.
    ...(action && outcome === Outcome.Corrected ? { actionByPerson: true } : {}),
    outcome,
    updatedAt: "2026-03-01T00:00:00.000Z",
    similarity,
  };
}

describe("adviseFromMemory", () => {
  it("lists relevant similar incidents, most similar first, and drops the unrelated", () => {
    const advised = adviseFromMemory(diagnosis("oom_killed", 0.95), [
      past(0.62, "oom_killed", Outcome.Unknown),
      past(0.97, "oom_killed", Outcome.Unknown, "increase_memory_limit"),
      past(0.2, "image_pull_error", Outcome.Confirmed),
    ]);
    expect(advised.similar?.map((s) => s.similarity)).toEqual([0.97, 0.62]);
    expect(advised.similar?.[0]).toMatchObject({ category: "oom_killed", action: "increase_memory_limit" });
    expect(advised.category).toBe("oom_killed");
  });

  it("raises confidence when similar incidents with the same category stood", () => {
    const advised = adviseFromMemory(diagnosis("cpu_throttling", 0.8), [
      past(0.93, "cpu_throttling", Outcome.Confirmed),
      past(0.88, "cpu_throttling", Outcome.Resolved),
      past(0.9, "cpu_throttling", Outcome.Unknown),
    ]);
    expect(advised.confidence).toBeCloseTo(0.86, 5);
    expect(advised.decidedBy).toBe("analyzers");
  });

  it("lets a correction on a near-identical incident override a weak or unknown finding", () => {
    const advised = adviseFromMemory(diagnosis("unknown", 0.3), [
      past(0.96, "dependency_unavailable", Outcome.Corrected, "restart"),
    ]);
    expect(advised.category).toBe("dependency_unavailable");
    expect(advised.decidedBy).toBe("memory");
    expect(advised.memoryAction).toBe("restart");
    expect(advised.summary).toContain("corrected");
  });

  it("keeps a strong analyzer finding against a correction, and ignores corrections that are not near-identical", () => {
    const strong = adviseFromMemory(diagnosis("oom_killed", 0.95), [
      past(0.97, "crash_loop_app_error", Outcome.Corrected, "manual"),
    ]);
    expect(strong.category).toBe("oom_killed");
    const distant = adviseFromMemory(diagnosis("unknown", 0.3), [
      past(0.7, "dependency_unavailable", Outcome.Corrected, "restart"),
    ]);
    expect(distant.category).toBe("unknown");
    expect(distant.decidedBy).toBe("analyzers");
  });

  it("passes on the action a person chose for a near-identical incident of the same category", () => {
    const advised = adviseFromMemory(diagnosis("dependency_unavailable", 0.95), [
      past(0.97, "dependency_unavailable", Outcome.Corrected, "restart"),
    ]);
    expect(advised).toMatchObject({
      category: "dependency_unavailable",
      confidence: 0.95,
      decidedBy: "analyzers",
      memoryAction: "restart",
    });
    const somewhatAlike = adviseFromMemory(diagnosis("dependency_unavailable", 0.95), [
      past(0.8, "dependency_unavailable", Outcome.Corrected, "restart"),
    ]);
    expect(somewhatAlike.memoryAction).toBeUndefined();
    const otherCategory = adviseFromMemory(diagnosis("oom_killed", 0.95), [
      past(0.97, "crash_loop_app_error", Outcome.Corrected, "rollback"),
    ]);
    expect(otherCategory.memoryAction).toBeUndefined();
    const confirmed = adviseFromMemory(diagnosis("dependency_unavailable", 0.95), [
      past(0.97, "dependency_unavailable", Outcome.Confirmed, "manual"),
    ]);
    expect(confirmed.memoryAction).toBeUndefined();
  });

  it("follows the closest correction, and the latest of equally close ones", () => {
    const older = { ...past(0.97, "node_not_ready", Outcome.Corrected, "manual"), incidentId: "inc-older" };
    const newer = {
      ...past(0.968, "node_not_ready", Outcome.Corrected, "restart"),
      incidentId: "inc-newer",
      updatedAt: "2026-03-05T00:00:00.000Z",
    };
    expect(adviseFromMemory(diagnosis("unknown", 0.3), [older, newer]).memoryAction).toBe("restart");
    expect(adviseFromMemory(diagnosis("unknown", 0.3), [newer, older]).memoryAction).toBe("restart");
    const closer = { ...older, similarity: 0.995 };
    expect(adviseFromMemory(diagnosis("unknown", 0.3), [newer, closer]).memoryAction).toBe("manual");
  });

  it("does not raise an unknown diagnosis on agreement", () => {
    const advised = adviseFromMemory(diagnosis("unknown", 0.3), [past(0.99, "unknown", Outcome.Confirmed)]);
    expect(advised.confidence).toBe(0.3);
  });
});

describe("adviseFromMemory and remediation outcomes", () => {
  it("raises the confidence for similar incidents whose fix resolved the alert", () => {
    const advised = adviseFromMemory(diagnosis("oom_killed", 0.8), [
      past(0.95, "oom_killed", Outcome.Resolved, "increase_memory_limit"),
      past(0.7, "oom_killed", Outcome.Resolved, "increase_memory_limit"),
    ]);
    expect(advised.confidence).toBeCloseTo(0.86, 5);
    expect(advised.summary).toBe("analyzers said so.");
  });

  it("lowers it, and says so, for near-identical incidents whose fix did not resolve it", () => {
    const failed = past(0.96, "dependency_unavailable", Outcome.NotResolved, "restart");
    const advised = adviseFromMemory(diagnosis("dependency_unavailable", 0.8), [failed]);
    expect(advised.confidence).toBeCloseTo(0.77, 5);
    expect(advised.summary).toContain("did not resolve");
    expect(advised.summary).toContain(failed.incidentId);
    expect(advised.category).toBe("dependency_unavailable");
  });

  it("ignores failed fixes of other categories and of incidents that are only somewhat alike", () => {
    const advised = adviseFromMemory(diagnosis("oom_killed", 0.8), [
      past(0.97, "cpu_throttling", Outcome.NotResolved, "increase_cpu_limit"),
      past(0.6, "oom_killed", Outcome.NotResolved, "increase_memory_limit"),
    ]);
    expect(advised.confidence).toBe(0.8);
    expect(advised.summary).toBe("analyzers said so.");
    expect(advised.similar).toHaveLength(2);
  });
});

describe("adviseFromMemory and category-only corrections", () => {
  it("does not pass on the action the system had planned for the category a person corrected", () => {
    // The person said oom_killed; the record still holds the `manual` the system planned for `unknown`.
    const corrected = { ...past(0.97, "oom_killed", Outcome.Corrected, "manual"), actionByPerson: undefined };
    const advised = adviseFromMemory(diagnosis("unknown", 0.3), [corrected]);
    expect(advised.category).toBe("oom_killed");
    expect(advised.memoryAction).toBeUndefined();
    expect(advised.summary).not.toContain("with action");
  });
});

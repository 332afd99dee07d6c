import { describe, expect, it } from "vitest";
import { diagnose } from "../analysis/diagnose.js";
import {
  container,
  crashing,
  dependencyScaledToZero,
  event,
  evidence,
  NS,
  pod,
  revision,
  rollout,
  workload,
} from "../analysis/test-evidence.js";
import type { Diagnosis } from "../core/diagnosis.js";
import type { Evidence } from "../core/evidence.js";
import { parseBytes } from "../core/quantity.js";
import type { Action, Category } from "../core/vocabulary.js";
import { planRemediation } from "./plan.js";

const NOW = new Date("2026-03-14T10:45:00Z");
const MI = 2 ** 20;
const PAST = "inc-past-1";

/** What the analyzers concluded, with a person's action from a near-identical past incident. */
function remembered(d: Diagnosis, action: Action): Diagnosis {
  return {
    ...d,
    memoryAction: action,
    similar: [{ incidentId: PAST, similarity: 0.97, category: d.category, action, outcome: "corrected" }],
  };
}

function analyzed(category: Category, overrides: Partial<Diagnosis> = {}): Diagnosis {
  return {
    category,
    confidence: 0.9,
    summary: "analyzers said so.",
    findings: [],
    decidedBy: "analyzers",
    createdAt: NOW.toISOString(),
    ...overrides,
  };
}

/** A container OOMKilled at its 512Mi limit. */
function oomKilled(): Evidence {
  const c = crashing({ reason: "OOMKilled", exitCode: 137 });
  return evidence({ workload: workload({ containers: [c] }), pods: [pod({ containers: [c] })] });
}

describe("planRemediation with an action a person chose on a near-identical incident", () => {
  it("plans a corrected restart on a dependency incident for the incident's own workload", () => {
    const e = dependencyScaledToZero();
    const d = diagnose(e, NOW);
    expect(d.category).toBe("dependency_unavailable");
    expect(planRemediation(e, d, NOW)).toMatchObject({ action: "scale", target: { name: "db" } });

    const p = planRemediation(e, remembered(d, "restart"), NOW);
    expect(p).toMatchObject({
      action: "restart",
      target: { kind: "Deployment", namespace: NS, name: "app" },
      kubectl: "kubectl rollout restart deployment/app -n shop",
    });
    expect(JSON.stringify(p.patch?.body)).toContain("kubectl.kubernetes.io/restartedAt");
    expect(p.rationale).toContain(`A person chose restart on near-identical incident ${PAST}`);
  });

  it("keeps the category's plan when no healthy revision exists to roll back to, and says why", () => {
    const e = oomKilled();
    const d = diagnose(e, NOW);
    expect(d.category).toBe("oom_killed");
    const p = planRemediation(e, remembered(d, "rollback"), NOW);
    expect(p.action).toBe("increase_memory_limit");
    expect(p.params).toEqual(planRemediation(e, d, NOW).params);
    expect(p.reason).toMatch(/A person chose rollback .* no healthy earlier revision to roll back to/);
    expect(p.reason).toContain("the plan for oom_killed stands");
    expect(p.rationale).toContain(p.reason);

    // A manual plan keeps its instruction, with the note after it.
    const unknown = evidence();
    const fallback = planRemediation(unknown, remembered(analyzed("unknown"), "rollback"), NOW);
    const before = planRemediation(unknown, analyzed("unknown"), NOW);
    expect(fallback.action).toBe("manual");
    expect(fallback.reason?.startsWith(before.reason ?? "-")).toBe(true);
    expect(fallback.reason).toContain("no healthy earlier revision");
  });

  it("rolls back to the healthy earlier revision when the evidence has one", () => {
    const current = revision({ revision: 8, current: true, healthy: false, images: { app: "r/app:2.0" } });
    const good = revision({ revision: 7, images: { app: "r/app:1.9" } });
    const e = evidence({ rollout: rollout(current, good) });
    const p = planRemediation(e, remembered(analyzed("crash_loop_app_error"), "rollback"), NOW);
    expect(p).toMatchObject({
      action: "rollback",
      target: { kind: "Deployment", name: "app" },
      params: { revision: 7, images: { app: "r/app:1.9" } },
    });
  });

  it("raises a memory limit the evidence declares, within 4x, and falls back without one", () => {
    const p = planRemediation(evidence(), remembered(analyzed("unknown"), "increase_memory_limit"), NOW);
    expect(p).toMatchObject({
      action: "increase_memory_limit",
      target: { kind: "Deployment", name: "app", container: "app" },
    });
    const memory = parseBytes(String(p.params["memory"]));
    expect(memory).toBeGreaterThan(512 * MI);
    expect(memory).toBeLessThanOrEqual(4 * 512 * MI);
    expect(p.rationale).not.toContain("OOMKilled");

    const noLimit = container({ resources: { requests: { memory: "1Gi" }, limits: {} } });
    const e = evidence({
      workload: workload({ containers: [noLimit] }),
      pods: [pod({ containers: [noLimit] })],
    });
    const kept = planRemediation(e, remembered(analyzed("unknown"), "increase_memory_limit"), NOW);
    expect(kept.action).toBe("manual");
    expect(kept.reason).toContain("container app declares no memory limit to raise");
  });

  it("raises a CPU limit only where one is declared", () => {
    const kept = planRemediation(evidence(), remembered(analyzed("unknown"), "increase_cpu_limit"), NOW);
    expect(kept.action).toBe("manual");
    expect(kept.reason).toContain("declares no CPU limit");
    const limited = container({ resources: { requests: { cpu: "100m" }, limits: { cpu: "500m" } } });
    const e = evidence({
      workload: workload({ containers: [limited] }),
      pods: [pod({ containers: [limited] })],
    });
    const p = planRemediation(e, remembered(analyzed("unknown"), "increase_cpu_limit"), NOW);
    expect(p).toMatchObject({ action: "increase_cpu_limit", target: { container: "app" } });
  });

  it("scales to a replica count the evidence records, and only to a bounded one", () => {
    const scaledUp = (from: number, to: number) =>
      evidence({
        workload: workload({ replicas: to }),
        events: [
          event({
            type: "Normal",
            reason: "ScalingReplicaSet",
            message: `Scaled up replica set app-6b8f5d7c9d from ${from} to ${to}`,
            involved: { kind: "Deployment", namespace: NS, name: "app" },
          }),
        ],
      });
    const p = planRemediation(scaledUp(4, 24), remembered(analyzed("unknown"), "scale"), NOW);
    expect(p).toMatchObject({
      action: "scale",
      target: { kind: "Deployment", name: "app" },
      params: { replicas: 4 },
    });

    const none = planRemediation(evidence(), remembered(analyzed("unknown"), "scale"), NOW);
    expect(none.action).toBe("manual");
    expect(none.reason).toContain("records no earlier replica count");

    const huge = planRemediation(scaledUp(5000, 3), remembered(analyzed("unknown"), "scale"), NOW);
    expect(huge.action).toBe("manual");
    expect(huge.reason).toContain("fails validation: replicas must be a whole number from 1 to 1000");
  });

  it("takes the numbers of another finding about the incident whose plan is the chosen action", () => {
    const e = dependencyScaledToZero();
    const d = diagnose(e, NOW);
    // Say the ranking had put a weak app-error finding first: scale still comes from the dependency finding.
    const p = planRemediation(e, remembered({ ...d, category: "crash_loop_app_error" }, "scale"), NOW);
    expect(p).toMatchObject({
      action: "scale",
      target: { kind: "StatefulSet", name: "db" },
      params: { replicas: 2 },
    });
  });

  it("hands an automatic plan to a person when they chose manual, saying what it would have done", () => {
    const p = planRemediation(oomKilled(), remembered(diagnose(oomKilled(), NOW), "manual"), NOW);
    expect(p.action).toBe("manual");
    expect(p.reason).toContain(`A person chose manual on near-identical incident ${PAST}`);
    expect(p.reason).toContain(
      "would have been increase_memory_limit on Deployment shop/app (container app)",
    );
  });

  it("does not restart what cannot roll, nor invent numbers no finding gives", () => {
    const job = evidence({
      workload: workload({ ref: { kind: "Job", namespace: NS, name: "backfill" } }),
      ownerChain: [{ kind: "Job", namespace: NS, name: "backfill" }],
    });
    expect(planRemediation(job, remembered(analyzed("unknown"), "restart"), NOW).reason).toContain(
      "a Job has no rolling restart",
    );
    expect(
      planRemediation(evidence(), remembered(analyzed("unknown"), "adjust_probe"), NOW).reason,
    ).toContain("no finding about this incident gives what adjust_probe needs");
  });

  it("changes nothing without memoryAction, and notes a person who chose the category's own action", () => {
    const e = oomKilled();
    const d = diagnose(e, NOW);
    const plain = planRemediation(e, d, NOW);
    const withSimilar = planRemediation(e, { ...remembered(d, "restart"), memoryAction: undefined }, NOW);
    expect(withSimilar).toEqual(plain);
    const same = planRemediation(e, remembered(d, "increase_memory_limit"), NOW);
    expect({ ...same, rationale: "" }).toEqual({ ...plain, rationale: "" });
    expect(same.rationale).toContain("A person chose increase_memory_limit");
  });
});

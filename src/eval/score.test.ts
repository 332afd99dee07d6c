import { describe, expect, it } from "vitest";
import {
  paramMatches,
  revisionImagesFromCluster,
  scoreScenario,
  summarise,
  type ExpectedOutcome,
} from "./score.js";

const memExpected: ExpectedOutcome = {
  category: "oom_killed",
  remediation: {
    action: "increase_memory_limit",
    target: { kind: "Deployment", namespace: "shop", name: "cart", container: "app" },
    params: { memory: { min: "640Mi", max: "2Gi" } },
  },
};

describe("paramMatches", () => {
  it("compares quantities after parsing", () => {
    expect(paramMatches("cpu", { min: "0.3125", max: "1" }, "400m")).toBe(true);
    expect(paramMatches("cpu", { min: "0.3125", max: "1" }, "300m")).toBe(false);
    expect(paramMatches("cpu", { min: "312.5m", max: "1" }, "0.3125")).toBe(true);
    expect(paramMatches("storage", { min: "62.5Gi", max: "200Gi" }, "64Gi")).toBe(true);
    expect(paramMatches("storage", { min: "62.5Gi", max: "200Gi" }, "62Gi")).toBe(false);
    expect(paramMatches("memory", { min: "640Mi", max: "2Gi" }, "2Gi")).toBe(true);
    expect(paramMatches("memory", { min: "640Mi", max: "2Gi" }, "garbage")).toBe(false);
  });
  it("compares exact values and numeric bounds", () => {
    expect(paramMatches("replicas", 1, 1)).toBe(true);
    expect(paramMatches("replicas", 1, 2)).toBe(false);
    expect(paramMatches("maxReplicas", { min: 7, max: 18 }, 11)).toBe(true);
    expect(paramMatches("maxReplicas", { min: 7, max: 18 }, 19)).toBe(false);
    expect(paramMatches("probe", "liveness", "readiness")).toBe(false);
  });
});

describe("scoreScenario", () => {
  it("passes a correct answer and fails each wrong part separately", () => {
    const ok = {
      category: "oom_killed",
      remediation: {
        action: "increase_memory_limit",
        target: { kind: "Deployment", namespace: "shop", name: "cart", container: "app" },
        params: { memory: "768Mi" },
      },
    };
    expect(scoreScenario(memExpected, ok)).toMatchObject({ passed: true, failures: [] });
    const low = scoreScenario(memExpected, {
      ...ok,
      remediation: { ...ok.remediation, params: { memory: "600Mi" } },
    });
    expect(low).toMatchObject({
      passed: false,
      paramsCorrect: false,
      targetCorrect: true,
      categoryCorrect: true,
    });
    const wrongContainer = scoreScenario(memExpected, {
      ...ok,
      remediation: { ...ok.remediation, target: { ...ok.remediation.target, container: "sidecar" } },
    });
    expect(wrongContainer).toMatchObject({ passed: false, targetCorrect: false });
    const pod = scoreScenario(memExpected, {
      ...ok,
      remediation: {
        ...ok.remediation,
        target: { kind: "Pod", namespace: "shop", name: "cart-1", container: "app" },
      },
    });
    expect(pod.targetCorrect).toBe(false);
    const cat = scoreScenario(memExpected, { ...ok, category: "crash_loop_app_error" });
    expect(cat).toMatchObject({ passed: false, categoryCorrect: false });
  });

  it("ignores container when the expected target names none", () => {
    const exp: ExpectedOutcome = {
      category: "bad_rollout",
      remediation: {
        action: "rollback",
        target: { kind: "Deployment", namespace: "web", name: "bff" },
        params: { revision: 22 },
      },
    };
    const r = scoreScenario(exp, {
      category: "bad_rollout",
      remediation: {
        action: "rollback",
        target: { kind: "Deployment", namespace: "web", name: "bff", container: "x" },
        params: { revision: 22 },
      },
    });
    expect(r.passed).toBe(true);
  });

  it("scores manual and unknown on category and action only", () => {
    const exp: ExpectedOutcome = {
      category: "unknown",
      remediation: {
        action: "manual",
        target: { kind: "Deployment", namespace: "p", name: "fx", container: "rates" },
        params: { reason: "..." },
      },
    };
    expect(
      scoreScenario(exp, {
        category: "unknown",
        remediation: { action: "manual", target: { kind: "Node", name: "x" }, params: {} },
      }).passed,
    ).toBe(true);
    expect(
      scoreScenario(exp, {
        category: "unknown",
        remediation: {
          action: "restart",
          target: { kind: "Deployment", namespace: "p", name: "fx" },
          params: {},
        },
      }).passed,
    ).toBe(false);
  });

  it("accepts a rollback by revision or by that revision's image, either way round", () => {
    const images = (rev: number) =>
      rev === 11 ? { app: "r/app:3.7.2" } : rev === 12 ? { app: "r/app:3.8.0" } : undefined;
    const target = { kind: "Deployment", namespace: "c", name: "svc" };
    const byRev: ExpectedOutcome = {
      category: "bad_rollout",
      remediation: { action: "rollback", target, params: { revision: 11 } },
    };
    const byImage: ExpectedOutcome = {
      category: "bad_rollout",
      remediation: { action: "rollback", target, params: { image: "r/app:3.7.2" } },
    };
    const act = (params: Record<string, unknown>) => ({
      category: "bad_rollout",
      remediation: { action: "rollback", target, params },
    });
    expect(scoreScenario(byRev, act({ revision: 11 })).passed).toBe(true);
    expect(scoreScenario(byRev, act({ revision: 12 })).passed).toBe(false);
    expect(
      scoreScenario(byRev, act({ image: "r/app:3.7.2" }), { resolveRevisionImages: images }).passed,
    ).toBe(true);
    expect(
      scoreScenario(byRev, act({ image: "r/app:3.8.0" }), { resolveRevisionImages: images }).passed,
    ).toBe(false);
    expect(scoreScenario(byImage, act({ image: "r/app:3.7.2" })).passed).toBe(true);
    expect(scoreScenario(byImage, act({ revision: 11 }), { resolveRevisionImages: images }).passed).toBe(
      true,
    );
    expect(scoreScenario(byImage, act({ revision: 12 }), { resolveRevisionImages: images }).passed).toBe(
      false,
    );
    expect(scoreScenario(byRev, act({})).passed).toBe(false);
  });

  it("adjust_probe: right probe, at least one bounded field, every set bounded field in bounds", () => {
    const exp: ExpectedOutcome = {
      category: "liveness_probe_failure",
      remediation: {
        action: "adjust_probe",
        target: { kind: "Deployment", namespace: "w", name: "cms", container: "web" },
        params: { probe: "liveness", timeoutSeconds: { min: 3, max: 10 } },
      },
    };
    const act = (params: Record<string, unknown>) => ({
      category: "liveness_probe_failure",
      remediation: {
        action: "adjust_probe",
        target: { kind: "Deployment", namespace: "w", name: "cms", container: "web" },
        params,
      },
    });
    expect(scoreScenario(exp, act({ probe: "liveness", timeoutSeconds: 4 })).passed).toBe(true);
    expect(scoreScenario(exp, act({ probe: "liveness", timeoutSeconds: 4, periodSeconds: 20 })).passed).toBe(
      true,
    );
    expect(scoreScenario(exp, act({ probe: "readiness", timeoutSeconds: 4 })).passed).toBe(false);
    expect(scoreScenario(exp, act({ probe: "liveness", timeoutSeconds: 2 })).passed).toBe(false);
    expect(scoreScenario(exp, act({ probe: "liveness", failureThreshold: 6 })).passed).toBe(false);
    expect(scoreScenario(exp, act({ probe: "liveness", timeoutSeconds: 4, path: "/other" })).passed).toBe(
      false,
    );
  });
});

describe("revisionImagesFromCluster", () => {
  it("reads ReplicaSets owned by the workload by revision annotation", () => {
    const cluster = {
      items: [
        {
          kind: "ReplicaSet",
          metadata: {
            name: "svc-a",
            namespace: "c",
            annotations: { "deployment.kubernetes.io/revision": "11" },
            ownerReferences: [{ kind: "Deployment", name: "svc" }],
          },
          spec: { template: { spec: { containers: [{ name: "app", image: "r/app:3.7.2" }] } } },
        },
        {
          kind: "ReplicaSet",
          metadata: {
            name: "other-a",
            namespace: "c",
            annotations: { "deployment.kubernetes.io/revision": "11" },
            ownerReferences: [{ kind: "Deployment", name: "other" }],
          },
          spec: { template: { spec: { containers: [{ name: "app", image: "x" }] } } },
        },
      ],
    };
    const lookup = revisionImagesFromCluster(cluster, { kind: "Deployment", namespace: "c", name: "svc" });
    expect(lookup(11)).toEqual({ app: "r/app:3.7.2" });
    expect(lookup(12)).toBeUndefined();
  });
});

describe("summarise", () => {
  it("computes pass rate, per-category accuracy and timing", () => {
    const s = (passed: boolean, categoryCorrect: boolean) => ({
      passed,
      categoryCorrect,
      failures: [],
      actionCorrect: true,
      targetCorrect: true,
      paramsCorrect: passed,
    });
    const out = summarise([
      { expectedCategory: "oom_killed", score: s(true, true), ms: 10 },
      { expectedCategory: "oom_killed", score: s(false, true), ms: 30 },
      { expectedCategory: "unknown", score: s(false, false), ms: 20 },
    ]);
    expect(out).toEqual({
      scenarios: 3,
      passed: 1,
      passRate: 0.3333,
      categoryAccuracy: { oom_killed: 1, unknown: 0 },
      msPerScenario: { p50: 20, max: 30 },
    });
    expect(summarise([])).toMatchObject({ scenarios: 0, passRate: 0, msPerScenario: { p50: 0, max: 0 } });
  });
});

import { describe, expect, it } from "vitest";
import { container, evidence, NS, probe, revision, rollout, workload } from "../analysis/test-evidence.js";
import type { RemediationPlan } from "../core/diagnosis.js";
import { checkPlan, validated } from "./validate.js";

const NOW = new Date("2026-03-14T10:45:00Z");
const APP = { kind: "Deployment", namespace: NS, name: "app" };

function plan(overrides: Partial<RemediationPlan>): RemediationPlan {
  return {
    action: "restart",
    target: APP,
    params: {},
    risk: "low",
    rationale: "because.",
    createdAt: NOW.toISOString(),
    ...overrides,
  };
}

describe("checkPlan", () => {
  it("accepts a change to the incident's own workload, and any manual plan", () => {
    expect(checkPlan(evidence(), plan({}))).toBeUndefined();
    expect(
      checkPlan(evidence(), plan({ action: "manual", target: { kind: "Node", name: "n1" } })),
    ).toBeUndefined();
  });

  it("rejects an action outside the catalogue and a Pod target", () => {
    expect(checkPlan(evidence(), plan({ action: "delete_namespace" as RemediationPlan["action"] }))).toMatch(
      /not an action of the catalogue/,
    );
    expect(checkPlan(evidence(), plan({ target: { kind: "Pod", namespace: NS, name: "app-1" } }))).toMatch(
      /never changes a Pod/,
    );
  });

  it("keeps targets inside the incident's namespace and owner chain", () => {
    expect(checkPlan(evidence(), plan({ target: { ...APP, namespace: "kube-system" } }))).toMatch(
      /outside the incident's namespace shop/,
    );
    expect(checkPlan(evidence(), plan({ target: { ...APP, name: "payments" } }))).toMatch(
      /not in the incident's owner chain/,
    );
  });

  it("lets scale reach a workload the evidence shows beside the incident's, and bounds replicas", () => {
    const db = workload({ ref: { kind: "StatefulSet", namespace: NS, name: "db" }, replicas: 0 });
    const e = evidence({ relatedWorkloads: [db] });
    const scale = (name: string, replicas: unknown) =>
      plan({ action: "scale", target: { kind: "StatefulSet", namespace: NS, name }, params: { replicas } });
    expect(checkPlan(e, scale("db", 2))).toBeUndefined();
    expect(checkPlan(e, scale("cache", 2))).toMatch(/neither the incident's workload/);
    expect(checkPlan(e, scale("db", 0))).toMatch(/whole number/);
    expect(checkPlan(e, scale("db", 2.5))).toMatch(/whole number/);
  });

  it("bounds limits to an increase of at most 4x the current one", () => {
    const memory = (value: string) =>
      plan({
        action: "increase_memory_limit",
        target: { ...APP, container: "app" },
        params: { memory: value },
      });
    expect(checkPlan(evidence(), memory("768Mi"))).toBeUndefined();
    expect(checkPlan(evidence(), memory("2Gi"))).toBeUndefined();
    expect(checkPlan(evidence(), memory("3Gi"))).toMatch(/more than 4x/);
    expect(checkPlan(evidence(), memory("256Mi"))).toMatch(/not above the current one/);
    const noLimit = evidence({
      workload: workload({ containers: [container({ resources: { requests: {}, limits: {} } })] }),
    });
    expect(checkPlan(noLimit, memory("768Mi"))).toMatch(/no current memory limit/);
    const cpu = plan({
      action: "increase_cpu_limit",
      target: { ...APP, container: "app" },
      params: { cpu: "2" },
    });
    const limited = evidence({
      workload: workload({
        containers: [container({ resources: { requests: {}, limits: { cpu: "250m" } } })],
      }),
    });
    expect(checkPlan(limited, cpu)).toMatch(/cpu limit is more than 4x/);
  });

  it("rolls back only to a healthy revision that is not the current one", () => {
    const current = revision({ revision: 3, current: true, healthy: false });
    const broken = revision({ revision: 2, healthy: false });
    const good = revision({ revision: 1 });
    const e = evidence({ rollout: rollout(current, good, { revisions: [current, broken, good] }) });
    const rollback = (to: number) => plan({ action: "rollback", params: { revision: to } });
    expect(checkPlan(e, rollback(1))).toBeUndefined();
    expect(checkPlan(e, rollback(2))).toMatch(/was not healthy/);
    expect(checkPlan(e, rollback(3))).toMatch(/is the current one/);
    expect(checkPlan(e, rollback(9))).toMatch(/not in the workload's rollout history/);
  });

  it("bounds probe changes to increases within the planners' caps", () => {
    const readiness = probe({ timeoutSeconds: 1 });
    const e = evidence({ workload: workload({ containers: [container({ probes: { readiness } })] }) });
    const adjust = (params: Record<string, unknown>) =>
      plan({
        action: "adjust_probe",
        target: { ...APP, container: "app" },
        params: { probe: "readiness", ...params },
      });
    expect(checkPlan(e, adjust({ timeoutSeconds: 4 }))).toBeUndefined();
    expect(checkPlan(e, adjust({ timeoutSeconds: 30 }))).toMatch(/not a bounded increase/);
    expect(checkPlan(e, adjust({ probe: "liveness", timeoutSeconds: 4 }))).toMatch(/no liveness probe/);
  });
});

describe("validated", () => {
  it("turns a plan that fails its checks into manual, saying what failed and what it would have done", () => {
    const outside = plan({ target: { ...APP, name: "payments" }, rationale: "Restart to reconnect." });
    const result = validated(evidence(), outside, NOW);
    expect(result.action).toBe("manual");
    expect(result.target).toEqual(outside.target);
    expect(result.reason).toContain("not in the incident's owner chain");
    expect(result.reason).toContain("Restart to reconnect.");
    const fine = plan({});
    expect(validated(evidence(), fine, NOW)).toBe(fine);
  });
});

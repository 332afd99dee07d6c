import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { CompositeContextSource } from "../src/context/composite.js";
import type { ContextSource } from "../src/context/context-source.js";
import { KubernetesContextSource } from "../src/context/kubernetes/kubernetes-context-source.js";
import { loadScenarioDir, type Scenario } from "../src/context/snapshot/scenario.js";
import { evaluateScenario, type EvalResult } from "../src/eval/run.js";
import { startFakeKubeApiServer, type FakeRequest, type PolicyRule } from "./fakes/kube-api-server.js";
import { REPO, SCENARIOS } from "./helpers/system.js";
import { NS, clusterLogs, clusterObjects } from "./fixtures/kube-cluster.js";
import type { AlertSubject } from "../src/core/evidence.js";

/**
 * The live adapter against the fake API server loaded with each scenario must lead the
 * pipeline to the same diagnosis and remediation as the snapshot adapter. The fake
 * enforces the shipped ClusterRole, so the role is proven sufficient, and every rule of it
 * must be used by some scenario, so it grants nothing the adapter does not call.
 */

const CLUSTER_ROLE = join(REPO, "deploy/rbac/clusterrole-context.yaml");

function clusterRoleRules(): PolicyRule[] {
  const docs = parseAllDocuments(readFileSync(CLUSTER_ROLE, "utf8")).map(
    (d) => d.toJSON() as Record<string, unknown>,
  );
  const role = docs.find((d) => d.kind === "ClusterRole") as { rules: PolicyRule[] } | undefined;
  if (!role) throw new Error(`${CLUSTER_ROLE} holds no ClusterRole`);
  return role.rules;
}

/** The scenario's recorded Prometheus results: metrics still come from the recording. */
function recordedMetrics(scenario: Scenario): ContextSource {
  return {
    name: "recorded-metrics",
    gather: async () => ({ objects: [], logs: [], metrics: scenario.input.metrics, gaps: [] }),
  };
}

function outcome(r: EvalResult) {
  const remediation = r.actual?.remediation;
  return {
    category: r.actual?.category,
    action: remediation?.action,
    target: remediation?.target,
    params: remediation?.params,
    failures: r.actual ? [] : r.failures,
  };
}

async function compare(dir: string, rules: PolicyRule[], requests: FakeRequest[]) {
  const scenarios = await loadScenarioDir(dir);
  const differences: string[] = [];
  for (const scenario of scenarios) {
    const snapshot = await evaluateScenario(scenario);
    const live = await evaluateScenario(scenario, {
      context: async (s) => {
        const fake = await startFakeKubeApiServer({
          objects: s.input.cluster.items,
          logs: s.input.logs,
          rules,
        });
        const kubernetes = new KubernetesContextSource({ kubeconfigPath: fake.kubeconfigPath });
        return {
          source: new CompositeContextSource([kubernetes, recordedMetrics(s)]),
          close: async () => {
            requests.push(...fake.requests);
            await fake.close();
          },
        };
      },
    });
    const a = JSON.stringify(outcome(snapshot));
    const b = JSON.stringify(outcome(live));
    if (a !== b) differences.push(`${scenario.id}:\n  snapshot ${a}\n  live     ${b}`);
  }
  return { count: scenarios.length, differences };
}

describe("the Kubernetes adapter against the fake API server gives what the snapshot adapter gives", () => {
  const rules = clusterRoleRules();
  const requests: FakeRequest[] = [];

  it.skipIf(!SCENARIOS)(
    "on every dev scenario",
    async () => {
      const { count, differences } = await compare(SCENARIOS, rules, requests);
      console.log(`kubernetes adapter: ${count - differences.length}/${count} dev scenarios identical`);
      expect(differences).toEqual([]);
      expect(count).toBeGreaterThanOrEqual(40);
    },
    120_000,
  );

  it("on every held-out scenario", async () => {
    const { count, differences } = await compare(join(REPO, "test/fixtures/holdout"), rules, requests);
    expect(differences).toEqual([]);
    expect(count).toBeGreaterThanOrEqual(14);
  }, 120_000);

  it("on a cluster with every workload kind, for every label an alert can carry, without a gap", async () => {
    const fake = await startFakeKubeApiServer({ objects: clusterObjects, logs: clusterLogs, rules });
    try {
      const source = new KubernetesContextSource({ kubeconfigPath: fake.kubeconfigPath });
      const base = { alertname: "Test", namespace: NS, pods: [], labels: {}, annotations: {} };
      const subjects: AlertSubject[] = [
        { ...base, pods: ["cart-7c9f6d8b5-k2x4p"] },
        { ...base, deployment: "cart" },
        { ...base, statefulset: "redis" },
        { ...base, daemonset: "agent" },
        { ...base, job: "report-29000000" },
        { ...base, cronjob: "report" },
        { ...base, persistentvolumeclaim: "data-redis-0" },
        { ...base, horizontalpodautoscaler: "cart" },
        { alertname: "KubeNodeNotReady", node: "node-1", pods: [], labels: {}, annotations: {} },
      ];
      for (const subject of subjects) expect((await source.gather(subject)).gaps).toEqual([]);
    } finally {
      requests.push(...fake.requests);
      await fake.close();
    }
  });

  it("within the shipped ClusterRole, every rule of which the adapter uses", () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.status === 403 || r.status === 401)).toEqual([]);
    const used = new Set(requests.map((r) => `${r.apiGroup ?? ""}|${r.resource ?? ""}|${r.verb}`));
    const granted = rules.flatMap((rule) =>
      (rule.apiGroups ?? []).flatMap((g) =>
        (rule.resources ?? []).flatMap((res) => rule.verbs.map((v) => `${g}|${res}|${v}`)),
      ),
    );
    expect(granted.filter((g) => !used.has(g))).toEqual([]);
    // Only reads.
    expect(new Set(requests.map((r) => r.method))).toEqual(new Set(["GET"]));
  });
});

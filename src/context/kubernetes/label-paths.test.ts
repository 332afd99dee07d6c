import { afterEach, describe, expect, it } from "vitest";
import { startFakeKubeApiServer, type FakeKubeApiServer } from "../../../test/fakes/kube-api-server.js";
import { NS, clusterLogs as logs, clusterObjects as objects } from "../../../test/fixtures/kube-cluster.js";
import type { AlertSubject } from "../../core/evidence.js";
import { KubernetesContextSource } from "./kubernetes-context-source.js";

/**
 * Label values become path segments of Kubernetes API URLs. URL parsing resolves `.` and
 * `..` segments (also as %2e), so a namespace label `..` would turn
 * /api/v1/namespaces/../pods into the list of every pod of the cluster.
 */

const CLUSTER_SCOPED = new Set(["Node", "StorageClass", "PersistentVolume"]);

let fake: FakeKubeApiServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function subject(value: string): AlertSubject {
  return {
    alertname: "Test",
    namespace: value,
    pod: value,
    pods: [value],
    deployment: value,
    container: value,
    persistentvolumeclaim: value,
    labels: {},
    annotations: {},
  };
}

describe("label values as Kubernetes API path segments", () => {
  it.each(["..", ".", "%2e%2e", "../..", "../../etc/passwd", "../kube-system", "shop/../kube-system"])(
    "a subject named %j reads nothing outside its namespace",
    async (value) => {
      fake = await startFakeKubeApiServer({ objects, logs });
      const source = new KubernetesContextSource({ kubeconfigPath: fake.kubeconfigPath, backoffMs: 5 });
      const bundle = await source.gather(subject(value));
      // Nothing of the fixture's namespace is listed or read (its Nodes carry the namespace too).
      const namespaced = bundle.objects.filter((o) => !CLUSTER_SCOPED.has(o.kind));
      expect(namespaced.filter((o) => o.metadata.namespace === NS)).toEqual([]);
      expect(bundle.logs).toEqual([]);
      const paths = fake.requests.map((r) => r.path);
      for (const path of paths) {
        // A namespaced collection without /namespaces/<ns>/ is a cluster-wide list.
        expect(path).not.toMatch(
          /^\/api\/v1\/(pods|secrets|configmaps|services|endpoints|persistentvolumeclaims)$/,
        );
        expect(path).not.toMatch(/^\/apis\/apps\/v1\/(deployments|replicasets|statefulsets|daemonsets)$/);
        expect(path.split("/")).not.toContain("..");
      }
      if (value === "." || value === "..") {
        expect(bundle.gaps.map((g) => g.reason).join("\n")).toMatch(/not a name/);
      }
    },
  );
});

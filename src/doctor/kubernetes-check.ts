/**
 * The Kubernetes check of `aiops doctor`: the API server answers, and the credentials
 * may list what the context adapter reads (the resources of
 * deploy/rbac/clusterrole-context.yaml), with `limit=1` so that a big cluster costs nothing.
 */
import { ConfigError } from "../core/errors.js";
import { KubeApi, loadKubeConfig, type KubeConfigSource } from "../context/kubernetes/kube-api.js";
import type { Check } from "./doctor.js";

const READS: [string, string][] = [
  ["pods", "/api/v1/pods"],
  ["events", "/api/v1/events"],
  ["nodes", "/api/v1/nodes"],
  ["persistentvolumeclaims", "/api/v1/persistentvolumeclaims"],
  ["services", "/api/v1/services"],
  ["deployments", "/apis/apps/v1/deployments"],
  ["replicasets", "/apis/apps/v1/replicasets"],
  ["statefulsets", "/apis/apps/v1/statefulsets"],
  ["jobs", "/apis/batch/v1/jobs"],
  ["horizontalpodautoscalers", "/apis/autoscaling/v2/horizontalpodautoscalers"],
];

const RBAC_FIX =
  "kubectl apply -f deploy/rbac/clusterrole-context.yaml and bind the ClusterRole to the identity aiops runs as";

export function kubernetesCheck(source: KubeConfigSource): Check {
  let target = source.inCluster
    ? "in-cluster service account"
    : (source.kubeconfigPath ?? "default kubeconfig");
  return {
    name: "kubernetes",
    get target() {
      return target;
    },
    async run(signal) {
      let api: KubeApi;
      try {
        api = new KubeApi(loadKubeConfig(source), { retries: 0, requestTimeoutMs: 5_000 });
      } catch (error) {
        return {
          ok: false,
          detail: (error as Error).message,
          fix:
            error instanceof ConfigError
              ? "set KUBECONFIG (or context.kubernetes.kubeconfig), or run in a pod with a service account"
              : undefined,
        };
      }
      target = api.server;
      const budget = { signal, deadline: Date.now() + 10_000 };
      const discovery = await api.getJson("/api", budget);
      if (!discovery.ok) {
        return {
          ok: false,
          detail: `${api.server}: ${discovery.message}`,
          fix:
            discovery.status === 401
              ? "the credentials are not accepted: renew the token or certificate in the kubeconfig"
              : "check that the API server is reachable from here (address, network policy, VPN)",
        };
      }
      const results = await Promise.all(
        READS.map(async ([name, path]) => ({
          name,
          result: await api.getJson(path, budget, { query: { limit: 1 } }),
        })),
      );
      const forbidden = results.filter((r) => !r.result.ok && r.result.status === 403).map((r) => r.name);
      const failed = results.filter(
        (r) => !r.result.ok && r.result.status !== 403 && r.result.status !== 404,
      );
      if (forbidden.length > 0) {
        return { ok: false, detail: `may not list ${forbidden.join(", ")}`, fix: RBAC_FIX };
      }
      if (failed.length > 0) {
        const first = failed[0]?.result;
        return {
          ok: false,
          detail: `${failed.map((f) => f.name).join(", ")}: ${first && !first.ok ? first.message : "failed"}`,
          fix: "check the API server's health",
        };
      }
      return { ok: true, detail: `${api.server} answers; the context's ${READS.length} reads are allowed` };
    },
  };
}

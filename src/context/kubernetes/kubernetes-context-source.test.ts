import { afterEach, describe, expect, it } from "vitest";
import {
  startFakeKubeApiServer,
  type FakeKubeApiServer,
  type FakeKubeOptions,
} from "../../../test/fakes/kube-api-server.js";
import { ConfigError } from "../../core/errors.js";
import type { AlertSubject } from "../../core/evidence.js";
import type { ContextBundle, KubeObject } from "../context-source.js";
import { extractEvidence } from "../evidence.js";
import { loadKubeConfig } from "./kube-api.js";
import { KubernetesContextSource, type KubernetesContextOptions } from "./kubernetes-context-source.js";
import { labelSelectorParam } from "./resources.js";
import {
  NS,
  clusterLogs as logs,
  clusterObjects as objects,
  meta,
  owner,
  pod,
} from "../../../test/fixtures/kube-cluster.js";

// ---------------------------------------------------------------------------------------

let fake: FakeKubeApiServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: Partial<FakeKubeOptions> = {}): Promise<FakeKubeApiServer> {
  fake = await startFakeKubeApiServer({ objects, logs, ...options });
  return fake;
}

function source(server: FakeKubeApiServer, options: KubernetesContextOptions = {}): KubernetesContextSource {
  return new KubernetesContextSource({ kubeconfigPath: server.kubeconfigPath, backoffMs: 5, ...options });
}

function subject(labels: Partial<AlertSubject>): AlertSubject {
  return { alertname: "Test", namespace: NS, pods: [], labels: {}, annotations: {}, ...labels };
}

function names(bundle: ContextBundle, kind: string): string[] {
  return bundle.objects
    .filter((o) => o.kind === kind)
    .map((o) => o.metadata.name)
    .sort();
}

function requested(server: FakeKubeApiServer, path: string | RegExp) {
  return server.requests.filter((r) => (typeof path === "string" ? r.path === path : path.test(r.path)));
}

describe("KubernetesContextSource against the fake API server", () => {
  it("for a pod: the pod, its owner chain, the ReplicaSet history, events, logs, node and config existence", async () => {
    const server = await start();
    const bundle = await source(server).gather(
      subject({ pod: "cart-7c9f6d8b5-k2x4p", pods: ["cart-7c9f6d8b5-k2x4p"] }),
    );

    expect(bundle.gaps).toEqual([]);
    expect(names(bundle, "Pod")).toEqual(["cart-7c9f6d8b5-k2x4p", "cart-7c9f6d8b5-w9z8q"]);
    expect(names(bundle, "ReplicaSet")).toEqual(["cart-5d4b8c7f6", "cart-7c9f6d8b5"]);
    expect(names(bundle, "Deployment")).toContain("cart");
    expect(names(bundle, "Node")).toEqual(["node-1", "node-2"]);
    expect(names(bundle, "Event")).toEqual(
      expect.arrayContaining(["cart-7c9f6d8b5-k2x4p.1", "cart.1", "node-2.1"]),
    );
    // List items come without kind; the source sets it.
    expect(bundle.objects.every((o) => typeof o.kind === "string" && typeof o.apiVersion === "string")).toBe(
      true,
    );

    // The pod by name, its workload's pods and ReplicaSets by the Deployment's selector,
    // its events by field selector.
    expect(requested(server, `/api/v1/namespaces/${NS}/pods/cart-7c9f6d8b5-k2x4p`)).toHaveLength(1);
    expect(requested(server, `/api/v1/namespaces/${NS}/pods`).map((r) => r.query.labelSelector)).toContain(
      "app=cart",
    );
    expect(
      requested(server, `/apis/apps/v1/namespaces/${NS}/replicasets`).map((r) => r.query.labelSelector),
    ).toContain("app=cart");
    expect(requested(server, `/api/v1/namespaces/${NS}/events`).map((r) => r.query.fieldSelector)).toContain(
      `involvedObject.kind=Pod,involvedObject.namespace=${NS},involvedObject.name=cart-7c9f6d8b5-k2x4p`,
    );

    const cartLogs = bundle.logs.filter((l) => l.pod === "cart-7c9f6d8b5-k2x4p");
    expect(cartLogs.map((l) => l.previous).sort()).toEqual([false, true]);
    expect(cartLogs.find((l) => l.previous)?.text).toContain("OutOfMemoryError");

    // What the extractor makes of it: the owner chain and the rollout history.
    const evidence = extractEvidence(subject({ pods: ["cart-7c9f6d8b5-k2x4p"] }), bundle);
    expect(evidence.workload?.ref).toEqual({ kind: "Deployment", namespace: NS, name: "cart" });
    expect(evidence.ownerChain.map((r) => r.kind)).toEqual(["ReplicaSet", "Deployment"]);
    expect(evidence.rollout?.revisions.map((r) => r.revision)).toEqual([2, 1]);
    expect(evidence.configRefs.find((r) => r.name === "cart-db")).toMatchObject({
      exists: true,
      checked: true,
    });
  });

  it("for a deployment: its pods by label selector, and the dependency it calls in another namespace", async () => {
    const server = await start();
    const bundle = await source(server).gather(subject({ deployment: "cart" }));
    expect(names(bundle, "Pod")).toEqual(["cart-7c9f6d8b5-k2x4p", "cart-7c9f6d8b5-w9z8q"]);
    const db = bundle.objects
      .filter((o) => o.metadata.namespace === "data")
      .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(db.sort()).toEqual(["Endpoints/db", "Service/db"]);
    expect(requested(server, "/api/v1/namespaces/data/services/db")).toHaveLength(1);
  });

  it("for a statefulset: its pods and ControllerRevisions", async () => {
    const server = await start();
    const bundle = await source(server).gather(subject({ statefulset: "redis" }));
    expect(names(bundle, "Pod")).toEqual(["redis-0"]);
    expect(names(bundle, "ControllerRevision")).toEqual(["redis-6d8f7b9c5"]);
    expect(extractEvidence(subject({ statefulset: "redis" }), bundle).rollout?.current?.revision).toBe(3);
  });

  it("for a daemonset: its pods and their logs", async () => {
    const server = await start();
    const bundle = await source(server).gather(subject({ daemonset: "agent" }));
    expect(names(bundle, "Pod")).toEqual(["agent-x7k2p"]);
    expect(names(bundle, "ControllerRevision")).toEqual([]);
    // It restarted, so its previous log was asked for; none is kept, that is an answer, not a gap.
    expect(
      requested(server, /agent-x7k2p\/log$/)
        .map((r) => r.query.previous ?? "false")
        .sort(),
    ).toEqual(["false", "true"]);
    expect(bundle.gaps).toEqual([]);
  });

  it("for a job_name: the Job, its pods by the Job's selector, and the CronJob above it", async () => {
    const server = await start();
    const bundle = await source(server).gather(subject({ job: "report-29000000" }));
    expect(names(bundle, "Job")).toEqual(["report-29000000"]);
    expect(names(bundle, "CronJob")).toEqual(["report"]);
    expect(names(bundle, "Pod")).toEqual(["report-29000000-abcde"]);
    const evidence = extractEvidence(subject({ job: "report-29000000" }), bundle);
    expect(evidence.workload?.owner).toEqual({ kind: "CronJob", namespace: NS, name: "report" });
  });

  it("for a cronjob: its Jobs and their pods", async () => {
    const server = await start();
    const bundle = await source(server).gather(subject({ cronjob: "report" }));
    expect(names(bundle, "Job")).toEqual(["report-29000000"]);
    expect(names(bundle, "Pod")).toEqual(["report-29000000-abcde"]);
  });

  it("for a node: the node, its pods in every namespace by spec.nodeName, and events about nodes", async () => {
    const server = await start();
    const bundle = await source(server).gather({
      alertname: "KubeNodeNotReady",
      node: "node-1",
      pods: [],
      labels: {},
      annotations: {},
    });
    expect(names(bundle, "Node")).toEqual(["node-1", "node-2"]);
    expect(names(bundle, "Pod")).toContain("redis-0");
    expect(names(bundle, "Event")).toContain("node-2.1");
    expect(requested(server, "/api/v1/pods").map((r) => r.query.fieldSelector)).toEqual([
      "spec.nodeName=node-1",
    ]);
  });

  it("for a persistentvolumeclaim: the claim, the StatefulSet whose template makes it, and its pods", async () => {
    const server = await start();
    const bundle = await source(server).gather(subject({ persistentvolumeclaim: "data-redis-0" }));
    expect(names(bundle, "PersistentVolumeClaim")).toEqual(["cart-cache", "data-redis-0"]);
    expect(names(bundle, "Pod")).toEqual(["redis-0"]);
  });

  it("for a persistentvolumeclaim: a bare pod that mounts it", async () => {
    const bare: KubeObject = {
      ...pod("scratch", { app: "scratch" }, {}),
      spec: { volumes: [{ name: "c", persistentVolumeClaim: { claimName: "cart-cache" } }], containers: [] },
    };
    const server = await start({ objects: [...objects, bare] });
    const bundle = await source(server).gather(subject({ persistentvolumeclaim: "cart-cache" }));
    expect(names(bundle, "Pod")).toEqual(["cart-7c9f6d8b5-k2x4p", "cart-7c9f6d8b5-w9z8q", "scratch"]);
  });

  it("for a horizontalpodautoscaler: the HPA, its scale target and the target's pods", async () => {
    const server = await start();
    const bundle = await source(server).gather(subject({ horizontalpodautoscaler: "cart" }));
    expect(names(bundle, "HorizontalPodAutoscaler")).toEqual(["cart"]);
    expect(names(bundle, "Pod")).toEqual(["cart-7c9f6d8b5-k2x4p", "cart-7c9f6d8b5-w9z8q"]);
  });

  it("follows an owner of a kind it does not know through the API's discovery", async () => {
    const rollout: KubeObject = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: meta("web"),
      spec: { selector: { matchLabels: { app: "web" } } },
    };
    const rs: KubeObject = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: meta("web-6f7d9c8b5", {
        labels: { app: "web" },
        ...owner("argoproj.io/v1alpha1", "Rollout", "web"),
      }),
      spec: { selector: { matchLabels: { app: "web" } } },
    };
    const webPod = pod(
      "web-6f7d9c8b5-q2w3e",
      { app: "web" },
      owner("apps/v1", "ReplicaSet", "web-6f7d9c8b5"),
    );
    const server = await start({ objects: [rollout, rs, webPod] });
    const bundle = await source(server).gather(subject({ pods: ["web-6f7d9c8b5-q2w3e"] }));
    expect(names(bundle, "Rollout")).toEqual(["web"]);
    expect(requested(server, "/apis/argoproj.io/v1alpha1")).toHaveLength(1);
    expect(requested(server, `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts/web`)).toHaveLength(1);
  });
});

describe("bounds and failures", () => {
  it("asks for logs with tailLines and limitBytes, and keeps no more than the byte cap", async () => {
    const server = await start();
    const bundle = await source(server, { logTailLines: 50, logLimitBytes: 1000 }).gather(
      subject({ deployment: "cart" }),
    );
    const long = bundle.logs.find((l) => l.pod === "cart-7c9f6d8b5-w9z8q");
    expect(long).toBeDefined();
    expect(Buffer.byteLength(long?.text ?? "")).toBeLessThanOrEqual(1000);
    const query = requested(server, /cart-7c9f6d8b5-w9z8q\/log$/)[0]?.query;
    expect(query).toMatchObject({ container: "app", tailLines: "50", limitBytes: "1000" });
  });

  it("a previous log that does not exist (400) is normal, not a gap", async () => {
    // Restarted, but the kubelet no longer keeps the terminated container.
    const restarted = pod("agent-q8w7e", { app: "agent" }, owner("apps/v1", "DaemonSet", "agent"));
    const status = (restarted.status as { containerStatuses: Record<string, unknown>[] })
      .containerStatuses[0];
    if (status) status.restartCount = 2;
    const server = await start({ objects: [...objects, restarted] });
    const bundle = await source(server).gather(subject({ pods: ["agent-q8w7e"] }));
    const previous = requested(server, /agent-q8w7e\/log$/).filter((r) => r.query.previous === "true");
    expect(previous.map((r) => r.status)).toEqual([400]);
    expect(bundle.gaps).toEqual([]);
  });

  it("a 403 on events becomes a gap naming them, and everything else is still gathered", async () => {
    const rules = [
      {
        apiGroups: [""],
        resources: [
          "pods",
          "nodes",
          "services",
          "endpoints",
          "persistentvolumeclaims",
          "configmaps",
          "secrets",
        ],
        verbs: ["get", "list"],
      },
      { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
      {
        apiGroups: ["apps", "batch", "autoscaling", "storage.k8s.io"],
        resources: ["*"],
        verbs: ["get", "list"],
      },
    ];
    const server = await start({ rules });
    const bundle = await source(server).gather(subject({ pods: ["cart-7c9f6d8b5-k2x4p"] }));
    expect(names(bundle, "Event")).toEqual([]);
    expect(names(bundle, "Pod")).toEqual(["cart-7c9f6d8b5-k2x4p", "cart-7c9f6d8b5-w9z8q"]);
    expect(names(bundle, "Deployment")).toContain("cart");
    expect(bundle.logs.length).toBeGreaterThan(0);
    expect(bundle.gaps.length).toBeGreaterThan(0);
    for (const gap of bundle.gaps) {
      expect(gap.source).toBe("kubernetes");
      expect(gap.reason).toMatch(/events.*Forbidden \(403\): events is forbidden: User/);
    }
  });

  it("retries a 500 and succeeds", async () => {
    const server = await start();
    const path = `/api/v1/namespaces/${NS}/pods/cart-7c9f6d8b5-k2x4p`;
    server.inject({ path, status: 500, times: 2 });
    const bundle = await source(server).gather(subject({ pods: ["cart-7c9f6d8b5-k2x4p"] }));
    expect(requested(server, path).map((r) => r.status)).toEqual([500, 500, 200]);
    expect(names(bundle, "Pod")).toContain("cart-7c9f6d8b5-k2x4p");
    expect(bundle.gaps).toEqual([]);
  });

  it("retries a 429 after its Retry-After and succeeds", async () => {
    const server = await start();
    const path = `/apis/apps/v1/namespaces/${NS}/deployments`;
    server.inject({ path, status: 429, retryAfterSeconds: 0, times: 1 });
    const bundle = await source(server).gather(subject({ deployment: "cart" }));
    expect(requested(server, path).map((r) => r.status)).toEqual([429, 200]);
    expect(names(bundle, "Deployment")).toEqual(["cart"]);
    expect(bundle.gaps).toEqual([]);
  });

  it("gives up after the retries and records the 503 as a gap", async () => {
    const server = await start();
    const path = `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`;
    server.inject({ path, status: 503, retryAfterSeconds: 0 });
    const bundle = await source(server, { retries: 2 }).gather(subject({ deployment: "cart" }));
    expect(requested(server, path)).toHaveLength(3);
    expect(bundle.gaps).toEqual([
      {
        source: "kubernetes",
        reason: expect.stringMatching(/^list horizontalpodautoscalers in shop: ServiceUnavailable \(503\)/),
      },
    ]);
    expect(names(bundle, "Pod")).toHaveLength(2);
  });

  it("a request that times out becomes a gap; the rest is gathered", async () => {
    const server = await start();
    // A timeout the other requests stay well inside even on a starved machine.
    server.inject({ path: `/api/v1/namespaces/${NS}/services`, delayMs: 20_000 });
    const bundle = await source(server, { requestTimeoutMs: 2_000 }).gather(subject({ deployment: "cart" }));
    expect(bundle.gaps).toEqual([
      { source: "kubernetes", reason: expect.stringMatching(/^list services in shop: Timeout/) },
    ]);
    expect(names(bundle, "Service")).toEqual(["db"]);
    expect(names(bundle, "Pod")).toHaveLength(2);
  });

  it("stops at the caller's deadline with what it has, and says so", async () => {
    const server = await start();
    server.inject({ path: /\/log/, delayMs: 20_000 });
    const bundle = await source(server).gather(subject({ deployment: "cart" }), AbortSignal.timeout(3_000));
    expect(names(bundle, "Deployment")).toContain("cart");
    expect(bundle.gaps.map((g) => g.reason)).toContain(
      "the deadline for gathering was reached; what was read until then is kept",
    );
  });

  it("a list longer than the page is cut, and the cut is a gap", async () => {
    const server = await start();
    const bundle = await source(server, { maxListItems: 1 }).gather(subject({ deployment: "cart" }));
    expect(bundle.gaps.map((g) => g.reason)).toContain(
      "list nodes: more than 1 items, only the first 1 were read",
    );
  });

  it("reads ConfigMaps and Secrets as metadata only, and never keeps a value even if the server sends one", async () => {
    for (const ignoreMetadataAccept of [false, true]) {
      const server = await start({ ignoreMetadataAccept });
      const bundle = await source(server).gather(subject({ deployment: "cart" }));
      const secret = bundle.objects.find((o) => o.kind === "Secret");
      expect(secret?.metadata.name).toBe("cart-db");
      expect(secret).not.toHaveProperty("data");
      expect(secret).not.toHaveProperty("stringData");
      expect(JSON.stringify(bundle)).not.toContain("aHVudGVyMg==");
      expect(JSON.stringify(bundle)).not.toContain("hunter2");
      expect(bundle.objects.find((o) => o.kind === "ConfigMap")).not.toHaveProperty("data");
      const secretRequests = requested(server, `/api/v1/namespaces/${NS}/secrets`);
      expect(secretRequests.map((r) => r.accept)).toEqual([
        expect.stringContaining("as=PartialObjectMetadataList"),
      ]);
      await server.close();
      fake = undefined;
    }
  });
});

describe("configuration", () => {
  it("loads a kubeconfig file and a named context, and rejects an unknown context", async () => {
    const server = await start();
    expect(
      loadKubeConfig({ kubeconfigPath: server.kubeconfigPath, contextName: "fake" }).getCurrentCluster()
        ?.server,
    ).toBe(server.url);
    expect(() => loadKubeConfig({ kubeconfigPath: server.kubeconfigPath, contextName: "prod" })).toThrow(
      ConfigError,
    );
    expect(() => new KubernetesContextSource({ kubeconfigPath: "/nonexistent/kubeconfig" })).toThrow(
      ConfigError,
    );
  });

  it("turns workload selectors into labelSelector parameters", () => {
    expect(labelSelectorParam({ matchLabels: { app: "cart", tier: "web" } })).toBe("app=cart,tier=web");
    expect(
      labelSelectorParam({
        matchLabels: { app: "cart" },
        matchExpressions: [
          { key: "env", operator: "In", values: ["prod", "staging"] },
          { key: "canary", operator: "DoesNotExist" },
          { key: "zone", operator: "NotIn", values: ["a"] },
          { key: "owner", operator: "Exists" },
        ],
      }),
    ).toBe("app=cart,env in (prod,staging),!canary,zone notin (a),owner");
    expect(labelSelectorParam({ app: "db" })).toBe("app=db");
    expect(labelSelectorParam({})).toBeUndefined();
    expect(labelSelectorParam({ matchExpressions: [{ key: "x", operator: "Bogus" }] })).toBeUndefined();
  });
});

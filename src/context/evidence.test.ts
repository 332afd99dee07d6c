import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseWebhook } from "../core/alertmanager.js";
import type { AlertSubject } from "../core/evidence.js";
import type { ContextBundle, KubeObject } from "./context-source.js";
import { extractEvidence, metricNameOf } from "./evidence.js";
import { loadScenarioDir } from "./snapshot/scenario.js";
import { snapshotFromScenarioInput } from "./snapshot/snapshot-context-source.js";
import { subjectFromAlerts } from "./subject.js";

// ---------------------------------------------------------------------------------------
// Builders

const NS = "shop";

function subject(extra: Partial<AlertSubject> = {}): AlertSubject {
  return { alertname: "KubePodCrashLooping", namespace: NS, pods: [], labels: {}, annotations: {}, ...extra };
}

function bundle(objects: KubeObject[], extra: Partial<ContextBundle> = {}): ContextBundle {
  return { objects, logs: [], metrics: [], gaps: [], ...extra };
}

function owner(
  kind: string,
  name: string,
  uid = `${kind}-${name}`,
): { apiVersion: string; kind: string; name: string; uid: string; controller: boolean } {
  return { apiVersion: "apps/v1", kind, name, uid, controller: true };
}

function container(
  name: string,
  image: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { name, image, resources: { limits: { memory: "512Mi" }, requests: { cpu: "250m" } }, ...extra };
}

function deployment(name: string, revision: number, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name,
      namespace: NS,
      uid: `Deployment-${name}`,
      annotations: { "deployment.kubernetes.io/revision": String(revision) },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [container("app", `${name}:new`)] },
      },
    },
    status: { replicas: 2, readyReplicas: 1, availableReplicas: 1 },
    ...extra,
  };
}

function replicaSet(
  dep: string,
  hash: string,
  revision: number,
  image: string,
  spec: number,
  status: Record<string, number>,
): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${dep}-${hash}`,
      namespace: NS,
      uid: `ReplicaSet-${dep}-${hash}`,
      labels: { app: dep, "pod-template-hash": hash },
      annotations: { "deployment.kubernetes.io/revision": String(revision) },
      ownerReferences: [owner("Deployment", dep)],
      creationTimestamp: `2026-01-${String(revision).padStart(2, "0")}T00:00:00Z`,
    },
    spec: { replicas: spec, template: { spec: { containers: [container("app", image)] } } },
    status,
  };
}

type PodState = "running" | "crashloop" | "pending";

function pod(
  name: string,
  ownerRef: { kind: string; name: string } | undefined,
  state: PodState,
  extra: {
    labels?: Record<string, string>;
    spec?: Record<string, unknown>;
    status?: Record<string, unknown>;
  } = {},
): KubeObject {
  const ready = state === "running";
  const containerStatus =
    state === "running"
      ? {
          name: "app",
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: "2026-01-01T00:00:00Z" } },
        }
      : state === "crashloop"
        ? {
            name: "app",
            ready: false,
            restartCount: 7,
            started: false,
            state: {
              waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container" },
            },
            lastState: {
              terminated: {
                reason: "OOMKilled",
                exitCode: 137,
                startedAt: "2026-01-01T00:00:00Z",
                finishedAt: "2026-01-01T00:01:00Z",
              },
            },
          }
        : { name: "app", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: NS,
      labels: extra.labels ?? {},
      ...(ownerRef ? { ownerReferences: [owner(ownerRef.kind, ownerRef.name)] } : {}),
      creationTimestamp: "2026-01-10T00:00:00Z",
    },
    spec: {
      nodeName: "node-a",
      containers: [
        container("app", "img", {
          livenessProbe: { httpGet: { path: "/healthz", port: "http" }, timeoutSeconds: 2 },
          readinessProbe: { exec: { command: ["cat", "/ready"] } },
        }),
      ],
      ...extra.spec,
    },
    status: {
      phase: state === "pending" ? "Pending" : "Running",
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
      containerStatuses: [containerStatus],
      ...extra.status,
    },
  };
}

function event(
  name: string,
  involved: Record<string, string>,
  reason: string,
  last: string,
  extra: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name, namespace: involved.namespace ?? "default" },
    involvedObject: involved,
    reason,
    message: `${reason} happened`,
    type: "Warning",
    count: 3,
    lastTimestamp: last,
    source: { component: "kubelet" },
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------
// Owner chains, pods and workloads

describe("extractEvidence: owner chains", () => {
  const objects = [
    deployment("cart", 3),
    replicaSet("cart", "6b8f5d7c9d", 3, "cart:new", 1, { replicas: 1 }),
    pod("cart-6b8f5d7c9d-wnq2n", { kind: "ReplicaSet", name: "cart-6b8f5d7c9d" }, "crashloop", {
      labels: { app: "cart", "pod-template-hash": "6b8f5d7c9d" },
    }),
    pod("cart-6b8f5d7c9d-q62b4", { kind: "ReplicaSet", name: "cart-6b8f5d7c9d" }, "running", {
      labels: { app: "cart", "pod-template-hash": "6b8f5d7c9d" },
    }),
    pod("other-0", undefined, "running", { labels: { app: "other" } }),
  ];

  it("walks Pod → ReplicaSet → Deployment and gathers the workload's pods", () => {
    const e = extractEvidence(
      subject({ pods: ["cart-6b8f5d7c9d-wnq2n"] }),
      bundle(objects),
      new Date("2026-02-01T00:00:00Z"),
    );
    expect(e.collectedAt).toBe("2026-02-01T00:00:00.000Z");
    expect(e.ownerChain).toEqual([
      { kind: "ReplicaSet", namespace: NS, name: "cart-6b8f5d7c9d" },
      { kind: "Deployment", namespace: NS, name: "cart" },
    ]);
    expect(e.workload?.ref).toEqual({ kind: "Deployment", namespace: NS, name: "cart" });
    expect(e.workload?.revision).toBe(3);
    expect(e.pods.map((p) => [p.name, p.alerted])).toEqual([
      ["cart-6b8f5d7c9d-wnq2n", true],
      ["cart-6b8f5d7c9d-q62b4", false],
    ]);
    expect(e.gaps).toEqual([]);
  });

  it("reads container status, last termination and applies probe defaults", () => {
    const e = extractEvidence(subject({ pods: ["cart-6b8f5d7c9d-wnq2n"] }), bundle(objects));
    const p = e.pods[0];
    expect(p?.revisionHash).toBe("6b8f5d7c9d");
    expect(p?.owner).toEqual({ kind: "ReplicaSet", namespace: NS, name: "cart-6b8f5d7c9d" });
    const c = p?.containers[0];
    expect(c).toMatchObject({
      name: "app",
      init: false,
      state: "waiting",
      waitingReason: "CrashLoopBackOff",
      restartCount: 7,
      ready: false,
      lastTermination: { reason: "OOMKilled", exitCode: 137 },
      resources: { limits: { memory: "512Mi" }, requests: { cpu: "250m" } },
    });
    expect(c?.probes.liveness).toEqual({
      handler: "httpGet",
      path: "/healthz",
      port: "http",
      initialDelaySeconds: 0,
      timeoutSeconds: 2,
      periodSeconds: 10,
      failureThreshold: 3,
      successThreshold: 1,
    });
    expect(c?.probes.readiness).toMatchObject({
      handler: "exec",
      command: ["cat", "/ready"],
      timeoutSeconds: 1,
    });
    expect(c?.probes.startup).toBeUndefined();
  });

  it("finds the workload named by the alert, and records a missing alerted pod as a gap", () => {
    const e = extractEvidence(
      subject({ deployment: "cart", pods: ["cart-6b8f5d7c9d-gone1"] }),
      bundle(objects),
    );
    expect(e.workload?.ref.name).toBe("cart");
    expect(e.pods).toHaveLength(2);
    expect(e.gaps.map((g) => g.reason).join()).toMatch(
      /cart-6b8f5d7c9d-gone1 named by the alert was not found/,
    );
  });

  it("infers the workload of a vanished pod from its ReplicaSet", () => {
    const e = extractEvidence(subject({ pods: ["cart-6b8f5d7c9d-zzzzz"] }), bundle(objects));
    expect(e.workload?.ref.name).toBe("cart");
    expect(e.ownerChain.map((r) => r.kind)).toEqual(["ReplicaSet", "Deployment"]);
  });

  it("names the Deployment of a pod whose ReplicaSet and Deployment are absent", () => {
    const lone = pod("web-5c8d7f9b64-xcgqk", { kind: "ReplicaSet", name: "web-5c8d7f9b64" }, "running", {
      labels: { "pod-template-hash": "5c8d7f9b64" },
    });
    const e = extractEvidence(subject({ pods: [lone.metadata.name] }), bundle([lone]));
    expect(e.ownerChain).toEqual([
      { kind: "ReplicaSet", namespace: NS, name: "web-5c8d7f9b64" },
      { kind: "Deployment", namespace: NS, name: "web" },
    ]);
    expect(e.workload).toBeUndefined();
  });

  it("walks Pod → Job → CronJob: the Job is the workload, the CronJob its owner", () => {
    const cron: KubeObject = {
      kind: "CronJob",
      metadata: { name: "export", namespace: NS, uid: "CronJob-export" },
      spec: {
        schedule: "0 2 * * *",
        suspend: false,
        jobTemplate: { spec: { template: { spec: { containers: [container("exporter", "exp:1")] } } } },
      },
      status: { lastScheduleTime: "2026-01-01T02:00:00Z" },
    };
    const job: KubeObject = {
      kind: "Job",
      metadata: {
        name: "export-29733240",
        namespace: NS,
        uid: "Job-export-29733240",
        ownerReferences: [owner("CronJob", "export")],
      },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: 3600,
        template: { spec: { containers: [container("exporter", "exp:1")] } },
      },
      status: { failed: 3, startTime: "2026-01-01T02:00:00Z" },
    };
    const jobPod = pod("export-29733240-k8m4s", { kind: "Job", name: "export-29733240" }, "running", {
      status: {
        phase: "Failed",
        containerStatuses: [
          {
            name: "app",
            ready: false,
            restartCount: 0,
            state: { terminated: { reason: "Error", exitCode: 1 } },
          },
        ],
      },
    });
    const e = extractEvidence(subject({ job: "export-29733240" }), bundle([cron, job, jobPod]));
    expect(e.ownerChain).toEqual([
      { kind: "Job", namespace: NS, name: "export-29733240" },
      { kind: "CronJob", namespace: NS, name: "export" },
    ]);
    expect(e.workload?.ref.kind).toBe("Job");
    expect(e.workload?.owner).toEqual({ kind: "CronJob", namespace: NS, name: "export" });
    expect(e.workload?.cronJob).toEqual({
      schedule: "0 2 * * *",
      suspend: false,
      lastScheduleTime: "2026-01-01T02:00:00Z",
    });
    expect(e.workload?.job).toMatchObject({
      backoffLimit: 2,
      activeDeadlineSeconds: 3600,
      failed: 3,
      succeeded: 0,
      active: 0,
    });
    expect(e.pods[0]?.containers[0]).toMatchObject({
      state: "terminated",
      terminated: { reason: "Error", exitCode: 1 },
    });
  });

  it("uses the HPA's scale target as the workload", () => {
    const hpa: KubeObject = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "cart", namespace: NS },
      spec: {
        maxReplicas: 6,
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "cart" },
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 75 } },
          },
        ],
      },
      status: {
        currentReplicas: 6,
        desiredReplicas: 6,
        conditions: [{ type: "ScalingLimited", status: "True", reason: "TooManyReplicas" }],
        currentMetrics: [
          {
            type: "Resource",
            resource: { name: "cpu", current: { averageUtilization: 131, averageValue: "1310m" } },
          },
        ],
      },
    };
    const e = extractEvidence(
      subject({ alertname: "KubeHpaMaxedOut", horizontalpodautoscaler: "cart" }),
      bundle([...objects, hpa]),
    );
    expect(e.workload?.ref.name).toBe("cart");
    expect(e.pods.map((p) => p.name)).toContain("cart-6b8f5d7c9d-q62b4");
    expect(e.hpas).toEqual([
      {
        ref: { kind: "HorizontalPodAutoscaler", namespace: NS, name: "cart" },
        scaleTarget: { kind: "Deployment", namespace: NS, name: "cart" },
        minReplicas: 1,
        maxReplicas: 6,
        currentReplicas: 6,
        desiredReplicas: 6,
        conditions: [{ type: "ScalingLimited", status: "True", reason: "TooManyReplicas" }],
        metrics: [{ name: "cpu", type: "Resource", target: 75, current: 131 }],
      },
    ]);
  });

  it("lists the other workloads, a dependency scaled to zero included", () => {
    const redis = deployment("redis", 1, { status: {} });
    (redis.spec as { replicas: number }).replicas = 0;
    const e = extractEvidence(subject({ pods: ["cart-6b8f5d7c9d-wnq2n"] }), bundle([...objects, redis]));
    expect(e.relatedWorkloads.map((w) => [w.ref.name, w.replicas, w.readyReplicas])).toEqual([
      ["redis", 0, 0],
    ]);
  });
});

describe("extractEvidence: node and PVC alerts", () => {
  it("gathers the pods on an alerted node and the node's state", () => {
    const node: KubeObject = {
      kind: "Node",
      metadata: { name: "node-a", labels: { "topology.kubernetes.io/zone": "a" } },
      spec: {
        unschedulable: true,
        taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoSchedule" }],
      },
      status: {
        conditions: [{ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown" }],
        allocatable: { cpu: "3920m" },
        capacity: { cpu: "4" },
      },
    };
    const p1 = pod("a-0", undefined, "running");
    const p2 = pod("b-0", undefined, "running", { spec: { nodeName: "node-b" } });
    const e = extractEvidence(
      subject({ alertname: "KubeNodeNotReady", namespace: undefined, node: "node-a" }),
      bundle([node, p1, p2]),
    );
    expect(e.pods.map((p) => p.name)).toEqual(["a-0"]);
    expect(e.nodes).toEqual([
      {
        name: "node-a",
        ready: "Unknown",
        conditions: [{ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown" }],
        unschedulable: true,
        taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoSchedule" }],
        labels: { "topology.kubernetes.io/zone": "a" },
        allocatable: { cpu: "3920m" },
        capacity: { cpu: "4" },
      },
    ]);
    expect(e.workload).toBeUndefined();
  });

  it("finds the StatefulSet of an alerted PVC through the pods mounting it", () => {
    const sts: KubeObject = {
      kind: "StatefulSet",
      metadata: { name: "pg", namespace: NS, uid: "StatefulSet-pg" },
      spec: { replicas: 1, template: { spec: { containers: [container("pg", "postgres:16")] } } },
      status: {
        replicas: 1,
        readyReplicas: 1,
        currentRevision: "pg-7b9c6d5f84",
        updateRevision: "pg-7b9c6d5f84",
      },
    };
    const p = pod("pg-0", { kind: "StatefulSet", name: "pg" }, "running", {
      labels: { "controller-revision-hash": "pg-7b9c6d5f84" },
      spec: { volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data-pg-0" } }] },
    });
    const pvc: KubeObject = {
      kind: "PersistentVolumeClaim",
      metadata: { name: "data-pg-0", namespace: NS },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: "gp3",
        resources: { requests: { storage: "50Gi" } },
      },
      status: { phase: "Bound", capacity: { storage: "50Gi" } },
    };
    const e = extractEvidence(
      subject({ alertname: "KubePersistentVolumeFillingUp", persistentvolumeclaim: "data-pg-0" }),
      bundle([sts, p, pvc]),
    );
    expect(e.workload?.ref).toEqual({ kind: "StatefulSet", namespace: NS, name: "pg" });
    expect(e.pods[0]?.volumes).toEqual([
      { name: "data", type: "persistentVolumeClaim", refName: "data-pg-0" },
    ]);
    expect(e.pvcs).toEqual([
      {
        ref: { kind: "PersistentVolumeClaim", namespace: NS, name: "data-pg-0" },
        phase: "Bound",
        storageClassName: "gp3",
        requested: "50Gi",
        capacity: "50Gi",
        accessModes: ["ReadWriteOnce"],
      },
    ]);
    expect(e.rollout?.revisions.map((r) => [r.name, r.current, r.healthy])).toEqual([
      ["pg-7b9c6d5f84", true, true],
    ]);

    const withClass = extractEvidence(
      subject({ persistentvolumeclaim: "data-pg-0" }),
      bundle([sts, p, pvc, { kind: "StorageClass", metadata: { name: "gp2" } }]),
    );
    expect(withClass.pvcs[0]?.storageClassExists).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------
// Rollouts

describe("extractEvidence: rollout", () => {
  const podOf = (hash: string, suffix: string, state: PodState): KubeObject =>
    pod(`cart-${hash}-${suffix}`, { kind: "ReplicaSet", name: `cart-${hash}` }, state, {
      labels: { app: "cart", "pod-template-hash": hash },
    });

  it("marks the failing new revision and the available old one as last healthy", () => {
    const dep = deployment("cart", 12, {
      status: { conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] },
    });
    const e = extractEvidence(
      subject({ deployment: "cart" }),
      bundle([
        dep,
        replicaSet("cart", "n7w2kq5p9t", 12, "cart:3.8.0", 1, { replicas: 1 }),
        replicaSet("cart", "jzxqqnjsk", 11, "cart:3.7.2", 4, {
          replicas: 4,
          readyReplicas: 4,
          availableReplicas: 4,
        }),
        podOf("n7w2kq5p9t", "xrm82", "crashloop"),
        podOf("jzxqqnjsk", "aaaaa", "running"),
      ]),
    );
    const r = e.rollout;
    expect(r?.progressDeadlineExceeded).toBe(true);
    expect(r?.revisions.map((x) => [x.revision, x.current, x.healthy, x.readyPods, x.failingPods])).toEqual([
      [12, true, false, 0, 1],
      [11, false, true, 1, 0],
    ]);
    expect(r?.current?.images).toEqual({ app: "cart:3.8.0" });
    expect(r?.lastHealthy?.revision).toBe(11);
    expect(r?.lastHealthy?.images).toEqual({ app: "cart:3.7.2" });
  });

  it("treats the scaled-down revision right before the current one as healthy, older ones not", () => {
    const e = extractEvidence(
      subject({ deployment: "cart" }),
      bundle([
        deployment("cart", 9),
        replicaSet("cart", "ccccc", 9, "cart:9", 2, { replicas: 2 }),
        replicaSet("cart", "bbbbb", 8, "cart:8", 0, {}),
        replicaSet("cart", "ddddd", 7, "cart:7", 0, {}),
        podOf("ccccc", "p1", "crashloop"),
      ]),
    );
    expect(e.rollout?.revisions.map((x) => [x.revision, x.healthy])).toEqual([
      [9, false],
      [8, true],
      [7, false],
    ]);
    expect(e.rollout?.lastHealthy?.revision).toBe(8);
  });

  it("does not trust a scaled-down previous revision that Warning events name", () => {
    const e = extractEvidence(
      subject({ deployment: "cart" }),
      bundle([
        deployment("cart", 9),
        replicaSet("cart", "ccccc", 9, "cart:9", 2, { replicas: 2 }),
        replicaSet("cart", "bbbbb", 8, "cart:8", 0, {}),
        event(
          "e1",
          { kind: "ReplicaSet", name: "cart-bbbbb", namespace: NS },
          "FailedCreate",
          "2026-01-08T00:00:00Z",
        ),
      ]),
    );
    expect(e.rollout?.lastHealthy).toBeUndefined();
  });

  it("a revision with a failing pod is not healthy even with ready replicas", () => {
    const e = extractEvidence(
      subject({ deployment: "cart" }),
      bundle([
        deployment("cart", 17),
        replicaSet("cart", "nsb49", 17, "cart:17", 5, {
          replicas: 5,
          readyReplicas: 3,
          availableReplicas: 3,
        }),
        podOf("nsb49", "p1", "pending"),
        podOf("nsb49", "p2", "running"),
      ]),
    );
    expect(e.rollout?.current).toMatchObject({ revision: 17, healthy: false, readyPods: 1, failingPods: 1 });
    expect(e.rollout?.progressDeadlineExceeded).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------
// Config references, services, events, logs, metrics

describe("extractEvidence: config references", () => {
  const withRefs = pod("api-0", undefined, "pending", {
    spec: {
      containers: [
        container("api", "api:1", {
          env: [
            { name: "A", valueFrom: { configMapKeyRef: { name: "settings", key: "a" } } },
            { name: "P", valueFrom: { secretKeyRef: { name: "creds", key: "password", optional: true } } },
          ],
          envFrom: [{ secretRef: { name: "api-env" } }],
        }),
      ],
      initContainers: [
        container("init", "busybox", { envFrom: [{ configMapRef: { name: "init-config" } }] }),
      ],
      volumes: [
        { name: "cfg", configMap: { name: "collector-config" } },
        {
          name: "kube-api-access-x",
          projected: {
            sources: [
              { serviceAccountToken: { path: "token" } },
              { configMap: { name: "kube-root-ca.crt" } },
            ],
          },
        },
      ],
      imagePullSecrets: [{ name: "registry" }],
    },
  });

  it("detects a missing ConfigMap where the namespace's ConfigMaps are known", () => {
    const e = extractEvidence(
      subject({ pods: ["api-0"] }),
      bundle([withRefs, { kind: "ConfigMap", metadata: { name: "settings", namespace: NS } }]),
    );
    const refs = e.configRefs.map(
      (r) =>
        `${r.kind}/${r.name}/${r.via}/${r.key ?? ""}/${r.container ?? ""}/${r.exists}/${r.checked}/${r.optional}`,
    );
    expect(refs).toEqual([
      "ConfigMap/init-config/envFrom//init/false/true/false",
      "ConfigMap/settings/env/a/api/true/true/false",
      "Secret/creds/env/password/api/true/false/true",
      "Secret/api-env/envFrom//api/true/false/false",
      "ConfigMap/collector-config/volume///false/true/false",
      "Secret/registry/imagePullSecret///true/false/false",
    ]);
  });
});

describe("extractEvidence: services, events, logs, metrics", () => {
  const objects: KubeObject[] = [
    pod("web-0", undefined, "crashloop", { labels: { app: "web" } }),
    pod("web-1", undefined, "running", { labels: { app: "web" } }),
    {
      kind: "Service",
      metadata: { name: "web", namespace: NS },
      spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    },
    {
      kind: "Endpoints",
      metadata: { name: "web", namespace: NS },
      subsets: [
        { addresses: [{ ip: "10.0.0.1" }], notReadyAddresses: [{ ip: "10.0.0.2" }, { ip: "10.0.0.3" }] },
      ],
    },
    {
      kind: "Service",
      metadata: { name: "db", namespace: NS },
      spec: { selector: { app: "db" }, ports: [{ port: 5432 }] },
    },
    event("e-old", { kind: "Pod", name: "web-0", namespace: NS }, "BackOff", "2026-01-01T00:00:00Z"),
    event("e-new", { kind: "Pod", name: "web-0", namespace: NS }, "Unhealthy", "2026-01-02T00:00:00Z"),
    event("e-series", { kind: "Pod", name: "web-1", namespace: NS }, "FailedScheduling", "", {
      lastTimestamp: null,
      firstTimestamp: null,
      count: undefined,
      eventTime: "2026-01-03T00:00:00Z",
      series: { count: 11, lastObservedTime: "2026-01-03T01:00:00Z" },
      source: {},
      reportingComponent: "default-scheduler",
    }),
    event(
      "e-other-ns",
      { kind: "Pod", name: "x", namespace: "elsewhere" },
      "Killing",
      "2026-01-05T00:00:00Z",
    ),
  ];

  it("counts endpoints and what the selector matches", () => {
    const e = extractEvidence(subject({ pods: ["web-0"] }), bundle(objects));
    expect(e.services).toEqual([
      {
        ref: { kind: "Service", namespace: NS, name: "web" },
        selector: { app: "web" },
        ports: [{ name: "http", port: 80, targetPort: "http" }],
        endpoints: { ready: 1, notReady: 2 },
        selects: ["web-0"],
      },
      {
        ref: { kind: "Service", namespace: NS, name: "db" },
        selector: { app: "db" },
        ports: [{ port: 5432 }],
        selects: [],
      },
    ]);
  });

  it("sorts events newest first, reading series and eventTime when lastTimestamp is null", () => {
    const e = extractEvidence(subject({ pods: ["web-0", "web-1"] }), bundle(objects));
    expect(e.events.map((x) => [x.reason, x.lastTimestamp, x.count, x.source])).toEqual([
      ["Killing", "2026-01-05T00:00:00Z", 3, "kubelet"],
      ["FailedScheduling", "2026-01-03T01:00:00Z", 11, "default-scheduler"],
      ["Unhealthy", "2026-01-02T00:00:00Z", 3, "kubelet"],
      ["BackOff", "2026-01-01T00:00:00Z", 3, "kubelet"],
    ]);
  });

  it("excerpts logs, alerted pods first", () => {
    const e = extractEvidence(
      subject({ pods: ["web-0"] }),
      bundle(objects, {
        logs: [
          {
            namespace: "kube-system",
            pod: "coredns-1",
            container: "coredns",
            previous: false,
            text: "x NXDOMAIN\n",
          },
          { namespace: NS, pod: "web-0", container: "app", previous: true, text: "start\npanic: boom\n" },
        ],
      }),
    );
    expect(e.logs.map((l) => [l.pod, l.previous, l.totalLines, l.errorLines])).toEqual([
      ["web-0", true, 2, ["panic: boom"]],
      ["coredns-1", false, 1, ["x NXDOMAIN"]],
    ]);
  });

  it("reads metric names and values", () => {
    const e = extractEvidence(
      subject(),
      bundle([], {
        metrics: [
          {
            query: 'max_over_time(container_memory_working_set_bytes{namespace="shop",container="app"}[1h])',
            result: {
              resultType: "vector",
              result: [
                { metric: { pod: "a" }, value: [1, "734003200"] },
                { metric: { pod: "b" }, value: [1, "NaN"] },
              ],
            },
          },
          {
            query: 'kube_deployment_spec_replicas{deployment="redis"}[1h:15m]',
            result: {
              resultType: "matrix",
              result: [
                {
                  metric: {},
                  values: [
                    [1, "1"],
                    [2, "0"],
                  ],
                },
              ],
            },
          },
        ],
      }),
    );
    expect(e.metrics[0]).toEqual({
      query: 'max_over_time(container_memory_working_set_bytes{namespace="shop",container="app"}[1h])',
      metric: "container_memory_working_set_bytes",
      resultType: "vector",
      series: [{ labels: { pod: "a" }, value: 734003200 }, { labels: { pod: "b" } }],
    });
    expect(e.metrics[1]?.series[0]).toEqual({
      labels: {},
      values: [
        [1, 1],
        [2, 0],
      ],
      value: 0,
    });
  });

  it("survives malformed objects", () => {
    const junk = [
      {
        kind: "Pod",
        metadata: { name: "p", namespace: NS },
        spec: "nope",
        status: { containerStatuses: "x" },
      },
      { kind: "Deployment", metadata: { name: "d", namespace: NS }, spec: { template: null } },
      { kind: "Event", metadata: { name: "e" } },
      null,
    ] as unknown as KubeObject[];
    const e = extractEvidence(subject({ pods: ["p"], deployment: "d" }), bundle(junk));
    expect(e.workload?.ref.name).toBe("d");
    expect(e.pods.map((p) => p.name)).toEqual(["p"]);
  });
});

describe("metricNameOf", () => {
  it.each([
    [
      'sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="a"}[5m]))',
      "container_cpu_usage_seconds_total",
    ],
    [
      "histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket[5m] offset 1w)))",
      "http_server_requests_seconds_bucket",
    ],
    ['topk(3, sum by (namespace, pod) (container_processes{node="n"}))', "container_processes"],
    ["count by (label_workload_tier) (kube_node_labels)", "kube_node_labels"],
    ["kube_node_spec_unschedulable == 1", "kube_node_spec_unschedulable"],
    ['up{job=~"kubelet|node-exporter"}', "up"],
    [
      "predict_linear(kubelet_volume_stats_available_bytes[6h], 4 * 24 * 3600)",
      "kubelet_volume_stats_available_bytes",
    ],
    [
      'sum(kube_node_status_allocatable{resource="cpu"}) - sum(kube_pod_container_resource_requests)',
      "kube_node_status_allocatable",
    ],
  ])("%s", (query, name) => {
    expect(metricNameOf(query)).toBe(name);
  });

  it("returns undefined without a metric", () => {
    expect(metricNameOf("1 + 1")).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------
// Every benchmark scenario

const scenarioDir = fileURLToPath(new URL("../../../shared/benchmarks/rca/scenarios", import.meta.url));

describe.skipIf(!existsSync(scenarioDir))("extractEvidence over the benchmark scenarios", () => {
  it("holds basic invariants for every scenario", async () => {
    const scenarios = await loadScenarioDir(scenarioDir);
    expect(scenarios.length).toBeGreaterThan(0);
    for (const s of scenarios) {
      const subject = subjectFromAlerts(parseWebhook(s.input.webhook).alerts);
      const gathered = await snapshotFromScenarioInput(s.input).gather(subject);
      const e = extractEvidence(subject, gathered);
      const context = `scenario ${s.id}`;
      const podsInSnapshot = new Set(
        s.input.cluster.items.filter((o) => o.kind === "Pod").map((o) => o.metadata.name),
      );

      // Alerted pods present in the snapshot are found and flagged.
      for (const name of subject.pods.filter((p) => podsInSnapshot.has(p))) {
        expect(e.pods.find((p) => p.name === name)?.alerted, `${context}: alerted pod ${name}`).toBe(true);
      }
      // A pod with a resolvable workload owner yields the workload.
      const ownedPod = e.pods.find((p) => p.alerted && p.owner);
      if (ownedPod && ownedPod.owner?.kind !== "ReplicaSet") {
        expect(e.workload, `${context}: workload of ${ownedPod.name}`).toBeDefined();
      }
      if (
        e.ownerChain.length > 0 &&
        s.input.cluster.items.some(
          (o) => o.kind === e.ownerChain.at(-1)?.kind && o.metadata.name === e.ownerChain.at(-1)?.name,
        )
      ) {
        expect(e.workload, `${context}: workload from chain`).toBeDefined();
      }
      // Named workloads are found.
      for (const [field, kind] of [
        ["deployment", "Deployment"],
        ["statefulset", "StatefulSet"],
        ["job", "Job"],
      ] as const) {
        const name = subject[field];
        if (name && s.input.cluster.items.some((o) => o.kind === kind && o.metadata.name === name)) {
          expect(e.workload?.ref.name, `${context}: named ${kind}`).toBe(name);
        }
      }
      // Rollout current revision matches the Deployment's revision annotation.
      if (e.workload?.ref.kind === "Deployment" && e.rollout?.current) {
        expect(e.rollout.current.revision, context).toBe(e.workload.revision);
      }
      // Everything is bounded and serialisable.
      expect(e.events.length, context).toBeLessThanOrEqual(200);
      expect(() => JSON.stringify(e), context).not.toThrow();
      for (const l of e.logs) expect(l.errorLines.length + l.tail.length, context).toBeLessThanOrEqual(70);
    }
  });
});

describe("evidence without any cluster object", () => {
  it("names the owner from the pod's name, records that it was inferred, and reads no workload", () => {
    const subject: AlertSubject = {
      alertname: "KubePodCrashLooping",
      namespace: "demo",
      pod: "checkout-7c9f6d8b5-k2x4p",
      pods: ["checkout-7c9f6d8b5-k2x4p"],
      labels: {},
      annotations: {},
    };
    const e = extractEvidence(subject, { objects: [], logs: [], metrics: [], gaps: [] });
    expect(e.ownerChain).toEqual([{ kind: "Deployment", namespace: "demo", name: "checkout" }]);
    expect(e.workload).toBeUndefined();
    expect(e.gaps.map((g) => g.reason)).toContain(
      "Deployment checkout inferred from the pod name checkout-7c9f6d8b5-k2x4p",
    );
    const unnamed = extractEvidence(
      { ...subject, pod: "standalone", pods: ["standalone"] },
      { objects: [], logs: [], metrics: [], gaps: [] },
    );
    expect(unnamed.ownerChain).toEqual([]);
  });
});

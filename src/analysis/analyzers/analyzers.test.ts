import { describe, expect, it } from "vitest";
import {
  container,
  crashing,
  event,
  evidence,
  log,
  metric,
  NS,
  pod,
  probe,
  revision,
  workload,
} from "../test-evidence.js";
import { badRolloutAnalyzer } from "./bad-rollout.js";
import { cpuThrottlingAnalyzer } from "./cpu-throttling.js";
import { crashLoopAppErrorAnalyzer } from "./crash-loop-app-error.js";
import { dependencyUnavailableAnalyzer, mentionedHosts } from "./dependency-unavailable.js";
import { diskFillingAnalyzer } from "./disk-filling.js";
import { evictedAnalyzer } from "./evicted.js";
import { hpaMaxedOutAnalyzer } from "./hpa-maxed-out.js";
import { classifyPullMessage, imagePullErrorAnalyzer } from "./image-pull-error.js";
import { ANALYZERS } from "./index.js";
import { initContainerFailureAnalyzer } from "./init-container-failure.js";
import { insufficientResourcesAnalyzer } from "./insufficient-resources.js";
import { jobFailedAnalyzer } from "./job-failed.js";
import { livenessProbeFailureAnalyzer } from "./liveness-probe-failure.js";
import { missingConfigAnalyzer, parseMissingRef } from "./missing-config.js";
import { nodeNotReadyAnalyzer } from "./node-not-ready.js";
import { oomKilledAnalyzer } from "./oom-killed.js";
import { readinessProbeFailureAnalyzer } from "./readiness-probe-failure.js";
import { unschedulableConstraintsAnalyzer } from "./unschedulable-constraints.js";
import { volumeErrorAnalyzer } from "./volume-error.js";

const healthy = evidence();

describe("registry", () => {
  it("has one analyzer per category except unknown, with unique names", () => {
    const cats = ANALYZERS.map((a) => a.category);
    expect(new Set(cats).size).toBe(cats.length);
    expect(cats).not.toContain("unknown");
    expect(new Set(ANALYZERS.map((a) => a.name)).size).toBe(ANALYZERS.length);
  });
  it("finds nothing in a healthy workload", () => {
    for (const a of ANALYZERS) expect(a.analyze(healthy), a.name).toEqual([]);
  });
});

describe("oom-killed", () => {
  it("reads OOMKilled terminations with limit and peak across pods", () => {
    const e = evidence({
      pods: [
        pod({
          containers: [
            container({ restartCount: 3, lastTermination: { reason: "OOMKilled", exitCode: 137 } }),
          ],
        }),
      ],
      metrics: [
        metric('max_over_time(container_memory_working_set_bytes{container="app"}[1h])', [
          { value: 500 * 2 ** 20 },
          { value: 530 * 2 ** 20 },
        ]),
      ],
    });
    const [f] = oomKilledAnalyzer.analyze(e);
    expect(f?.confidence).toBeGreaterThanOrEqual(0.9);
    expect(f?.container).toBe("app");
    expect(f?.data).toMatchObject({ limitBytes: 512 * 2 ** 20, peakBytes: 530 * 2 ** 20 });
  });
  it("ignores exit 137 without OOMKilled", () => {
    const e = evidence({
      pods: [
        pod({
          containers: [container({ restartCount: 4, lastTermination: { reason: "Error", exitCode: 137 } })],
        }),
      ],
    });
    expect(oomKilledAnalyzer.analyze(e)).toEqual([]);
  });
  it("does not count a median working set as the peak", () => {
    const e = evidence({
      pods: [pod({ containers: [container({ lastTermination: { reason: "OOMKilled", exitCode: 137 } })] })],
      metrics: [
        metric('quantile_over_time(0.5, container_memory_working_set_bytes{container="app"}[24h])', [
          { value: 9e9 },
        ]),
      ],
    });
    expect(oomKilledAnalyzer.analyze(e)[0]?.data?.["peakBytes"]).toBeUndefined();
  });
});

describe("crash-loop-app-error", () => {
  it("fires on a crash loop with an application exception", () => {
    const e = evidence({
      pods: [pod({ containers: [crashing({ reason: "Error", exitCode: 1 })] })],
      logs: [
        log(
          'Exception in thread "main" java.lang.IllegalStateException: bad config\n\tat App.main(App.java:3)',
        ),
      ],
    });
    const [f] = crashLoopAppErrorAnalyzer.analyze(e);
    expect(f?.category).toBe("crash_loop_app_error");
    expect(f?.confidence).toBeGreaterThanOrEqual(0.7);
    expect(f?.confidence).toBeLessThan(0.8);
  });
  it("stays silent for SIGKILL exits with clean logs, and for Job pods", () => {
    const sigkill = evidence({
      pods: [
        pod({
          containers: [container({ restartCount: 4, lastTermination: { reason: "Error", exitCode: 137 } })],
        }),
      ],
      logs: [log("info: request finished 200")],
    });
    expect(crashLoopAppErrorAnalyzer.analyze(sigkill)).toEqual([]);
    const job = evidence({
      workload: workload({ ref: { kind: "Job", namespace: NS, name: "batch" } }),
      pods: [pod({ containers: [crashing({ reason: "Error", exitCode: 1 })] })],
    });
    expect(crashLoopAppErrorAnalyzer.analyze(job)).toEqual([]);
  });
  it("ignores kubectl's complaint about a deleted pod as log content", () => {
    const e = evidence({
      pods: [],
      logs: [log('Error from server (NotFound): pods "app-6b8f5d7c9d-abcde" not found')],
    });
    expect(crashLoopAppErrorAnalyzer.analyze(e)).toEqual([]);
  });
});

describe("missing-config", () => {
  it("parses kubelet messages", () => {
    expect(parseMissingRef("couldn't find key password in Secret messaging/smtp-credentials")).toEqual({
      kind: "Secret",
      namespace: "messaging",
      name: "smtp-credentials",
      key: "password",
    });
    expect(
      parseMissingRef('MountVolume.SetUp failed for volume "cfg" : configmap "otel-config" not found'),
    ).toEqual({ kind: "ConfigMap", name: "otel-config" });
    expect(parseMissingRef("Back-off pulling image")).toBeUndefined();
  });
  it("fires on CreateContainerConfigError with the key", () => {
    const e = evidence({
      pods: [
        pod({
          phase: "Pending",
          containers: [
            container({
              ready: false,
              state: "waiting",
              waitingReason: "CreateContainerConfigError",
              waitingMessage: "couldn't find key password in Secret shop/db",
            }),
          ],
        }),
      ],
    });
    const [f] = missingConfigAnalyzer.analyze(e);
    expect(f?.confidence).toBeGreaterThanOrEqual(0.9);
    expect(f?.data).toMatchObject({ kind: "Secret", name: "db", key: "password" });
  });
  it("fires on FailedMount of a configmap volume but not on an NFS mount failure", () => {
    const ok = evidence({
      events: [
        event({
          reason: "FailedMount",
          message: 'MountVolume.SetUp failed for volume "cfg" : configmap "gw-config" not found',
        }),
      ],
    });
    expect(missingConfigAnalyzer.analyze(ok)[0]?.data).toMatchObject({
      kind: "ConfigMap",
      name: "gw-config",
    });
    const nfs = evidence({
      events: [
        event({
          reason: "FailedMount",
          message: 'MountVolume.SetUp failed for volume "assets" : mount failed: exit status 32',
        }),
      ],
    });
    expect(missingConfigAnalyzer.analyze(nfs)).toEqual([]);
  });
});

describe("image-pull-error", () => {
  it("classifies pull failures", () => {
    expect(
      classifyPullMessage(
        "failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized",
      ),
    ).toBe("auth");
    expect(
      classifyPullMessage("rpc error: code = NotFound desc = failed to pull and unpack image: not found"),
    ).toBe("not-found");
  });
  it("fires on ImagePullBackOff with the image and failure kind", () => {
    const e = evidence({
      pods: [
        pod({
          phase: "Pending",
          containers: [
            container({
              ready: false,
              state: "waiting",
              waitingReason: "ImagePullBackOff",
              image: "r/app:v2",
            }),
          ],
        }),
      ],
      events: [
        event({
          reason: "Failed",
          message: 'Failed to pull image "r/app:v2": rpc error: code = NotFound desc = manifest unknown',
          involved: {
            kind: "Pod",
            namespace: NS,
            name: "app-6b8f5d7c9d-abcde",
            fieldPath: "spec.containers{app}",
          },
        }),
      ],
    });
    const [f] = imagePullErrorAnalyzer.analyze(e);
    expect(f?.data).toMatchObject({ image: "r/app:v2", failure: "not-found" });
    expect(f?.confidence).toBeGreaterThanOrEqual(0.9);
  });
});

describe("scheduling analyzers", () => {
  const pending = pod({
    phase: "Pending",
    nodeName: undefined,
    containers: [
      container({
        ready: false,
        state: "waiting",
        resources: { requests: { cpu: "2", memory: "30Gi" }, limits: {} },
      }),
    ],
  });
  it("insufficient resources with a recent scale-up", () => {
    const e = evidence({
      pods: [pending],
      workload: workload({ replicas: 24 }),
      events: [
        event({
          reason: "FailedScheduling",
          message:
            "0/4 nodes are available: 4 Insufficient cpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.",
        }),
        event({
          type: "Normal",
          reason: "ScalingReplicaSet",
          message: "Scaled up replica set app-6b8f5d7c9d from 4 to 24",
          involved: { kind: "Deployment", namespace: NS, name: "app" },
        }),
      ],
    });
    const [f] = insufficientResourcesAnalyzer.analyze(e);
    expect(f?.data).toMatchObject({ resources: ["cpu"], previousReplicas: 4, scaledUp: true });
    expect(unschedulableConstraintsAnalyzer.analyze(e)).toEqual([]);
  });
  it("marks a request no node can fit", () => {
    const e = evidence({
      pods: [pending],
      nodes: [
        {
          name: "n1",
          ready: "True",
          conditions: [],
          unschedulable: false,
          taints: [],
          labels: {},
          allocatable: { memory: "27Gi", cpu: "8" },
          capacity: {},
        },
      ],
      events: [
        event({ reason: "FailedScheduling", message: "0/5 nodes are available: 5 Insufficient memory." }),
      ],
    });
    expect(insufficientResourcesAnalyzer.analyze(e)[0]?.data?.["neverFits"]).toEqual(["memory"]);
  });
  it("unschedulable constraints name the unmatched selector", () => {
    const e = evidence({
      pods: [pod({ phase: "Pending", nodeName: undefined, nodeSelector: { tier: "memory-optimised" } })],
      nodes: [
        {
          name: "n1",
          ready: "True",
          conditions: [],
          unschedulable: false,
          taints: [],
          labels: { tier: "memory-optimized" },
          allocatable: {},
          capacity: {},
        },
      ],
      events: [
        event({
          reason: "FailedScheduling",
          message: "0/6 nodes are available: 6 node(s) didn't match Pod's node affinity/selector.",
        }),
      ],
    });
    const [f] = unschedulableConstraintsAnalyzer.analyze(e);
    expect(f?.data?.["unmatchedSelector"]).toEqual({ tier: "memory-optimised" });
    expect(insufficientResourcesAnalyzer.analyze(e)).toEqual([]);
  });
});

describe("volume-error", () => {
  it("fires on an unbound PVC whose StorageClass is missing", () => {
    const e = evidence({
      pods: [
        pod({
          phase: "Pending",
          nodeName: undefined,
          volumes: [{ name: "data", type: "persistentVolumeClaim", refName: "data-db-0" }],
        }),
      ],
      pvcs: [
        {
          ref: { kind: "PersistentVolumeClaim", namespace: NS, name: "data-db-0" },
          phase: "Pending",
          storageClassName: "gp3-enc",
          accessModes: [],
        },
      ],
      events: [
        event({
          reason: "ProvisioningFailed",
          message: 'storageclass.storage.k8s.io "gp3-enc" not found',
          involved: { kind: "PersistentVolumeClaim", namespace: NS, name: "data-db-0" },
        }),
      ],
    });
    const [f] = volumeErrorAnalyzer.analyze(e);
    expect(f?.data?.["pvc"]).toMatchObject({
      name: "data-db-0",
      storageClassName: "gp3-enc",
      storageClassExists: false,
    });
  });
  it("does not claim a missing configmap mount", () => {
    const e = evidence({
      events: [
        event({
          reason: "FailedMount",
          message: 'MountVolume.SetUp failed for volume "cfg" : configmap "x" not found',
        }),
      ],
    });
    expect(volumeErrorAnalyzer.analyze(e)).toEqual([]);
  });
});

describe("probe analyzers", () => {
  const liveness = probe({ path: "/healthz/", timeoutSeconds: 1 });
  it("liveness timeout with observed latency from the access log", () => {
    const e = evidence({
      workload: workload({ containers: [container({ probes: { liveness } })] }),
      pods: [pod({ containers: [crashing({ reason: "Error", exitCode: 137 }, { probes: { liveness } })] })],
      events: [
        event({
          reason: "Unhealthy",
          count: 40,
          message:
            'Liveness probe failed: Get "http://10.0.0.1:8000/healthz/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
          involved: {
            kind: "Pod",
            namespace: NS,
            name: "app-6b8f5d7c9d-abcde",
            fieldPath: "spec.containers{app}",
          },
        }),
        event({
          type: "Normal",
          reason: "Killing",
          count: 5,
          message: "Container app failed liveness probe, will be restarted",
        }),
      ],
      logs: [log('10.0.0.9 - - "GET /healthz/ HTTP/1.1" 200 2 "-" "kube-probe/1.31" rt=1.731')],
    });
    const [f] = livenessProbeFailureAnalyzer.analyze(e);
    expect(f?.data).toMatchObject({ problem: "timeout", latencySeconds: 1.731, kills: 5 });
    expect(f?.confidence).toBeGreaterThan(0.85);
  });
  it("liveness refused before a slow start completes is slow-start; without a long startup it is a wrong target", () => {
    const spec = probe({ initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 3 });
    const base = {
      workload: workload({ containers: [container({ probes: { liveness: spec } })] }),
      events: [
        event({
          reason: "Unhealthy",
          count: 9,
          message:
            'Liveness probe failed: Get "http://10.0.0.1:8080/healthz": dial tcp 10.0.0.1:8080: connect: connection refused',
        }),
      ],
    };
    const slow = evidence({
      ...base,
      logs: [
        log(
          "2026-04-27T08:11:04.920Z INFO Starting App\n2026-04-27T08:12:05.000Z INFO warming cache 80%\n2026-04-27T08:12:10.000Z INFO Shutdown initiated",
        ),
      ],
    });
    expect(livenessProbeFailureAnalyzer.analyze(slow)[0]?.data).toMatchObject({ problem: "slow-start" });
    const wrong = evidence({
      ...base,
      logs: [log("INFO Started App in 2.1 seconds\nINFO listening on :9000", { previous: false })],
    });
    expect(livenessProbeFailureAnalyzer.analyze(wrong)[0]?.data).toMatchObject({ problem: "wrong-target" });
  });
  it("readiness 404 is a wrong target, 503 a weak symptom, and ready pods are ignored", () => {
    const readiness = probe({ path: "/health/ready" });
    const notReady = pod({ containers: [container({ ready: false, probes: { readiness } })] });
    const mk = (message: string, p = notReady) =>
      evidence({
        workload: workload({ containers: [container({ probes: { readiness } })] }),
        pods: [p],
        events: [event({ reason: "Unhealthy", count: 100, message })],
      });
    const wrong = readinessProbeFailureAnalyzer.analyze(
      mk("Readiness probe failed: HTTP probe failed with statuscode: 404"),
    )[0];
    expect(wrong?.data).toMatchObject({ problem: "wrong-target", statusCode: 404 });
    const unhealthy = readinessProbeFailureAnalyzer.analyze(
      mk("Readiness probe failed: HTTP probe failed with statuscode: 503"),
    )[0];
    expect(unhealthy?.confidence).toBeLessThanOrEqual(0.55);
    expect(
      readinessProbeFailureAnalyzer.analyze(
        mk("Readiness probe failed: HTTP probe failed with statuscode: 404", pod()),
      ),
    ).toEqual([]);
  });
});

describe("cpu-throttling", () => {
  it("fires on the alert with the throttling ratio and limit", () => {
    const e = evidence({
      subject: { ...healthy.subject, alertname: "CPUThrottlingHigh" },
      workload: workload({
        containers: [container({ resources: { requests: {}, limits: { cpu: "250m" } } })],
      }),
      metrics: [
        metric(
          'sum(increase(container_cpu_cfs_throttled_periods_total{container="app"}[5m])) / sum(increase(container_cpu_cfs_periods_total{container="app"}[5m]))',
          [{ value: 0.7 }],
        ),
      ],
    });
    expect(cpuThrottlingAnalyzer.analyze(e)[0]?.data).toMatchObject({
      limitCores: 0.25,
      throttledRatio: 0.7,
    });
  });
  it("ignores a zero throttling metric without an alert", () => {
    const e = evidence({
      metrics: [
        metric('max(rate(container_cpu_cfs_throttled_periods_total{container="app"}[10m]))', [{ value: 0 }]),
      ],
    });
    expect(cpuThrottlingAnalyzer.analyze(e)).toEqual([]);
  });
});

describe("disk-filling", () => {
  it("fires on KubePersistentVolumeFillingUp with the PVC request", () => {
    const e = evidence({
      subject: {
        ...healthy.subject,
        alertname: "KubePersistentVolumeFillingUp",
        persistentvolumeclaim: "data-0",
      },
      pvcs: [
        {
          ref: { kind: "PersistentVolumeClaim", namespace: NS, name: "data-0" },
          phase: "Bound",
          requested: "50Gi",
          accessModes: [],
        },
      ],
      metrics: [
        metric(
          'kubelet_volume_stats_used_bytes{persistentvolumeclaim="data-0"} / kubelet_volume_stats_capacity_bytes{persistentvolumeclaim="data-0"}',
          [{ value: 0.97 }],
        ),
      ],
    });
    expect(diskFillingAnalyzer.analyze(e)[0]?.data).toMatchObject({
      requestedBytes: 50 * 2 ** 30,
      usedRatio: 0.97,
    });
  });
});

describe("node-not-ready", () => {
  it("fires for the alerted node under pressure, not for healthy nodes", () => {
    const node = {
      name: "n7",
      ready: "True" as const,
      conditions: [{ type: "PIDPressure", status: "True" }],
      unschedulable: false,
      taints: [],
      labels: {},
      allocatable: {},
      capacity: {},
    };
    const e = evidence({
      subject: { ...healthy.subject, alertname: "KubeNodePressure", node: "n7" },
      nodes: [node],
    });
    expect(nodeNotReadyAnalyzer.analyze(e)[0]?.confidence).toBeGreaterThan(0.9);
    expect(nodeNotReadyAnalyzer.analyze(evidence({ nodes: [{ ...node, conditions: [] }] }))).toEqual([]);
  });
});

describe("bad-rollout", () => {
  it("names the last healthy revision when the current one fails", () => {
    const current = revision({
      revision: 12,
      current: true,
      healthy: false,
      failingPods: 1,
      readyPods: 0,
      revisionHash: "new",
    });
    const old = revision({ revision: 11, revisionHash: "old", readyPods: 3, readyReplicas: 3 });
    const e = evidence({
      pods: [pod({ revisionHash: "new", containers: [crashing({ reason: "Error", exitCode: 1 })] })],
      rollout: {
        workload: { kind: "Deployment", namespace: NS, name: "app" },
        revisions: [current, old],
        current,
        lastHealthy: old,
        progressDeadlineExceeded: true,
      },
    });
    expect(badRolloutAnalyzer.analyze(e)[0]?.data).toMatchObject({
      lastHealthyRevision: 11,
      currentRevision: 12,
    });
  });
  it("stays silent with a single revision", () => {
    const current = revision({ revision: 3, current: true, healthy: false, failingPods: 2 });
    const e = evidence({
      rollout: {
        workload: { kind: "Deployment", namespace: NS, name: "app" },
        revisions: [current],
        current,
        progressDeadlineExceeded: false,
      },
    });
    expect(badRolloutAnalyzer.analyze(e)).toEqual([]);
  });
});

describe("dependency-unavailable", () => {
  it("extracts hosts from client errors", () => {
    expect(
      mentionedHosts("Error 111 connecting to redis:6379. Connection refused").map((h) => h.name),
    ).toContain("redis");
    expect(mentionedHosts("Connection to ledger-db.finance.svc.cluster.local:5432 refused")).toContainEqual({
      name: "ledger-db",
      namespace: "finance",
    });
  });
  it("links a refused connection to a dependency scaled to zero and its previous replicas", () => {
    const e = evidence({
      pods: [pod({ containers: [crashing({ reason: "Error", exitCode: 1 })] })],
      logs: [
        log("redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused."),
      ],
      relatedWorkloads: [
        workload({
          ref: { kind: "Deployment", namespace: NS, name: "redis" },
          replicas: 0,
          readyReplicas: 0,
        }),
      ],
      events: [
        event({
          type: "Normal",
          reason: "ScalingReplicaSet",
          message: "Scaled down replica set redis-5d9 from 1 to 0",
          involved: { kind: "Deployment", namespace: NS, name: "redis" },
        }),
      ],
    });
    const [f] = dependencyUnavailableAnalyzer.analyze(e);
    expect(f?.data).toMatchObject({
      mode: "refused",
      scaledToZero: true,
      previousReplicas: 1,
      dependency: { name: "redis" },
    });
    expect(f?.confidence).toBeGreaterThanOrEqual(0.9);
  });
  it("reads NXDOMAIN as dns and needs the app to be failing", () => {
    const line = "dial tcp: lookup redis-sessions.checkout.svc.cluster.local on 10.0.0.10:53: no such host";
    const failing = evidence({
      pods: [pod({ containers: [crashing({ reason: "Error", exitCode: 1 })] })],
      logs: [log(line)],
    });
    expect(dependencyUnavailableAnalyzer.analyze(failing)[0]?.data).toMatchObject({ mode: "dns" });
    expect(dependencyUnavailableAnalyzer.analyze(evidence({ logs: [log(line)] }))).toEqual([]);
  });
});

describe("hpa-maxed-out", () => {
  it("fires at maxReplicas with utilisation over target", () => {
    const e = evidence({
      subject: { ...healthy.subject, alertname: "KubeHpaMaxedOut", horizontalpodautoscaler: "app" },
      hpas: [
        {
          ref: { kind: "HorizontalPodAutoscaler", namespace: NS, name: "app" },
          scaleTarget: { kind: "Deployment", name: "app" },
          maxReplicas: 6,
          currentReplicas: 6,
          conditions: [],
          metrics: [{ name: "cpu", current: 131, target: 75, type: "Resource" }],
        },
      ],
    });
    expect(hpaMaxedOutAnalyzer.analyze(e)[0]?.data).toMatchObject({
      maxReplicas: 6,
      currentUtilisation: 131,
      targetUtilisation: 75,
    });
  });
  it("ignores an HPA below its maximum without the alert", () => {
    const e = evidence({
      hpas: [
        {
          ref: { kind: "HorizontalPodAutoscaler", namespace: NS, name: "app" },
          scaleTarget: { kind: "Deployment", name: "app" },
          maxReplicas: 8,
          currentReplicas: 4,
          conditions: [],
          metrics: [],
        },
      ],
    });
    expect(hpaMaxedOutAnalyzer.analyze(e)).toEqual([]);
  });
});

describe("job-failed, evicted, init-container-failure", () => {
  it("job failed with DeadlineExceeded and its CronJob", () => {
    const e = evidence({
      subject: { ...healthy.subject, alertname: "KubeJobFailed" },
      workload: workload({
        ref: { kind: "Job", namespace: NS, name: "reindex-1" },
        owner: { kind: "CronJob", namespace: NS, name: "reindex" },
        conditions: [{ type: "Failed", status: "True", reason: "DeadlineExceeded" }],
        job: { active: 0, succeeded: 0, failed: 1, activeDeadlineSeconds: 3600 },
      }),
      pods: [],
    });
    const [f] = jobFailedAnalyzer.analyze(e);
    expect(f?.data).toMatchObject({
      reason: "DeadlineExceeded",
      activeDeadlineSeconds: 3600,
      cronJob: { name: "reindex" },
    });
    expect(f?.confidence).toBeLessThan(0.8);
    expect(jobFailedAnalyzer.analyze(healthy)).toEqual([]);
  });
  it("evicted for ephemeral storage", () => {
    const e = evidence({
      pods: [
        pod({
          phase: "Failed",
          reason: "Evicted",
          containers: [
            container({ ready: false, state: "terminated", terminated: { reason: "Error", exitCode: 137 } }),
          ],
        }),
      ],
      events: [
        event({
          reason: "Evicted",
          message: 'Container app exceeded its local ephemeral storage limit "1Gi".',
        }),
      ],
    });
    expect(evictedAnalyzer.analyze(e)[0]?.data).toMatchObject({ resource: "ephemeral-storage" });
  });
  it("init container crash loop with its log", () => {
    const e = evidence({
      pods: [
        pod({
          phase: "Pending",
          containers: [
            crashing({ reason: "Error", exitCode: 128 }, { name: "fetch", init: true }),
            container({ ready: false, state: "waiting", waitingReason: "PodInitializing" }),
          ],
        }),
      ],
      logs: [log("git@github.com: Permission denied (publickey).", { container: "fetch" })],
    });
    const [f] = initContainerFailureAnalyzer.analyze(e);
    expect(f?.container).toBe("fetch");
    expect(f?.evidence.join(" ")).toContain("Permission denied");
    expect(crashLoopAppErrorAnalyzer.analyze(e)).toEqual([]);
  });
});

describe("scheduling without events", () => {
  it("reads the PodScheduled condition the scheduler leaves on the pod", () => {
    const e = evidence({
      pods: [
        pod({
          phase: "Pending",
          nodeName: undefined,
          conditions: [
            {
              type: "PodScheduled",
              status: "False",
              reason: "Unschedulable",
              message: "0/3 nodes are available: 3 Insufficient memory.",
            },
          ],
        }),
      ],
    });
    expect(insufficientResourcesAnalyzer.analyze(e)[0]?.data?.["resources"]).toEqual(["memory"]);
  });
});

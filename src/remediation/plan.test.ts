import { describe, expect, it } from "vitest";
import { diagnose } from "../analysis/diagnose.js";
import {
  container,
  crashing,
  dependencyScaledToZero,
  event,
  evidence,
  log,
  metric,
  NS,
  pod,
  probe,
  revision,
  workload,
} from "../analysis/test-evidence.js";
import type { Diagnosis } from "../core/diagnosis.js";
import type { Evidence } from "../core/evidence.js";
import { parseBytes, parseCpu } from "../core/quantity.js";
import { planRemediation } from "./plan.js";
import { tolerantInitialDelay, tolerantTimeout } from "./planners/adjust-probe.js";
import { workloadTarget } from "./planners/common.js";
import { newCpuLimit } from "./planners/increase-cpu-limit.js";
import { newHpaMax } from "./planners/increase-hpa-max.js";
import { newMemoryLimit } from "./planners/increase-memory-limit.js";
import { newPvcSize } from "./planners/expand-pvc.js";

const NOW = new Date("2026-03-14T10:45:00Z");
const MI = 2 ** 20;
const GI = 2 ** 30;

function plan(e: Evidence, d: Diagnosis = diagnose(e, NOW)) {
  return planRemediation(e, d, NOW);
}

describe("computed quantities stay within the benchmark's bounds", () => {
  it.each([
    [512 * MI, 511 * MI],
    [1 * GI, 1.2 * GI],
    [300 * MI, undefined],
    [1000 * 1000 * 1000, 1.05e9],
  ])("memory limit %d with peak %s", (limit, peak) => {
    const v = newMemoryLimit(limit, peak);
    expect(v).toBeGreaterThanOrEqual(1.25 * Math.max(limit, peak ?? 0));
    expect(v).toBeLessThanOrEqual(4 * limit);
    expect(v % MI).toBe(0);
  });
  it("never exceeds 4x the limit, even when the peak asks for more", () => {
    expect(newMemoryLimit(1e9, 3.9e9)).toBeLessThanOrEqual(4e9);
  });
  it.each([
    [0.25, 0.7],
    [1, 0.3],
    [0.1, undefined],
    [3.3, 0.9],
  ])("cpu limit %d throttled %s", (limit, ratio) => {
    const v = newCpuLimit(limit, ratio);
    expect(v).toBeGreaterThanOrEqual(1.25 * limit - 1e-9);
    expect(v).toBeLessThanOrEqual(4 * limit + 1e-9);
  });
  it.each([[50 * GI], [200 * GI], [1 * GI]])("pvc %d", (req) => {
    const v = newPvcSize(req);
    expect(v).toBeGreaterThanOrEqual(1.25 * req);
    expect(v).toBeLessThanOrEqual(4 * req);
  });
  it("hpa max: more than now, at most 3x, sized from utilisation", () => {
    expect(newHpaMax(6, 131, 75)).toBe(11);
    expect(newHpaMax(10, 94, 70)).toBe(14);
    expect(newHpaMax(2, 900, 50)).toBe(6);
    expect(newHpaMax(10, 71, 70)).toBe(11);
    expect(newHpaMax(4)).toBe(6);
  });
  it("probe fields tolerate what was observed, within caps", () => {
    expect(tolerantTimeout(1, 1.71)).toBe(4);
    expect(tolerantTimeout(1, undefined)).toBe(3);
    expect(tolerantTimeout(2, 30)).toBe(10);
    expect(tolerantInitialDelay(45, 73.3)).toBe(110);
    expect(tolerantInitialDelay(10, 900)).toBe(300);
  });
});

describe("targets", () => {
  it("is the owning workload, never a Pod; a CronJob for its Job", () => {
    const e = evidence();
    expect(workloadTarget(e, "app")).toEqual({
      kind: "Deployment",
      namespace: NS,
      name: "app",
      container: "app",
    });
    const job = evidence({
      workload: workload({
        ref: { kind: "Job", namespace: NS, name: "export-123" },
        owner: { kind: "CronJob", namespace: NS, name: "export" },
      }),
    });
    expect(workloadTarget(job)?.kind).toBe("CronJob");
    const bare = evidence({ workload: workload({ ref: { kind: "Job", namespace: NS, name: "backfill" } }) });
    expect(workloadTarget(bare)).toMatchObject({ kind: "Job", name: "backfill" });
  });
});

describe("planRemediation", () => {
  it("oom_killed with a limit raises memory on the right container with a patch", () => {
    const e = evidence({
      workload: workload({ containers: [container({ name: "sidecar" }), container()] }),
      pods: [
        pod({
          containers: [
            container({ name: "sidecar" }),
            container({ restartCount: 2, lastTermination: { reason: "OOMKilled", exitCode: 137 } }),
          ],
        }),
      ],
      metrics: [
        metric('max_over_time(container_memory_working_set_bytes{container="app"}[1h])', [
          { value: 530 * MI },
        ]),
      ],
    });
    const p = plan(e);
    expect(p.action).toBe("increase_memory_limit");
    expect(p.target).toEqual({ kind: "Deployment", namespace: NS, name: "app", container: "app" });
    const mem = parseBytes(String(p.params["memory"]));
    expect(mem).toBeGreaterThanOrEqual(1.25 * 530 * MI);
    expect(mem).toBeLessThanOrEqual(4 * 512 * MI);
    expect(p.patch).toMatchObject({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "app",
      body: {
        spec: {
          template: {
            spec: { containers: [{ name: "app", resources: { limits: { memory: p.params["memory"] } } }] },
          },
        },
      },
    });
    expect(p.kubectl).toContain("kubectl patch deployment/app -n shop");
  });

  it("oom_killed without a limit is manual", () => {
    const c = container({
      resources: { requests: { memory: "1Gi" }, limits: {} },
      lastTermination: { reason: "OOMKilled", exitCode: 137 },
    });
    const e = evidence({ workload: workload({ containers: [c] }), pods: [pod({ containers: [c] })] });
    const p = plan(e);
    expect(p.action).toBe("manual");
    expect(p.reason).toMatch(/no memory limit/);
  });

  it("cpu_throttling raises the cpu limit", () => {
    const c = container({ resources: { requests: { cpu: "100m" }, limits: { cpu: "250m" } } });
    const e = evidence({
      subject: { ...evidence().subject, alertname: "CPUThrottlingHigh" },
      workload: workload({ containers: [c] }),
      pods: [pod({ containers: [c] })],
    });
    const p = plan(e);
    expect(p.action).toBe("increase_cpu_limit");
    const cpu = parseCpu(String(p.params["cpu"]));
    expect(cpu).toBeGreaterThanOrEqual(0.3125);
    expect(cpu).toBeLessThanOrEqual(1);
  });

  it("bad_rollout rolls back to the last healthy revision and its images", () => {
    const current = revision({
      revision: 12,
      current: true,
      healthy: false,
      failingPods: 1,
      readyPods: 0,
      revisionHash: "new",
      images: { app: "r/app:3.8.0" },
    });
    const old = revision({ revision: 11, revisionHash: "old", readyPods: 3, images: { app: "r/app:3.7.2" } });
    const e = evidence({
      pods: [pod({ revisionHash: "new", containers: [crashing({ reason: "Error", exitCode: 1 })] })],
      logs: [log("Exception in thread main java.lang.NullPointerException")],
      rollout: {
        workload: { kind: "Deployment", namespace: NS, name: "app" },
        revisions: [current, old],
        current,
        lastHealthy: old,
        progressDeadlineExceeded: true,
      },
    });
    const p = plan(e);
    expect(p.action).toBe("rollback");
    expect(p.params).toMatchObject({ revision: 11, images: { app: "r/app:3.7.2" } });
    expect(p.target.kind).toBe("Deployment");
    expect(p.kubectl).toContain("--to-revision=11");
  });

  it("image pull: registry auth is manual naming the pull secret", () => {
    const e = evidence({
      pods: [
        pod({
          phase: "Pending",
          containers: [container({ ready: false, state: "waiting", waitingReason: "ImagePullBackOff" })],
        }),
      ],
      events: [
        event({
          reason: "Failed",
          message: 'Failed to pull image "h/app:1": unexpected status from HEAD request: 401 Unauthorized',
          involved: {
            kind: "Pod",
            namespace: NS,
            name: "app-6b8f5d7c9d-abcde",
            fieldPath: "spec.containers{app}",
          },
        }),
      ],
      configRefs: [
        {
          kind: "Secret",
          name: "robot",
          namespace: NS,
          via: "imagePullSecret",
          optional: false,
          exists: true,
        },
      ],
    });
    const p = plan(e);
    expect(p.action).toBe("manual");
    expect(p.reason).toContain("shop/robot");
  });

  it("dependency scaled to zero scales the dependency's own workload back", () => {
    const p = plan(dependencyScaledToZero());
    expect(p).toMatchObject({
      action: "scale",
      target: { kind: "StatefulSet", namespace: NS, name: "db" },
      params: { replicas: 2 },
    });
    expect(p.patch?.body).toEqual({ spec: { replicas: 2 } });
  });

  it("a dependency that came back while the app kept a dead connection is a restart", () => {
    const e = evidence({
      pods: [pod({ containers: [container({ ready: false })] })],
      logs: [
        log(
          "pika.exceptions.StreamLostError: Stream connection lost: ConnectionResetError(104, 'Connection reset by peer')\nconsumer thread exited; /ready will report 503 until the process is restarted",
          { previous: false },
        ),
      ],
    });
    const p = plan(e);
    expect(p.action).toBe("restart");
    expect(JSON.stringify(p.patch?.body)).toContain("kubectl.kubernetes.io/restartedAt");
  });

  it("probe timeouts adjust timeoutSeconds; a 404 probe is manual", () => {
    const readiness = probe({ path: "/ready", timeoutSeconds: 1 });
    const base = {
      workload: workload({ containers: [container({ probes: { readiness } })] }),
      pods: [pod({ containers: [container({ ready: false, probes: { readiness } })] })],
    };
    const slow = evidence({
      ...base,
      events: [
        event({
          reason: "Unhealthy",
          count: 50,
          message: "Readiness probe failed: context deadline exceeded",
        }),
      ],
      logs: [
        log('{"path":"/ready","status":200,"duration_ms":1412,"ua":"kube-probe/1.31"}', { previous: false }),
      ],
    });
    const p = plan(slow);
    expect(p).toMatchObject({
      action: "adjust_probe",
      params: { probe: "readiness" },
      target: { container: "app" },
    });
    expect(Number(p.params["timeoutSeconds"])).toBeGreaterThanOrEqual(3);
    expect(Number(p.params["timeoutSeconds"])).toBeLessThanOrEqual(10);
    const wrong = evidence({
      ...base,
      events: [
        event({
          reason: "Unhealthy",
          count: 50,
          message: "Readiness probe failed: HTTP probe failed with statuscode: 404",
        }),
      ],
    });
    const m = plan(wrong);
    expect(m.action).toBe("manual");
    expect(m.reason).toContain("/ready");
  });

  it("insufficient resources after a scale-up scales back; a request no node fits is manual", () => {
    const pending = pod({
      phase: "Pending",
      nodeName: undefined,
      containers: [
        container({ ready: false, resources: { requests: { cpu: "2", memory: "30Gi" }, limits: {} } }),
      ],
    });
    const scaled = evidence({
      pods: [pending],
      workload: workload({ replicas: 24 }),
      events: [
        event({ reason: "FailedScheduling", message: "0/4 nodes are available: 4 Insufficient cpu." }),
        event({
          type: "Normal",
          reason: "ScalingReplicaSet",
          message: "Scaled up replica set app-6b8f5d7c9d from 4 to 24",
          involved: { kind: "Deployment", namespace: NS, name: "app" },
        }),
      ],
    });
    expect(plan(scaled)).toMatchObject({
      action: "scale",
      params: { replicas: 4 },
      target: { kind: "Deployment", name: "app" },
    });
    const huge = evidence({
      pods: [pending],
      nodes: [
        {
          name: "n1",
          ready: "True",
          conditions: [],
          unschedulable: false,
          taints: [],
          labels: {},
          allocatable: { memory: "27Gi" },
          capacity: {},
        },
      ],
      events: [
        event({ reason: "FailedScheduling", message: "0/5 nodes are available: 5 Insufficient memory." }),
      ],
    });
    expect(plan(huge).action).toBe("manual");
  });

  it("node problems are manual on the Node; unknown is manual", () => {
    const e = evidence({
      subject: { alertname: "KubeNodeNotReady", node: "n9", pods: [], labels: {}, annotations: {} },
      pods: [],
      nodes: [
        {
          name: "n9",
          ready: "Unknown",
          conditions: [{ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown" }],
          unschedulable: false,
          taints: [],
          labels: {},
          allocatable: {},
          capacity: {},
        },
      ],
    });
    expect(plan(e)).toMatchObject({ action: "manual", target: { kind: "Node", name: "n9" } });
    const unknown = evidence({ pods: [] });
    const u = plan(unknown);
    expect(u.action).toBe("manual");
    expect(u.target.kind).not.toBe("Pod");
  });

  it("disk filling expands the PVC in whole Gi within bounds", () => {
    const e = evidence({
      subject: {
        ...evidence().subject,
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
    });
    const p = plan(e);
    expect(p).toMatchObject({
      action: "expand_pvc",
      target: { kind: "PersistentVolumeClaim", name: "data-0" },
    });
    const size = parseBytes(String(p.params["storage"]));
    expect(size).toBeGreaterThanOrEqual(62.5 * GI);
    expect(size).toBeLessThanOrEqual(200 * GI);
    expect(String(p.params["storage"])).toMatch(/^\d+Gi$/);
  });
});

describe("a plan without cluster context", () => {
  it("targets the workload named by the pod, never the pod itself", () => {
    const e = evidence({
      pods: [],
      workload: undefined,
      ownerChain: [],
      subject: { ...evidence().subject, pod: "checkout-7c9f6d8b5-k2x4p", pods: ["checkout-7c9f6d8b5-k2x4p"] },
    });
    const result = plan(e);
    expect(result.action).toBe("manual");
    expect(result.target).toMatchObject({ kind: "Deployment", name: "checkout" });
  });
});

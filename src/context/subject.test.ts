import { describe, expect, it } from "vitest";
import type { AlertInstance } from "../core/alertmanager.js";
import { subjectFromAlerts } from "./subject.js";

function alert(labels: Record<string, string>, annotations: Record<string, string> = {}): AlertInstance {
  return {
    fingerprint: "f",
    fingerprintDerived: false,
    status: "firing",
    labels,
    annotations,
    startsAt: "2026-01-01T00:00:00.000Z",
  };
}

const KSM = {
  container: "kube-state-metrics",
  endpoint: "http",
  instance: "10.0.21.144:8080",
  job: "kube-state-metrics",
  pod: "kube-prometheus-stack-kube-state-metrics-6d5b7c9f8d-q8x2m",
  service: "kube-prometheus-stack-kube-state-metrics",
};

describe("subjectFromAlerts", () => {
  it("reads a pod alert", () => {
    const s = subjectFromAlerts([
      alert(
        {
          alertname: "KubePodCrashLooping",
          severity: "warning",
          namespace: "shop",
          pod: "cart-6b8f5d7c9d-wnq2n",
          container: "app",
          job: "kube-state-metrics",
        },
        { summary: "crash" },
      ),
    ]);
    expect(s).toMatchObject({
      alertname: "KubePodCrashLooping",
      severity: "warning",
      namespace: "shop",
      pod: "cart-6b8f5d7c9d-wnq2n",
      container: "app",
    });
    expect(s.pods).toEqual(["cart-6b8f5d7c9d-wnq2n"]);
    expect(s.job).toBeUndefined();
    expect(s.annotations.summary).toBe("crash");
    expect(s.node).toBeUndefined();
  });

  it("drops the kube-state-metrics pod of a deployment alert", () => {
    const s = subjectFromAlerts([
      alert({
        ...KSM,
        alertname: "KubeDeploymentReplicasMismatch",
        namespace: "payments",
        deployment: "api",
      }),
    ]);
    expect(s.deployment).toBe("api");
    expect(s.namespace).toBe("payments");
    expect(s.pod).toBeUndefined();
    expect(s.container).toBeUndefined();
    expect(s.pods).toEqual([]);
  });

  it("drops the exporter's namespace for a node alert, and never reads instance as a node", () => {
    const s = subjectFromAlerts([
      alert({ ...KSM, alertname: "KubeNodeNotReady", namespace: "monitoring", node: "worker-1" }),
    ]);
    expect(s.node).toBe("worker-1");
    expect(s.namespace).toBeUndefined();
    const cpu = subjectFromAlerts([
      alert({ alertname: "CPUThrottlingHigh", instance: "10.0.0.1:10250", namespace: "a", pod: "p-0" }),
    ]);
    expect(cpu.node).toBeUndefined();
  });

  it("maps job_name to job and keeps the scrape job out", () => {
    const s = subjectFromAlerts([
      alert({ ...KSM, alertname: "KubeJobFailed", namespace: "billing", job_name: "export-29733240" }),
    ]);
    expect(s.job).toBe("export-29733240");
  });

  it("prefers exported_* labels", () => {
    const s = subjectFromAlerts([
      alert({
        alertname: "X",
        namespace: "monitoring",
        pod: "ksm-0",
        exported_namespace: "shop",
        exported_pod: "cart-0",
      }),
    ]);
    expect(s.namespace).toBe("shop");
    expect(s.pods).toEqual(["cart-0"]);
  });

  it("fills gaps from later alerts of the same namespace and collects every pod", () => {
    const s = subjectFromAlerts([
      alert({ ...KSM, alertname: "KubeDeploymentRolloutStuck", namespace: "web", deployment: "bff" }),
      alert({
        alertname: "KubePodCrashLooping",
        namespace: "web",
        pod: "bff-7f4b9d6c58-9tqfd",
        container: "bff",
      }),
      alert({
        alertname: "KubePodCrashLooping",
        namespace: "web",
        pod: "bff-7f4b9d6c58-c2jrl",
        container: "bff",
      }),
      alert({
        alertname: "KubePodCrashLooping",
        namespace: "other",
        pod: "x-0",
        container: "x",
        statefulset: "x",
      }),
    ]);
    expect(s.alertname).toBe("KubeDeploymentRolloutStuck");
    expect(s.container).toBe("bff");
    expect(s.statefulset).toBeUndefined();
    expect(s.pods).toEqual(["bff-7f4b9d6c58-9tqfd", "bff-7f4b9d6c58-c2jrl", "x-0"]);
  });

  it("takes the namespace of a later pod alert after a node alert", () => {
    const s = subjectFromAlerts([
      alert({
        ...KSM,
        alertname: "KubeNodePressure",
        namespace: "cattle-monitoring-system",
        node: "n7",
        condition: "PIDPressure",
      }),
      alert({
        alertname: "KubePodCrashLooping",
        namespace: "reports",
        pod: "r-1",
        container: "c",
        job: "kube-state-metrics",
      }),
    ]);
    expect(s).toMatchObject({ node: "n7", namespace: "reports", pod: "r-1" });
  });

  it("reads PVC and HPA labels", () => {
    const s = subjectFromAlerts([
      alert({
        alertname: "KubePersistentVolumeFillingUp",
        namespace: "db",
        persistentvolumeclaim: "data-pg-0",
        job: "kubelet",
      }),
    ]);
    expect(s.persistentvolumeclaim).toBe("data-pg-0");
    const h = subjectFromAlerts([
      alert({ ...KSM, alertname: "KubeHpaMaxedOut", namespace: "m", horizontalpodautoscaler: "api" }),
    ]);
    expect(h.horizontalpodautoscaler).toBe("api");
    expect(h.pods).toEqual([]);
  });

  it("needs at least one alert", () => {
    expect(() => subjectFromAlerts([])).toThrow(RangeError);
  });
});

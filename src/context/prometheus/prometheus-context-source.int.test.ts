/**
 * The Prometheus adapter against a real Prometheus (Debian's `prometheus`) scraping a test
 * exporter of kube-state-metrics and cAdvisor style series every second.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertSubject } from "../../core/evidence.js";
import {
  startMetricsExporter,
  type ExportedSeries,
  type MetricsExporter,
} from "../../harness/metrics-exporter.js";
import { startPrometheus, waitForSeries, type PrometheusServer } from "../../harness/prometheus.js";
import type { MetricRecord } from "../context-source.js";
import { PrometheusContextSource } from "./prometheus-context-source.js";

const available = (() => {
  try {
    execFileSync("prometheus", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const MiB = 1024 * 1024;
const POD = "checkout-7c9f6d8b5-k2x4p";
const OTHER_WORKLOAD_POD = "checkout-api-7c9f6d8b5-zz2q9";

function podSeries(namespace: string, pod: string, scale = 1): ExportedSeries[] {
  const c = { namespace, pod, container: "app" };
  return [
    { name: "container_memory_working_set_bytes", labels: c, value: 500 * MiB * scale },
    { name: "container_memory_working_set_bytes", labels: { ...c, container: "POD" }, value: 1 * MiB },
    { name: "container_memory_working_set_bytes", labels: { ...c, container: "" }, value: 9000 * MiB },
    {
      name: "kube_pod_container_resource_limits",
      labels: { ...c, resource: "memory", unit: "byte" },
      value: 512 * MiB * scale,
    },
    {
      name: "kube_pod_container_resource_limits",
      labels: { ...c, resource: "cpu", unit: "core" },
      value: 0.5,
    },
    {
      name: "kube_pod_container_resource_requests",
      labels: { ...c, resource: "memory", unit: "byte" },
      value: 256 * MiB,
    },
    {
      name: "container_cpu_cfs_throttled_periods_total",
      type: "counter",
      labels: c,
      value: (t) => 30 * scale * t,
    },
    { name: "container_cpu_cfs_periods_total", type: "counter", labels: c, value: (t) => 100 * t },
    { name: "container_cpu_usage_seconds_total", type: "counter", labels: c, value: (t) => 0.45 * t },
    { name: "kube_pod_container_status_restarts_total", type: "counter", labels: c, value: 7 * scale },
    {
      name: "kube_pod_container_status_last_terminated_reason",
      labels: { ...c, reason: "OOMKilled" },
      value: 1,
    },
    { name: "kube_pod_container_status_last_terminated_reason", labels: { ...c, reason: "Error" }, value: 0 },
  ];
}

const PVC = { namespace: "shop", persistentvolumeclaim: "data-orders-db-0" };

let exporter: MetricsExporter;
let prometheus: PrometheusServer;

beforeAll(async () => {
  if (!available) return;
  exporter = await startMetricsExporter([
    ...podSeries("shop", POD),
    // The same names elsewhere, and a workload whose name extends this one: never in the answers.
    ...podSeries("other", POD, 2),
    ...podSeries("shop", OTHER_WORKLOAD_POD, 3),
    { name: "kubelet_volume_stats_capacity_bytes", labels: PVC, value: 10_000 * MiB },
    { name: "kubelet_volume_stats_used_bytes", labels: PVC, value: (t) => 9_000 * MiB + t * MiB },
    { name: "kubelet_volume_stats_available_bytes", labels: PVC, value: (t) => 1_000 * MiB - t * MiB },
  ]);
  prometheus = await startPrometheus({ targets: [exporter.target] });
  // Rates need two scrapes of every counter.
  await waitForSeries(prometheus.url, "rate(container_cpu_cfs_periods_total[1m]) > 0");
}, 60_000);

afterAll(async () => {
  await prometheus?.dispose();
  await exporter?.close();
});

function subject(overrides: Partial<AlertSubject>): AlertSubject {
  return { alertname: "KubePodCrashLooping", pods: [], labels: {}, annotations: {}, ...overrides };
}

function find(metrics: MetricRecord[], pattern: RegExp): MetricRecord {
  const record = metrics.find((m) => pattern.test(m.query));
  if (!record) throw new Error(`no query matching ${pattern}: ${metrics.map((m) => m.query).join("\n")}`);
  return record;
}

function values(record: MetricRecord): { labels: Record<string, string>; value: number }[] {
  return record.result.result.map((s) => ({ labels: s.metric, value: Number(s.value?.[1]) }));
}

describe.skipIf(!available)("PrometheusContextSource against a real Prometheus", () => {
  it("reads memory peak and limit, throttling ratio, cpu usage, restarts and the termination reason of the alerted pod's workload", async () => {
    const source = new PrometheusContextSource({ url: prometheus.url });
    const bundle = await source.gather(
      subject({ namespace: "shop", pod: POD, pods: [POD], container: "app" }),
    );
    expect(bundle.gaps).toEqual([]);
    const peak = values(find(bundle.metrics, /max_over_time\(container_memory_working_set_bytes/));
    expect(peak).toEqual([{ labels: { pod: POD, container: "app" }, value: 500 * MiB }]);
    const limits = values(find(bundle.metrics, /kube_pod_container_resource_limits.*resource="memory"/));
    expect(limits).toEqual([{ labels: { pod: POD, container: "app" }, value: 512 * MiB }]);
    const ratio = values(find(bundle.metrics, /cfs_throttled/));
    expect(ratio).toHaveLength(1);
    expect(ratio[0]?.value).toBeCloseTo(0.3, 1);
    // A 5m rate over the few seconds of data a fresh Prometheus has is small: only its
    // series (the alerted pod's container) is checked here; the ratio above is exact.
    const usage = values(find(bundle.metrics, /container_cpu_usage_seconds_total/));
    expect(usage.map((u) => u.labels)).toEqual([{ pod: POD, container: "app" }]);
    expect(usage[0]?.value).toBeGreaterThan(0);
    expect(values(find(bundle.metrics, /restarts_total/))).toEqual([
      { labels: { pod: POD, container: "app" }, value: 7 },
    ]);
    const reasons = values(find(bundle.metrics, /last_terminated_reason/));
    expect(reasons.map((r) => r.labels.reason)).toEqual(["OOMKilled"]);
  });

  it("finds a workload's pods from the deployment label alone", async () => {
    const source = new PrometheusContextSource({ url: prometheus.url });
    const bundle = await source.gather(subject({ namespace: "shop", deployment: "checkout" }));
    const peak = values(find(bundle.metrics, /max_over_time\(container_memory_working_set_bytes/));
    expect(peak.map((p) => p.labels.pod)).toEqual([POD]);
  });

  it("reads a volume's used ratio and its forecast", async () => {
    const source = new PrometheusContextSource({ url: prometheus.url });
    const bundle = await source.gather(
      subject({
        alertname: "KubePersistentVolumeFillingUp",
        namespace: "shop",
        persistentvolumeclaim: PVC.persistentvolumeclaim,
      }),
    );
    const used = values(find(bundle.metrics, /kubelet_volume_stats_used_bytes\{.*\} \/ /));
    expect(used).toHaveLength(1);
    expect(used[0]?.value).toBeGreaterThan(0.9);
    expect(used[0]?.value).toBeLessThan(1);
    const forecast = values(find(bundle.metrics, /predict_linear/));
    expect(forecast[0]?.value).toBeLessThan(0);
  });

  it("never lets a label value add to the query", async () => {
    const source = new PrometheusContextSource({ url: prometheus.url });
    const hostile = 'shop"} or vector(42) or x{a="';
    const bundle = await source.gather(subject({ namespace: hostile, pod: POD, pods: [POD] }));
    expect(bundle.gaps).toEqual([]);
    for (const record of bundle.metrics) expect(record.result.result, record.query).toEqual([]);
    const regexy = await source.gather(subject({ namespace: "shop", pod: ".*", pods: [".*"] }));
    for (const record of regexy.metrics) expect(record.result.result, record.query).toEqual([]);
  });

  it("turns an unreachable server or a bad answer into gaps, not errors", async () => {
    const down = new PrometheusContextSource({ url: "http://127.0.0.1:9", timeoutMs: 1_000 });
    const bundle = await down.gather(subject({ namespace: "shop", pod: POD, pods: [POD] }));
    expect(bundle.metrics).toEqual([]);
    expect(bundle.gaps.length).toBeGreaterThan(0);
    expect(bundle.gaps[0]).toMatchObject({ source: "prometheus" });
    expect(bundle.gaps[0]?.reason).toMatch(/unreachable/);
    const wrongPath = new PrometheusContextSource({ url: `${prometheus.url}/not-prometheus/` });
    const bad = await wrongPath.gather(subject({ namespace: "shop", pod: POD, pods: [POD] }));
    expect(bad.gaps[0]?.reason).toMatch(/404/);
  });
});

/**
 * The PromQL the analyzers read, for one alert subject. Each query has the shape the
 * analyzers recognise (see analysis/facts.ts and the analyzers: the metric name, a ratio
 * as a division, a peak as max_over_time), so live results feed the same rules as the
 * recorded ones of the benchmark scenarios.
 */
import type { AlertSubject } from "../../core/evidence.js";
import { GENERATED_POD_SUFFIX, workloadNameFromPod } from "../../core/pod-name.js";
import { regexLiteral, selector, type Matcher } from "./promql.js";

export interface NamedQuery {
  /** What the query is for (logs and gaps name it). */
  name: string;
  query: string;
}

/** The pods of a workload (its name and a generated suffix), never those of `<name>-api`. */
function podsOf(workload: string): string {
  return `${regexLiteral(workload)}-${GENERATED_POD_SUFFIX}`;
}

/** The pods an alert is about, as a matcher: named pods, or the pods of a named workload. */
function podMatcher(subject: AlertSubject): Matcher | undefined {
  const pods = subject.pods.length > 0 ? subject.pods : subject.pod ? [subject.pod] : [];
  if (pods.length > 0) {
    // Pods of the same workload come and go: match the workload's pods, not only the alerted ones.
    const workloads = [...new Set(pods.map((p) => workloadNameFromPod(p)))];
    return { label: "pod", op: "=~", regex: workloads.map(podsOf).join("|") };
  }
  // A CronJob's pods are `<cronjob>-<scheduled minute>-<5>`.
  if (subject.cronjob) {
    return { label: "pod", op: "=~", regex: `${regexLiteral(subject.cronjob)}-[0-9]+-[a-z0-9]{5}` };
  }
  const owner = subject.deployment ?? subject.statefulset ?? subject.daemonset ?? subject.job;
  if (owner) return { label: "pod", op: "=~", regex: podsOf(owner) };
  return undefined;
}

export function queriesFor(subject: AlertSubject): NamedQuery[] {
  const out: NamedQuery[] = [];
  const ns = subject.namespace;
  if (!ns) return out;
  const namespace: Matcher = { label: "namespace", op: "=", value: ns };
  const pod = podMatcher(subject);
  if (pod) {
    const containers: Matcher[] = subject.container
      ? [{ label: "container", op: "=", value: subject.container }]
      : [
          { label: "container", op: "!=", value: "" },
          { label: "container", op: "!=", value: "POD" },
        ];
    const c = selector([namespace, pod, ...containers]);
    const res = (resource: string) =>
      selector([namespace, pod, ...containers, { label: "resource", op: "=", value: resource }]);
    out.push(
      {
        name: "memory working set peak (1h)",
        query: `max by (pod, container) (max_over_time(container_memory_working_set_bytes${c}[1h]))`,
      },
      {
        name: "memory limits",
        query: `max by (pod, container) (kube_pod_container_resource_limits${res("memory")})`,
      },
      {
        name: "memory requests",
        query: `max by (pod, container) (kube_pod_container_resource_requests${res("memory")})`,
      },
      {
        name: "cpu limits",
        query: `max by (pod, container) (kube_pod_container_resource_limits${res("cpu")})`,
      },
      {
        name: "cpu throttling ratio (10m)",
        query:
          `sum by (pod, container) (rate(container_cpu_cfs_throttled_periods_total${c}[10m]))` +
          ` / sum by (pod, container) (rate(container_cpu_cfs_periods_total${c}[10m]))`,
      },
      {
        name: "cpu usage (5m)",
        query: `max by (pod, container) (rate(container_cpu_usage_seconds_total${c}[5m]))`,
      },
      { name: "restarts", query: `max by (pod, container) (kube_pod_container_status_restarts_total${c})` },
      {
        name: "last termination reason",
        query: `kube_pod_container_status_last_terminated_reason${selector([namespace, pod])} == 1`,
      },
    );
  }
  const claim: Matcher[] = subject.persistentvolumeclaim
    ? [{ label: "persistentvolumeclaim", op: "=", value: subject.persistentvolumeclaim }]
    : [];
  if (claim.length > 0 || /volume|disk|pvc|filesystem/i.test(subject.alertname)) {
    const v = selector([namespace, ...claim]);
    out.push(
      {
        name: "volume used ratio",
        query: `kubelet_volume_stats_used_bytes${v} / kubelet_volume_stats_capacity_bytes${v}`,
      },
      {
        name: "volume forecast (4 days)",
        query: `predict_linear(kubelet_volume_stats_available_bytes${v}[6h], 4 * 24 * 3600)`,
      },
      { name: "volume growth per day", query: `deriv(kubelet_volume_stats_used_bytes${v}[6h]) * 86400` },
    );
  }
  if (subject.horizontalpodautoscaler) {
    const h = selector([
      namespace,
      { label: "horizontalpodautoscaler", op: "=", value: subject.horizontalpodautoscaler },
    ]);
    out.push(
      { name: "hpa desired replicas", query: `kube_horizontalpodautoscaler_status_desired_replicas${h}` },
      { name: "hpa max replicas", query: `kube_horizontalpodautoscaler_spec_max_replicas${h}` },
    );
  }
  return out;
}

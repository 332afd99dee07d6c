import type { AlertInstance } from "../core/alertmanager.js";
import type { AlertSubject } from "../core/evidence.js";

/**
 * What an incident's alerts are about, read from their labels.
 *
 * Label names follow the kubernetes-mixin rules and kube-state-metrics. Two traps:
 * - `job` is Prometheus' scrape job; the Kubernetes Job is `job_name`. `instance` is a
 *   scrape address, never a node.
 * - Series about objects that have no pod (a Deployment, a Node, a Job) carry the
 *   *scrape target's* `pod`, `container` (and, for cluster-scoped objects, `namespace`)
 *   labels: those of the kube-state-metrics pod itself. They are dropped when the alert
 *   names another object, so the exporter never becomes the incident's subject. When
 *   Prometheus keeps both, the `exported_*` labels are the series' own and win.
 */

type Labels = Record<string, string>;

/** Labels that name a namespaced object other than a pod. */
const NAMESPACED_OBJECT_LABELS = [
  "deployment",
  "statefulset",
  "daemonset",
  "replicaset",
  "job_name",
  "cronjob",
  "persistentvolumeclaim",
  "horizontalpodautoscaler",
] as const;

const EXPORTER = /(^|-)(kube-state-metrics|node-exporter)(-|$)/;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

function own(labels: Labels, name: string): string | undefined {
  return nonEmpty(labels[`exported_${name}`]) ?? nonEmpty(labels[name]);
}

/** The pod/container labels describe the exporter that was scraped, not the subject. */
function labelsDescribeExporter(labels: Labels): boolean {
  if (labels.exported_pod || labels.exported_container) return false;
  const looksLikeExporter = EXPORTER.test(labels.container ?? "") || EXPORTER.test(labels.pod ?? "");
  if (!looksLikeExporter) return false;
  const namesOther = NAMESPACED_OBJECT_LABELS.some((l) => nonEmpty(labels[l])) || !!nonEmpty(labels.node);
  return namesOther;
}

type AlertFacts = Pick<
  AlertSubject,
  | "namespace"
  | "pod"
  | "container"
  | "deployment"
  | "statefulset"
  | "daemonset"
  | "job"
  | "cronjob"
  | "node"
  | "persistentvolumeclaim"
  | "horizontalpodautoscaler"
>;

function factsOf(labels: Labels): AlertFacts {
  const exporter = labelsDescribeExporter(labels);
  const namesNamespaced = NAMESPACED_OBJECT_LABELS.some((l) => nonEmpty(labels[l]));
  // For a node series scraped from kube-state-metrics, `namespace` is the exporter's.
  const namespaceIsExporters = exporter && !namesNamespaced && !labels.exported_namespace;
  return {
    namespace: namespaceIsExporters ? undefined : own(labels, "namespace"),
    pod: exporter ? undefined : own(labels, "pod"),
    container: exporter ? undefined : own(labels, "container"),
    deployment: own(labels, "deployment"),
    statefulset: own(labels, "statefulset"),
    daemonset: own(labels, "daemonset"),
    job: own(labels, "job_name"),
    cronjob: own(labels, "cronjob"),
    node: own(labels, "node"),
    persistentvolumeclaim: own(labels, "persistentvolumeclaim"),
    horizontalpodautoscaler: own(labels, "horizontalpodautoscaler"),
  };
}

const FACT_KEYS = [
  "namespace",
  "pod",
  "container",
  "deployment",
  "statefulset",
  "daemonset",
  "job",
  "cronjob",
  "node",
  "persistentvolumeclaim",
  "horizontalpodautoscaler",
] as const satisfies readonly (keyof AlertFacts)[];

/**
 * The subject of an incident. The first alert leads (alertname, severity, labels,
 * annotations); later alerts of the same namespace fill what it leaves open (a
 * KubeDeploymentRolloutStuck followed by the KubePodCrashLooping of its pod), and every
 * alert contributes its pod to `pods`.
 */
export function subjectFromAlerts(alerts: readonly AlertInstance[]): AlertSubject {
  const first = alerts[0];
  if (!first) throw new RangeError("subjectFromAlerts needs at least one alert");
  const facts: AlertFacts = { ...factsOf(first.labels) };
  const pods: string[] = [];
  for (const alert of alerts) {
    const next = factsOf(alert.labels);
    const sameNamespace = !facts.namespace || !next.namespace || next.namespace === facts.namespace;
    if (sameNamespace) {
      for (const key of FACT_KEYS) facts[key] ??= next[key];
    }
    if (next.pod && !pods.includes(next.pod)) pods.push(next.pod);
  }
  const subject: AlertSubject = {
    alertname: first.labels.alertname ?? "unknown",
    pods,
    labels: { ...first.labels },
    annotations: { ...first.annotations },
  };
  const severity = nonEmpty(first.labels.severity);
  if (severity) subject.severity = severity;
  for (const key of FACT_KEYS) {
    const value = facts[key];
    if (value !== undefined) subject[key] = value;
  }
  return subject;
}

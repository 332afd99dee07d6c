/**
 * Synthetic Alertmanager webhooks for load and multi-process tests: one firing alert on
 * a workload of its own, so that each webhook opens a new incident and dedup never
 * short-circuits it.
 */
export function syntheticWebhook(options: {
  /** Names the workload: pods are `svc<workload>-7c9f6d8b5-k2x4p`. */
  workload: string;
  fingerprint: string;
  namespace?: string;
}): Record<string, unknown> {
  const namespace = options.namespace ?? "demo";
  const labels = {
    alertname: "KubePodCrashLooping",
    namespace,
    pod: `svc${options.workload}-7c9f6d8b5-k2x4p`,
    container: "app",
    severity: "warning",
  };
  return {
    version: "4",
    status: "firing",
    receiver: "aiops",
    groupKey: `{}:{namespace="${namespace}"}`,
    groupLabels: { namespace },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: "http://alertmanager:9093",
    alerts: [
      {
        status: "firing",
        labels,
        annotations: { summary: "Pod is crash looping." },
        startsAt: "2026-11-25T10:00:00.000Z",
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus:9090/graph",
        fingerprint: options.fingerprint,
      },
    ],
  };
}

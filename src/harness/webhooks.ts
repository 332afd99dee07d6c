/**
 * Synthetic Alertmanager webhooks for load and multi-process tests: one firing alert on
 * a workload of its own, so that each webhook opens a new incident and dedup never
 * short-circuits it; with `resolvedAt`, the same alert resolved, closing that incident.
 */
export function syntheticWebhook(options: {
  /** Names the workload: pods are `svc<workload>-7c9f6d8b5-k2x4p`. */
  workload: string;
  fingerprint: string;
  namespace?: string;
  /** When given, the same alert resolved at this time (status "resolved", `endsAt` set). */
  resolvedAt?: Date;
}): Record<string, unknown> {
  const namespace = options.namespace ?? "demo";
  const status = options.resolvedAt ? "resolved" : "firing";
  const labels = {
    alertname: "KubePodCrashLooping",
    namespace,
    pod: `svc${options.workload}-7c9f6d8b5-k2x4p`,
    container: "app",
    severity: "warning",
  };
  return {
    version: "4",
    status,
    receiver: "aiops",
    groupKey: `{}:{namespace="${namespace}"}`,
    groupLabels: { namespace },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: "http://alertmanager:9093",
    alerts: [
      {
        status,
        labels,
        annotations: { summary: "Pod is crash looping." },
        startsAt: "2026-11-25T10:00:00.000Z",
        endsAt: options.resolvedAt?.toISOString() ?? "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus:9090/graph",
        fingerprint: options.fingerprint,
      },
    ],
  };
}

/**
 * Pure rules that turn notifications into incidents: deduplication of repeat
 * notifications, correlation of alerts on the same workload, and resolution.
 */
import type { AlertInstance } from "./alertmanager.js";
import type { ObjectRef } from "./evidence.js";
import { IncidentState, type Incident, type IncidentAlert } from "./incident.js";
import { workloadNameFromPod } from "./pod-name.js";

/**
 * The object an alert is about, from its labels alone (no cluster round trip), so that
 * correlation is cheap and deterministic. Owner labels win over a pod name; a pod name
 * is reduced to its workload by Kubernetes' naming rules.
 */
export function alertSubjectRef(labels: Record<string, string>): ObjectRef | undefined {
  const namespace = labels.namespace ?? labels.exported_namespace;
  const named: [string, string | undefined][] = [
    ["Deployment", labels.deployment],
    ["StatefulSet", labels.statefulset],
    ["DaemonSet", labels.daemonset],
    ["CronJob", labels.cronjob],
    ["Job", labels.job_name],
    ["HorizontalPodAutoscaler", labels.horizontalpodautoscaler],
    ["PersistentVolumeClaim", labels.persistentvolumeclaim],
  ];
  for (const [kind, name] of named) if (name) return { kind, namespace, name };
  const pod = labels.pod ?? labels.exported_pod;
  if (pod) return { kind: "Workload", namespace, name: workloadNameFromPod(pod) };
  if (labels.node) return { kind: "Node", name: labels.node };
  return undefined;
}

const WORKLOAD_KEY_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Workload"]);

/** Alerts with the same key belong to one incident while it is open. */
export function correlationKey(alert: AlertInstance): string {
  const alertname = alert.labels.alertname ?? "";
  const ref = alertSubjectRef(alert.labels);
  if (!ref) return `${alertname}|fp:${alert.fingerprint}`;
  // A pod alert and a deployment alert about the same workload must meet: workload kinds share one key space.
  const kind = WORKLOAD_KEY_KINDS.has(ref.kind) ? "workload" : ref.kind;
  return `${alertname}|${ref.namespace ?? ""}|${kind}/${ref.name}`;
}

export type FiringDecision =
  /** Same alert (fingerprint and startsAt) already in an open incident: count it, do nothing else. */
  | { kind: "repeat"; incident: Incident }
  /** Another alert of the same problem: join the open incident, no second diagnosis. */
  | { kind: "join"; incident: Incident }
  /** A new problem: open an incident and investigate. */
  | { kind: "open" };

export function decideFiring(
  alert: AlertInstance,
  byFingerprint: Incident | undefined,
  byKey: Incident | undefined,
): FiringDecision {
  if (byFingerprint && isOpen(byFingerprint)) {
    const known = byFingerprint.alerts.find((a) => a.fingerprint === alert.fingerprint);
    if (known && known.startsAt === alert.startsAt) return { kind: "repeat", incident: byFingerprint };
    return { kind: "join", incident: byFingerprint };
  }
  if (byKey && isOpen(byKey)) return { kind: "join", incident: byKey };
  return { kind: "open" };
}

export function isOpen(incident: Incident): boolean {
  return incident.state !== IncidentState.Resolved && incident.state !== IncidentState.Failed;
}

export function newIncident(id: string, alert: AlertInstance, now: string): Incident {
  const ref = alertSubjectRef(alert.labels);
  return {
    id,
    correlationKey: correlationKey(alert),
    state: IncidentState.Open,
    alertname: alert.labels.alertname ?? "",
    severity: alert.labels.severity,
    namespace: ref?.namespace ?? alert.labels.namespace,
    subject: ref,
    alerts: [toIncidentAlert(alert, now)],
    notifications: 1,
    openedAt: now,
    updatedAt: now,
  };
}

function toIncidentAlert(alert: AlertInstance, now: string): IncidentAlert {
  return { ...alert, firstSeenAt: now, lastSeenAt: now, notifications: 1 };
}

/** Records a firing notification on an incident (repeat or join). */
export function withFiring(incident: Incident, alert: AlertInstance, now: string): Incident {
  const alerts = [...incident.alerts];
  const index = alerts.findIndex((a) => a.fingerprint === alert.fingerprint);
  const existing = index >= 0 ? alerts[index] : undefined;
  if (existing) {
    alerts[index] = {
      ...existing,
      ...alert,
      firstSeenAt: existing.firstSeenAt,
      lastSeenAt: now,
      notifications: existing.notifications + 1,
      resolvedAt: undefined,
    };
  } else {
    alerts.push(toIncidentAlert(alert, now));
  }
  return { ...incident, alerts, notifications: incident.notifications + 1, updatedAt: now };
}

/**
 * Records a resolved notification. When every alert of the incident is resolved, the
 * incident is resolved and the time to resolve is measured from the earliest startsAt.
 */
export function withResolved(incident: Incident, alert: AlertInstance, now: string): Incident {
  const resolvedAt = alert.endsAt ?? now;
  let alerts = incident.alerts.map((a) =>
    a.fingerprint === alert.fingerprint
      ? { ...a, status: "resolved" as const, endsAt: alert.endsAt, resolvedAt, lastSeenAt: now }
      : a,
  );
  if (!alerts.some((a) => a.fingerprint === alert.fingerprint)) {
    alerts = [...alerts, { ...toIncidentAlert(alert, now), resolvedAt }];
  }
  const base = { ...incident, alerts, notifications: incident.notifications + 1, updatedAt: now };
  if (alerts.some((a) => a.status === "firing")) return base;
  const resolvedTimes = alerts.map((a) => Date.parse(a.resolvedAt ?? resolvedAt));
  const end = Math.max(...resolvedTimes);
  const start = Math.min(...alerts.map((a) => Date.parse(a.startsAt)));
  return {
    ...base,
    state: IncidentState.Resolved,
    resolvedAt: new Date(end).toISOString(),
    timeToResolveMs: Math.max(0, end - start),
  };
}

/** Moves an incident forward without ever undoing a resolution. */
export function advance(incident: Incident, state: IncidentState): IncidentState {
  return incident.state === IncidentState.Resolved ? IncidentState.Resolved : state;
}

/**
 * What every planner shares: the target object (the owning workload, never a bare
 * Pod; a CronJob for a Job it created), the pod-template path of each kind for
 * strategic-merge patches, apiVersions, and kubectl spelling.
 */
import type { RemediationPlan, TargetRef } from "../../core/diagnosis.js";
import type { Evidence, ObjectRef } from "../../core/evidence.js";
import type { RiskLevel } from "../../core/vocabulary.js";
import { workloadNameFromPod } from "../../core/pod-name.js";

export const API_VERSION: Record<string, string> = {
  Deployment: "apps/v1",
  StatefulSet: "apps/v1",
  DaemonSet: "apps/v1",
  ReplicaSet: "apps/v1",
  Job: "batch/v1",
  CronJob: "batch/v1",
  HorizontalPodAutoscaler: "autoscaling/v2",
  PersistentVolumeClaim: "v1",
  Node: "v1",
};

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]);

/** Pod-controller kinds a workload name may come from in the alert's labels. */
function subjectWorkload(e: Evidence): ObjectRef | undefined {
  const s = e.subject;
  const ns = s.namespace;
  const mk = (kind: string, name: string | undefined): ObjectRef | undefined =>
    name ? { kind, ...(ns ? { namespace: ns } : {}), name } : undefined;
  return (
    mk("Deployment", s.deployment) ??
    mk("StatefulSet", s.statefulset) ??
    mk("DaemonSet", s.daemonset) ??
    mk("CronJob", s.cronjob) ??
    mk("Job", s.labels["job_name"] ?? (s.job && s.job !== "kube-state-metrics" ? s.job : undefined))
  );
}

/**
 * The object a change to the pods goes to: the top owning workload, with a Job
 * created by a CronJob changed through its CronJob. Never a Pod or ReplicaSet.
 */
export function workloadTarget(e: Evidence, container?: string): TargetRef | undefined {
  let ref: ObjectRef | undefined = e.workload?.ref;
  if (ref?.kind === "Job") {
    const cron =
      e.workload?.owner?.kind === "CronJob"
        ? e.workload.owner
        : e.ownerChain.find((r) => r.kind === "CronJob");
    if (cron)
      ref = {
        ...cron,
        ...((cron.namespace ?? ref.namespace) ? { namespace: cron.namespace ?? ref.namespace } : {}),
      };
  }
  if (!ref || !WORKLOAD_KINDS.has(ref.kind)) {
    const top = [...e.ownerChain].reverse().find((r) => WORKLOAD_KINDS.has(r.kind));
    ref = top ?? subjectWorkload(e);
  }
  if (!ref) return undefined;
  const namespace = ref.namespace ?? e.subject.namespace;
  return {
    kind: ref.kind,
    ...(namespace ? { namespace } : {}),
    name: ref.name,
    ...(container ? { container } : {}),
  };
}

/** A target for when the evidence names no workload: the subject's own object, never a Pod. */
function fallbackTarget(e: Evidence, container?: string): TargetRef {
  const s = e.subject;
  const ns = s.namespace ? { namespace: s.namespace } : {};
  if (s.horizontalpodautoscaler)
    return { kind: "HorizontalPodAutoscaler", ...ns, name: s.horizontalpodautoscaler };
  if (s.persistentvolumeclaim) return { kind: "PersistentVolumeClaim", ...ns, name: s.persistentvolumeclaim };
  if (s.node) return { kind: "Node", name: s.node };
  // The evidence names no owner, not even from the pod's name (evidence.ts infers those
  // it can): strip the generated suffix rather than target a bare pod.
  const name = workloadNameFromPod(s.pod ?? "unknown");
  return { kind: "Deployment", ...ns, name, ...(container ? { container } : {}) };
}

/** The object a plan for this incident changes: its workload, or failing that the alert's subject. */
export function incidentTarget(e: Evidence, container?: string): TargetRef {
  return workloadTarget(e, container) ?? fallbackTarget(e, container);
}

/** "Deployment shop/cart (container app)", for rationales. */
export function describeTarget(t: TargetRef): string {
  return `${t.kind} ${t.namespace ? `${t.namespace}/` : ""}${t.name}${t.container ? ` (container ${t.container})` : ""}`;
}

/** The workload itself, for changes that are not per container (replicas, rollout). */
export function workloadOnly(target: TargetRef): TargetRef {
  return {
    kind: target.kind,
    ...(target.namespace ? { namespace: target.namespace } : {}),
    name: target.name,
  };
}

/** Wraps a pod spec fragment in the path the kind keeps its pod template at. */
export function podTemplatePatch(
  kind: string,
  podSpec: Record<string, unknown>,
  templateMeta?: Record<string, unknown>,
): Record<string, unknown> {
  const template = { ...(templateMeta ? { metadata: templateMeta } : {}), spec: podSpec };
  if (kind === "CronJob") return { spec: { jobTemplate: { spec: { template } } } };
  return { spec: { template } };
}

export function patchFor(
  target: TargetRef,
  body: Record<string, unknown>,
): NonNullable<RemediationPlan["patch"]> {
  return {
    apiVersion: API_VERSION[target.kind] ?? "v1",
    kind: target.kind,
    ...(target.namespace ? { namespace: target.namespace } : {}),
    name: target.name,
    body,
  };
}

/** kubectl resource spelling: deployment/cart, hpa/x, pvc/y. */
export function kubectlRef(target: ObjectRef): string {
  const kind =
    target.kind === "HorizontalPodAutoscaler"
      ? "hpa"
      : target.kind === "PersistentVolumeClaim"
        ? "pvc"
        : target.kind.toLowerCase();
  return shellWord(`${kind}/${target.name}`);
}

export function nsFlag(target: ObjectRef): string {
  return target.namespace ? ` -n ${shellWord(target.namespace)}` : "";
}

/** A word as is when it holds nothing a shell reads specially (every Kubernetes name), quoted otherwise. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9._/:=-]+$/.test(s) ? s : shellQuote(s);
}

/** Single-quotes a JSON patch for a shell. Names come from the evidence: quote, never interpolate raw. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function kubectlPatch(target: ObjectRef, body: Record<string, unknown>): string {
  return `kubectl patch ${kubectlRef(target)}${nsFlag(target)} --type strategic -p ${shellQuote(JSON.stringify(body))}`;
}

export interface PlanParts {
  action: RemediationPlan["action"];
  target: TargetRef;
  params: Record<string, unknown>;
  patch?: RemediationPlan["patch"];
  kubectl?: string;
  risk: RiskLevel;
  rationale: string;
  reason?: string;
}

export function toPlan(parts: PlanParts, now: Date): RemediationPlan {
  return { ...parts, createdAt: now.toISOString() };
}

/** Rounds up to a multiple of `step`. */
export function ceilStep(n: number, step: number): number {
  return Math.ceil(n / step - 1e-9) * step;
}

export function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

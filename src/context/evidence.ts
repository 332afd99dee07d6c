import type {
  AlertSubject,
  Condition,
  ConfigRefEvidence,
  ContainerEvidence,
  ContainerSpecEvidence,
  EventEvidence,
  Evidence,
  EvidenceGap,
  HpaEvidence,
  JobStatusEvidence,
  LogEvidence,
  MetricEvidence,
  MetricSeries,
  NodeEvidence,
  ObjectRef,
  PodEvidence,
  ProbeEvidence,
  PvcEvidence,
  ResourcesEvidence,
  RevisionEvidence,
  RolloutEvidence,
  ServiceEvidence,
  Termination,
  VolumeEvidence,
  WorkloadEvidence,
} from "../core/evidence.js";
import { parseQuantity } from "../core/quantity.js";
import {
  isKubeObject,
  type ContextBundle,
  type KubeObject,
  type LogRecord,
  type MetricRecord,
} from "./context-source.js";
import { excerptLog } from "./log-excerpt.js";
import { workloadFromPodName } from "../core/pod-name.js";
import { isRecord } from "../core/json.js";

/**
 * Evidence extraction: turns the raw Kubernetes JSON a context source gathered into the
 * flat, typed facts the analyzers read (core/evidence.ts). Pure and total: malformed or
 * missing parts of objects are skipped, never thrown on, because snapshots and live
 * clusters both return partial objects.
 *
 * Which objects count as "the incident":
 * - pods: the alerted pods, all pods of the workload (found by walking every pod's owner
 *   chain), the pods on an alerted node, the pods mounting an alerted PVC;
 * - workload: the workload the alert names, else the owner of the alerted pod, else an
 *   HPA's scale target, else a workload inferred from a vanished pod's name (ReplicaSet
 *   or naming convention), else the owner of the pods mounting an alerted PVC.
 *
 * Rollout health rule (see `revisionHealthy`): a revision is healthy when it has ready or
 * available replicas, or ready pods, and none of its pods is failing. An old ReplicaSet
 * that was scaled to 0 has no pods left to prove anything, so the revision right before
 * the current one also counts as healthy when it is scaled down, none of its pods are
 * failing and no Warning event names it: a Deployment only scales an old ReplicaSet down
 * once the next one is available, so that revision was the last one that ran.
 */

// ---------------------------------------------------------------------------------------
// Reading untyped JSON

type Json = Record<string, unknown>;

function rec(v: unknown): Json | undefined {
  return isRecord(v) ? v : undefined;
}
function recs(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}
function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
function num(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
function bool(v: unknown): boolean | undefined {
  return typeof v === "boolean" ? v : undefined;
}
function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const r = rec(v);
  if (!r) return out;
  for (const [k, val] of Object.entries(r)) {
    if (typeof val === "string" || typeof val === "number" || typeof val === "boolean") out[k] = String(val);
  }
  return out;
}
function strList(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter((x): x is string => typeof x === "string");
}
function at(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) {
    const r = rec(cur);
    if (!r) return undefined;
    cur = r[k];
  }
  return cur;
}
function setIf<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

// ---------------------------------------------------------------------------------------
// Object index

const CLUSTER_SCOPED = new Set([
  "Node",
  "PersistentVolume",
  "StorageClass",
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "PriorityClass",
  "CSIDriver",
]);
const WORKLOAD_KINDS = new Set([
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "CronJob",
  "ReplicaSet",
  "ReplicationController",
]);
const DROPPED_ANNOTATIONS = new Set(["kubectl.kubernetes.io/last-applied-configuration"]);

function nsOf(o: KubeObject): string | undefined {
  return CLUSTER_SCOPED.has(o.kind) ? undefined : o.metadata.namespace;
}
function keyOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${CLUSTER_SCOPED.has(kind) ? "" : (namespace ?? "")}/${name}`;
}
function objKey(o: KubeObject): string {
  return keyOf(o.kind, o.metadata.namespace, o.metadata.name);
}
function refOf(o: KubeObject): ObjectRef {
  const ref: ObjectRef = { kind: o.kind, name: o.metadata.name };
  setIf(ref, "namespace", nsOf(o));
  return ref;
}
function refKey(r: ObjectRef): string {
  return keyOf(r.kind, r.namespace, r.name);
}
function labelsOf(o: KubeObject): Record<string, string> {
  return strMap(o.metadata.labels);
}
function annotationsOf(o: KubeObject): Record<string, string> {
  const out = strMap(o.metadata.annotations);
  for (const k of DROPPED_ANNOTATIONS) delete out[k];
  return out;
}

class ObjectIndex {
  private readonly byKey = new Map<string, KubeObject>();
  private readonly byUid = new Map<string, KubeObject>();
  private readonly byKind = new Map<string, KubeObject[]>();

  constructor(objects: readonly KubeObject[]) {
    for (const o of objects) {
      if (!isKubeObject(o)) continue;
      this.byKey.set(objKey(o), o);
      const uid = str(o.metadata.uid);
      if (uid) this.byUid.set(uid, o);
      const list = this.byKind.get(o.kind) ?? [];
      list.push(o);
      this.byKind.set(o.kind, list);
    }
  }

  ofKind(kind: string, namespace?: string): KubeObject[] {
    const list = this.byKind.get(kind) ?? [];
    return namespace === undefined ? list : list.filter((o) => o.metadata.namespace === namespace);
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.byKey.get(keyOf(kind, namespace, name));
  }

  /** By name, in the namespace when one is given, else in any namespace. */
  find(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    if (namespace !== undefined || CLUSTER_SCOPED.has(kind)) return this.get(kind, namespace, name);
    return this.ofKind(kind).find((o) => o.metadata.name === name);
  }

  uid(uid: string | undefined): KubeObject | undefined {
    return uid ? this.byUid.get(uid) : undefined;
  }
}

// ---------------------------------------------------------------------------------------
// Owner chains

type OwnerReference = NonNullable<KubeObject["metadata"]["ownerReferences"]>[number];

/** The owner reference marked as controller, else the first one. */
export function controllerRef(o: KubeObject): OwnerReference | undefined {
  const refs = Array.isArray(o.metadata.ownerReferences) ? o.metadata.ownerReferences.filter(isRecord) : [];
  return refs.find((r) => r.controller === true) ?? refs[0];
}

function resolveOwner(index: ObjectIndex, o: KubeObject, ref: OwnerReference): KubeObject | undefined {
  const byUid = index.uid(ref.uid);
  if (byUid && byUid.kind === ref.kind) return byUid;
  return index.get(ref.kind, o.metadata.namespace, ref.name);
}

/** When an owner is missing from the bundle, the next owner can often still be found by name. */
function inferOwnerOfMissing(
  index: ObjectIndex,
  namespace: string | undefined,
  ref: OwnerReference,
): KubeObject | undefined {
  if (ref.kind === "ReplicaSet") {
    const name = ref.name.replace(/-[a-z0-9]{5,10}$/, "");
    return name !== ref.name ? index.get("Deployment", namespace, name) : undefined;
  }
  if (ref.kind === "Job") {
    const name = ref.name.replace(/-\d{8,}$/, "");
    return name !== ref.name ? index.get("CronJob", namespace, name) : undefined;
  }
  return undefined;
}

/**
 * A ReplicaSet is always named `<deployment>-<pod-template-hash>`; when neither is in the
 * bundle, the pod's hash label still names the Deployment.
 */
function deploymentNameOfMissingReplicaSet(pod: KubeObject, ref: OwnerReference): string | undefined {
  if (ref.kind !== "ReplicaSet" || pod.kind !== "Pod") return undefined;
  const hash = labelsOf(pod)["pod-template-hash"];
  if (!hash || !ref.name.endsWith(`-${hash}`)) return undefined;
  const name = ref.name.slice(0, -hash.length - 1);
  return name || undefined;
}

interface Chain {
  refs: ObjectRef[];
  /** The owners that were found, in chain order. */
  objects: KubeObject[];
}

/** The controller chain above an object: ReplicaSet, Deployment; Job, CronJob; ... */
function ownerChain(index: ObjectIndex, start: KubeObject): Chain {
  const refs: ObjectRef[] = [];
  const objects: KubeObject[] = [];
  let current: KubeObject | undefined = start;
  for (let depth = 0; current && depth < 8; depth++) {
    const ref = controllerRef(current);
    if (!ref || typeof ref.kind !== "string" || typeof ref.name !== "string") break;
    const namespace: string | undefined = current.metadata.namespace;
    refs.push(
      CLUSTER_SCOPED.has(ref.kind)
        ? { kind: ref.kind, name: ref.name }
        : { kind: ref.kind, namespace, name: ref.name },
    );
    const owner = resolveOwner(index, current, ref);
    if (owner) {
      objects.push(owner);
      current = owner;
      continue;
    }
    const inferred = inferOwnerOfMissing(index, namespace, ref);
    if (inferred) {
      refs.push(refOf(inferred));
      objects.push(inferred);
    } else {
      const deployment = deploymentNameOfMissingReplicaSet(current, ref);
      if (deployment) refs.push({ kind: "Deployment", namespace, name: deployment });
    }
    current = inferred;
  }
  return { refs, objects };
}

/** A chain that starts at a workload itself (no pod known): the workload and its owners. */
function chainFromWorkload(index: ObjectIndex, workload: KubeObject): Chain {
  const above = ownerChain(index, workload);
  return { refs: [refOf(workload), ...above.refs], objects: [workload, ...above.objects] };
}

interface Target {
  chain: Chain;
  /** The workload whose spec the fix would change (a Job for a CronJob's run). */
  workload?: KubeObject;
  /** The workload above it (the CronJob of a Job). */
  owner?: KubeObject;
}

function targetFromChain(chain: Chain): Target {
  const workloads = chain.objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
  const top = workloads[workloads.length - 1];
  if (!top) return { chain };
  if (top.kind === "CronJob") {
    const job = workloads.find((o) => o.kind === "Job");
    if (job) return { chain, workload: job, owner: top };
  }
  return { chain, workload: top };
}

// ---------------------------------------------------------------------------------------
// Selectors

function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  const sel = rec(selector);
  if (!sel) return false;
  const matchLabels = strMap(sel.matchLabels);
  const expressions = recs(sel.matchExpressions);
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return false;
  for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== v) return false;
  for (const e of expressions) {
    const key = str(e.key) ?? "";
    const values = strList(e.values) ?? [];
    const has = key in labels;
    const value = labels[key];
    switch (e.operator) {
      case "In":
        if (!has || value === undefined || !values.includes(value)) return false;
        break;
      case "NotIn":
        if (has && value !== undefined && values.includes(value)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function plainSelectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

// ---------------------------------------------------------------------------------------
// Pods and containers

const PROBE_DEFAULTS = {
  initialDelaySeconds: 0,
  timeoutSeconds: 1,
  periodSeconds: 10,
  failureThreshold: 3,
  successThreshold: 1,
} as const;

function probeOf(v: unknown): ProbeEvidence | undefined {
  const p = rec(v);
  if (!p) return undefined;
  const http = rec(p.httpGet);
  const tcp = rec(p.tcpSocket);
  const exec = rec(p.exec);
  const grpc = rec(p.grpc);
  const handler: ProbeEvidence["handler"] = http
    ? "httpGet"
    : tcp
      ? "tcpSocket"
      : exec
        ? "exec"
        : grpc
          ? "grpc"
          : "unknown";
  const probe: ProbeEvidence = {
    handler,
    initialDelaySeconds: num(p.initialDelaySeconds) ?? PROBE_DEFAULTS.initialDelaySeconds,
    timeoutSeconds: num(p.timeoutSeconds) ?? PROBE_DEFAULTS.timeoutSeconds,
    periodSeconds: num(p.periodSeconds) ?? PROBE_DEFAULTS.periodSeconds,
    failureThreshold: num(p.failureThreshold) ?? PROBE_DEFAULTS.failureThreshold,
    successThreshold: num(p.successThreshold) ?? PROBE_DEFAULTS.successThreshold,
  };
  setIf(probe, "path", str(http?.path));
  const port = (http ?? tcp ?? grpc)?.port;
  if (typeof port === "string" || typeof port === "number") probe.port = port;
  setIf(probe, "command", strList(exec?.command));
  return probe;
}

function resourcesOf(v: unknown): ResourcesEvidence {
  return { requests: strMap(at(v, "requests")), limits: strMap(at(v, "limits")) };
}

function containerSpecOf(c: Json, init: boolean): ContainerSpecEvidence {
  const spec: ContainerSpecEvidence = {
    name: str(c.name) ?? "",
    init,
    resources: resourcesOf(c.resources),
    probes: {},
  };
  setIf(spec, "image", str(c.image));
  setIf(spec, "imagePullPolicy", str(c.imagePullPolicy));
  setIf(spec, "command", strList(c.command));
  setIf(spec, "args", strList(c.args));
  setIf(spec.probes, "liveness", probeOf(c.livenessProbe));
  setIf(spec.probes, "readiness", probeOf(c.readinessProbe));
  setIf(spec.probes, "startup", probeOf(c.startupProbe));
  return spec;
}

/** Containers of a pod spec or pod template spec; init containers first, as they run. */
function specContainers(podSpec: unknown): ContainerSpecEvidence[] {
  return [
    ...recs(at(podSpec, "initContainers")).map((c) => containerSpecOf(c, true)),
    ...recs(at(podSpec, "containers")).map((c) => containerSpecOf(c, false)),
  ];
}

function terminationOf(v: unknown): Termination | undefined {
  const t = rec(v);
  if (!t) return undefined;
  const out: Termination = {};
  setIf(out, "reason", str(t.reason));
  setIf(out, "exitCode", num(t.exitCode));
  setIf(out, "signal", num(t.signal));
  setIf(out, "message", str(t.message));
  setIf(out, "startedAt", str(t.startedAt));
  setIf(out, "finishedAt", str(t.finishedAt));
  return out;
}

function containerOf(spec: ContainerSpecEvidence, status: Json | undefined): ContainerEvidence {
  const state = rec(status?.state);
  const waiting = rec(state?.waiting);
  const running = rec(state?.running);
  const terminated = rec(state?.terminated);
  const c: ContainerEvidence = {
    ...spec,
    ready: bool(status?.ready) ?? false,
    restartCount: num(status?.restartCount) ?? 0,
    state: waiting ? "waiting" : running ? "running" : terminated ? "terminated" : "unknown",
  };
  if (!spec.image) setIf(c, "image", str(status?.image));
  setIf(c, "imageID", str(status?.imageID));
  setIf(c, "started", bool(status?.started));
  setIf(c, "waitingReason", str(waiting?.reason));
  setIf(c, "waitingMessage", str(waiting?.message));
  setIf(c, "terminated", terminationOf(terminated));
  setIf(c, "lastTermination", terminationOf(at(status, "lastState", "terminated")));
  return c;
}

function conditionsOf(v: unknown): Condition[] {
  return recs(v).map((c) => {
    const cond: Condition = { type: str(c.type) ?? "", status: str(c.status) ?? "Unknown" };
    setIf(cond, "reason", str(c.reason));
    setIf(cond, "message", str(c.message));
    setIf(cond, "lastTransitionTime", str(c.lastTransitionTime));
    return cond;
  });
}

const VOLUME_REF_FIELDS: Record<string, string> = {
  configMap: "name",
  secret: "secretName",
  persistentVolumeClaim: "claimName",
};

function volumesOf(podSpec: unknown): VolumeEvidence[] {
  return recs(at(podSpec, "volumes")).map((v) => {
    const type = Object.keys(v).find((k) => k !== "name") ?? "unknown";
    const source = rec(v[type]);
    const vol: VolumeEvidence = { name: str(v.name) ?? "", type };
    const refField = VOLUME_REF_FIELDS[type];
    if (refField) setIf(vol, "refName", str(source?.[refField]));
    setIf(vol, "server", str(source?.server));
    setIf(vol, "path", str(source?.path));
    return vol;
  });
}

function hasAffinity(podSpec: unknown): boolean {
  const a = rec(at(podSpec, "affinity"));
  if (!a) return false;
  return ["nodeAffinity", "podAffinity", "podAntiAffinity"].some((k) => {
    const v = rec(a[k]);
    return !!v && Object.keys(v).length > 0;
  });
}

function podEvidence(pod: KubeObject, alerted: boolean): PodEvidence {
  const spec = pod.spec;
  const status = rec(pod.status);
  const statuses = new Map<string, Json>();
  const initStatuses = new Map<string, Json>();
  for (const s of recs(status?.containerStatuses)) statuses.set(str(s.name) ?? "", s);
  for (const s of recs(status?.initContainerStatuses)) initStatuses.set(str(s.name) ?? "", s);
  const containers = specContainers(spec).map((c) =>
    containerOf(c, c.init ? initStatuses.get(c.name) : statuses.get(c.name)),
  );
  const labels = labelsOf(pod);
  const owner = controllerRef(pod);
  const ev: PodEvidence = {
    name: pod.metadata.name,
    namespace: pod.metadata.namespace ?? "",
    deleting: !!pod.metadata.deletionTimestamp,
    alerted,
    conditions: conditionsOf(status?.conditions),
    containers,
    nodeSelector: strMap(at(spec, "nodeSelector")),
    hasAffinity: hasAffinity(spec),
    topologySpread: recs(at(spec, "topologySpreadConstraints")).map((t) => ({
      maxSkew: num(t.maxSkew) ?? 1,
      topologyKey: str(t.topologyKey) ?? "",
      whenUnsatisfiable: str(t.whenUnsatisfiable) ?? "DoNotSchedule",
    })),
    volumes: volumesOf(spec),
  };
  setIf(ev, "phase", str(status?.phase));
  setIf(ev, "reason", str(status?.reason));
  setIf(ev, "message", str(status?.message));
  setIf(ev, "nodeName", str(at(spec, "nodeName")));
  setIf(ev, "createdAt", str(pod.metadata.creationTimestamp));
  setIf(ev, "startTime", str(status?.startTime));
  if (owner && typeof owner.kind === "string" && typeof owner.name === "string") {
    ev.owner = { kind: owner.kind, namespace: pod.metadata.namespace, name: owner.name };
  }
  setIf(ev, "revisionHash", labels["pod-template-hash"] ?? labels["controller-revision-hash"]);
  setIf(ev, "qosClass", str(status?.qosClass));
  return ev;
}

function podIsReady(p: PodEvidence): boolean {
  const ready = p.conditions.find((c) => c.type === "Ready");
  if (ready) return ready.status === "True";
  const main = p.containers.filter((c) => !c.init);
  return main.length > 0 && main.every((c) => c.ready);
}

/** Running, Ready and not being deleted. */
export function podServing(p: PodEvidence): boolean {
  return p.phase === "Running" && !p.deleting && podIsReady(p);
}

/** Crashing, waiting in error, or not ready. Completed pods (Jobs) are not failing. */
export function podFailing(p: PodEvidence): boolean {
  if (p.phase === "Succeeded") return false;
  if (p.phase === "Failed") return true;
  const waiting = p.containers.some((c) => c.state === "waiting" && !!c.waitingReason);
  const restarting = p.containers.some((c) => !c.init && c.restartCount > 0 && !!c.lastTermination);
  return waiting || restarting || !podIsReady(p);
}

// ---------------------------------------------------------------------------------------
// Workloads

function podSpecOfWorkload(o: KubeObject): unknown {
  if (o.kind === "CronJob") return at(o.spec, "jobTemplate", "spec", "template", "spec");
  return at(o.spec, "template", "spec");
}

function templateLabels(o: KubeObject): Record<string, string> {
  if (o.kind === "CronJob")
    return strMap(at(o.spec, "jobTemplate", "spec", "template", "metadata", "labels"));
  return strMap(at(o.spec, "template", "metadata", "labels"));
}

function revisionNumber(o: KubeObject): number | undefined {
  return num(strMap(o.metadata.annotations)["deployment.kubernetes.io/revision"]);
}

function controllerRevisionsOf(index: ObjectIndex, o: KubeObject): KubeObject[] {
  return index.ofKind("ControllerRevision", o.metadata.namespace).filter((cr) => isOwnedBy(cr, o));
}

function isOwnedBy(child: KubeObject, owner: KubeObject): boolean {
  const ref = controllerRef(child);
  if (!ref) return false;
  if (ref.uid && owner.metadata.uid) return ref.uid === owner.metadata.uid;
  return ref.kind === owner.kind && ref.name === owner.metadata.name;
}

function jobStatusOf(job: KubeObject): JobStatusEvidence {
  const spec = rec(job.spec);
  const status = rec(job.status);
  const out: JobStatusEvidence = {
    // Kubernetes defaults backoffLimit to 6.
    backoffLimit: num(spec?.backoffLimit) ?? 6,
    active: num(status?.active) ?? 0,
    succeeded: num(status?.succeeded) ?? 0,
    failed: num(status?.failed) ?? 0,
  };
  setIf(out, "activeDeadlineSeconds", num(spec?.activeDeadlineSeconds));
  setIf(out, "completions", num(spec?.completions));
  setIf(out, "parallelism", num(spec?.parallelism));
  setIf(out, "startTime", str(status?.startTime));
  setIf(out, "completionTime", str(status?.completionTime));
  return out;
}

function cronJobInfo(cron: KubeObject): NonNullable<WorkloadEvidence["cronJob"]> {
  const info: NonNullable<WorkloadEvidence["cronJob"]> = {};
  setIf(info, "schedule", str(at(cron.spec, "schedule")));
  setIf(info, "suspend", bool(at(cron.spec, "suspend")));
  setIf(info, "lastScheduleTime", str(at(cron.status, "lastScheduleTime")));
  return info;
}

function workloadEvidence(index: ObjectIndex, o: KubeObject, owner?: KubeObject): WorkloadEvidence {
  const spec = rec(o.spec);
  const status = rec(o.status);
  const w: WorkloadEvidence = {
    ref: refOf(o),
    conditions: conditionsOf(status?.conditions),
    containers: specContainers(podSpecOfWorkload(o)),
    labels: labelsOf(o),
    annotations: annotationsOf(o),
  };
  setIf(w, "uid", str(o.metadata.uid));
  setIf(w, "generation", num(o.metadata.generation));
  setIf(w, "observedGeneration", num(status?.observedGeneration));
  setIf(w, "createdAt", str(o.metadata.creationTimestamp));
  const selector = strMap(at(spec, "selector", "matchLabels"));
  if (Object.keys(selector).length > 0) w.selector = selector;

  if (o.kind === "Deployment" || o.kind === "StatefulSet" || o.kind === "ReplicaSet") {
    // The API server defaults replicas to 1; status omits counters that are 0.
    w.replicas = num(spec?.replicas) ?? 1;
    w.readyReplicas = num(status?.readyReplicas) ?? 0;
    w.availableReplicas = num(status?.availableReplicas) ?? 0;
    w.updatedReplicas = num(status?.updatedReplicas) ?? 0;
    w.unavailableReplicas = num(status?.unavailableReplicas) ?? 0;
  } else if (o.kind === "DaemonSet") {
    w.replicas = num(status?.desiredNumberScheduled) ?? 0;
    w.readyReplicas = num(status?.numberReady) ?? 0;
    w.availableReplicas = num(status?.numberAvailable) ?? 0;
    w.updatedReplicas = num(status?.updatedNumberScheduled) ?? 0;
    w.unavailableReplicas = num(status?.numberUnavailable) ?? 0;
  }
  if (o.kind === "Deployment" || o.kind === "ReplicaSet") {
    setIf(w, "revision", revisionNumber(o));
  } else if (o.kind === "StatefulSet" || o.kind === "DaemonSet") {
    const currentName = str(status?.currentRevision) ?? str(status?.updateRevision);
    const cr = controllerRevisionsOf(index, o).find((c) => c.metadata.name === currentName);
    setIf(w, "revision", cr ? num(cr.revision) : undefined);
  }
  if (o.kind === "Job") w.job = jobStatusOf(o);
  if (o.kind === "CronJob") w.cronJob = cronJobInfo(o);
  if (owner) {
    w.owner = refOf(owner);
    if (owner.kind === "CronJob") w.cronJob = cronJobInfo(owner);
  }
  return w;
}

// ---------------------------------------------------------------------------------------
// Rollout

interface RevisionDraft {
  name: string;
  revision: number;
  revisionHash?: string;
  images: Record<string, string>;
  /** Desired replicas of the revision. */
  replicas: number;
  /** Pods the revision's controller still reports. */
  statusReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  createdAt?: string;
  current: boolean;
  pods: PodEvidence[];
  /** Warning events name the revision or its pods. */
  warned: boolean;
}

function imagesOf(podSpec: unknown): Record<string, string> {
  const images: Record<string, string> = {};
  for (const c of [...recs(at(podSpec, "initContainers")), ...recs(at(podSpec, "containers"))]) {
    const name = str(c.name);
    const image = str(c.image);
    if (name && image) images[name] = image;
  }
  return images;
}

/**
 * See the module comment. `previousOfCurrent` is the highest revision number below the
 * current one.
 */
function revisionHealthy(r: RevisionDraft, previousOfCurrent: number | undefined): boolean {
  const readyPods = r.pods.filter(podServing).length;
  const failingPods = r.pods.filter(podFailing).length;
  if (failingPods > 0) return false;
  if (r.readyReplicas > 0 || r.availableReplicas > 0 || readyPods > 0) return true;
  const scaledDown = r.replicas === 0 && r.statusReplicas === 0;
  return !r.current && scaledDown && r.revision === previousOfCurrent && !r.warned;
}

function finishRollout(
  workload: KubeObject,
  drafts: RevisionDraft[],
  progressDeadlineExceeded: boolean,
): RolloutEvidence {
  drafts.sort((a, b) => b.revision - a.revision || (b.createdAt ?? "").localeCompare(a.createdAt ?? ""));
  const current = drafts.find((d) => d.current);
  const previousOfCurrent = current
    ? drafts.filter((d) => !d.current && d.revision < current.revision).map((d) => d.revision)[0]
    : undefined;
  const revisions: RevisionEvidence[] = drafts.map((d) => {
    const r: RevisionEvidence = {
      name: d.name,
      revision: d.revision,
      images: d.images,
      replicas: d.replicas,
      readyReplicas: d.readyReplicas,
      availableReplicas: d.availableReplicas,
      current: d.current,
      readyPods: d.pods.filter(podServing).length,
      failingPods: d.pods.filter(podFailing).length,
      healthy: revisionHealthy(d, previousOfCurrent),
    };
    setIf(r, "revisionHash", d.revisionHash);
    setIf(r, "createdAt", d.createdAt);
    return r;
  });
  const rollout: RolloutEvidence = { workload: refOf(workload), revisions, progressDeadlineExceeded };
  setIf(
    rollout,
    "current",
    revisions.find((r) => r.current),
  );
  setIf(
    rollout,
    "lastHealthy",
    revisions.find((r) => !r.current && r.healthy),
  );
  return rollout;
}

function warnedNames(events: readonly KubeObject[]): Set<string> {
  const names = new Set<string>();
  for (const e of events) {
    if (str(e.type) !== "Warning") continue;
    const name = str(at(e.involvedObject ?? e.regarding, "name"));
    if (name) names.add(name);
  }
  return names;
}

function deploymentRollout(
  index: ObjectIndex,
  deployment: KubeObject,
  podsByHash: (hash: string | undefined, owner: string) => PodEvidence[],
  warned: Set<string>,
): RolloutEvidence {
  const replicaSets = index
    .ofKind("ReplicaSet", deployment.metadata.namespace)
    .filter((rs) => isOwnedBy(rs, deployment));
  const deploymentRevision = revisionNumber(deployment);
  const newest = Math.max(0, ...replicaSets.map((rs) => revisionNumber(rs) ?? 0));
  const currentRevision = deploymentRevision ?? newest;
  const drafts = replicaSets.map((rs): RevisionDraft => {
    const hash = labelsOf(rs)["pod-template-hash"];
    const revision = revisionNumber(rs) ?? 0;
    const pods = podsByHash(hash, rs.metadata.name);
    const d: RevisionDraft = {
      name: rs.metadata.name,
      revision,
      images: imagesOf(at(rs.spec, "template", "spec")),
      replicas: num(at(rs.spec, "replicas")) ?? num(at(rs.status, "replicas")) ?? 0,
      statusReplicas: num(at(rs.status, "replicas")) ?? 0,
      readyReplicas: num(at(rs.status, "readyReplicas")) ?? 0,
      availableReplicas: num(at(rs.status, "availableReplicas")) ?? 0,
      current: revision === currentRevision,
      pods,
      warned: warned.has(rs.metadata.name) || pods.some((p) => warned.has(p.name)),
    };
    setIf(d, "revisionHash", hash);
    setIf(d, "createdAt", str(rs.metadata.creationTimestamp));
    return d;
  });
  const progressing = conditionsOf(at(deployment.status, "conditions")).find((c) => c.type === "Progressing");
  return finishRollout(deployment, drafts, progressing?.reason === "ProgressDeadlineExceeded");
}

/** StatefulSets and DaemonSets: ControllerRevisions when present, else the StatefulSet's status. */
function controllerRevisionRollout(
  index: ObjectIndex,
  workload: KubeObject,
  podsByHash: (hash: string | undefined, owner: string) => PodEvidence[],
  warned: Set<string>,
): RolloutEvidence | undefined {
  const status = rec(workload.status);
  const updateRevision = str(status?.updateRevision);
  const currentRevision = str(status?.currentRevision);
  const crs = controllerRevisionsOf(index, workload);
  const newest = Math.max(0, ...crs.map((cr) => num(cr.revision) ?? 0));
  const draft = (
    name: string,
    revision: number,
    images: Record<string, string>,
    current: boolean,
  ): RevisionDraft => {
    const pods = podsByHash(name, "");
    const ready = pods.filter(podServing).length;
    return {
      name,
      revision,
      revisionHash: name,
      images,
      replicas: pods.length,
      statusReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      current,
      pods,
      warned: pods.some((p) => warned.has(p.name)),
    };
  };
  let drafts: RevisionDraft[];
  if (crs.length > 0) {
    drafts = crs.map((cr) => {
      const revision = num(cr.revision) ?? 0;
      const isCurrent = updateRevision ? cr.metadata.name === updateRevision : revision === newest;
      const d = draft(
        cr.metadata.name,
        revision,
        imagesOf(at(cr, "data", "spec", "template", "spec")),
        isCurrent,
      );
      setIf(d, "createdAt", str(cr.metadata.creationTimestamp));
      return d;
    });
  } else if (updateRevision) {
    // Without ControllerRevisions the numbers are unknown: 0. Only the update revision's images are known.
    drafts = [draft(updateRevision, 0, imagesOf(at(workload.spec, "template", "spec")), true)];
    if (currentRevision && currentRevision !== updateRevision)
      drafts.push(draft(currentRevision, 0, {}, false));
  } else {
    return undefined;
  }
  return finishRollout(workload, drafts, false);
}

// ---------------------------------------------------------------------------------------
// Events, config references, nodes, PVCs, HPAs, services, metrics, logs

const MAX_EVENTS = 200;
const MAX_PODS = 60;
const MAX_LOGS = 40;
const MAX_LIST = 60;
const MAX_SERIES = 100;
const MAX_VALUES = 500;

function eventEvidence(e: KubeObject): EventEvidence | undefined {
  // core/v1 Events and events.k8s.io/v1 Events.
  const involved = rec(e.involvedObject) ?? rec(e.regarding);
  const kind = str(involved?.kind);
  const name = str(involved?.name);
  if (!kind || !name) return undefined;
  const series = rec(e.series);
  const ev: EventEvidence = {
    type: str(e.type) ?? "Normal",
    reason: str(e.reason) ?? "",
    message: str(e.message) ?? str(e.note) ?? "",
    count: num(series?.count) ?? num(e.count) ?? num(e.deprecatedCount) ?? 1,
    involved: { kind, name },
  };
  setIf(
    ev.involved,
    "namespace",
    CLUSTER_SCOPED.has(kind) ? undefined : (str(involved?.namespace) ?? e.metadata.namespace),
  );
  setIf(ev.involved, "fieldPath", str(involved?.fieldPath));
  const first = str(e.firstTimestamp) ?? str(e.deprecatedFirstTimestamp) ?? str(e.eventTime);
  const last =
    str(e.lastTimestamp) ??
    str(series?.lastObservedTime) ??
    str(e.deprecatedLastTimestamp) ??
    str(e.eventTime) ??
    first;
  setIf(ev, "firstTimestamp", first);
  setIf(ev, "lastTimestamp", last);
  setIf(
    ev,
    "source",
    str(at(e.source, "component")) ?? str(e.reportingComponent) ?? str(e.reportingController),
  );
  return ev;
}

function selectEvents(
  index: ObjectIndex,
  related: Set<string>,
  namespace: string | undefined,
): EventEvidence[] {
  const all = index
    .ofKind("Event")
    .map(eventEvidence)
    .filter((e): e is EventEvidence => !!e);
  const isRelated = (e: EventEvidence): boolean => related.has(refKey(e.involved));
  const inNamespace = (e: EventEvidence): boolean =>
    namespace !== undefined && e.involved.namespace === namespace;
  const picked = all.filter(isRelated).slice(0, MAX_EVENTS);
  for (const e of [
    ...all.filter((e) => !isRelated(e) && inNamespace(e)),
    ...all.filter((e) => !isRelated(e) && !inNamespace(e)),
  ]) {
    if (picked.length >= MAX_EVENTS) break;
    picked.push(e);
  }
  return picked.sort((a, b) => (b.lastTimestamp ?? "").localeCompare(a.lastTimestamp ?? ""));
}

/** ConfigMaps every namespace has (published by the control plane); never "missing config". */
const IMPLICIT_CONFIGMAPS = new Set(["kube-root-ca.crt", "openshift-service-ca.crt"]);

function configRefsOfPodSpec(podSpec: unknown, namespace: string, index: ObjectIndex): ConfigRefEvidence[] {
  const out: ConfigRefEvidence[] = [];
  const add = (
    kind: ConfigRefEvidence["kind"],
    name: string | undefined,
    via: ConfigRefEvidence["via"],
    optional: unknown,
    extra: { key?: string; container?: string } = {},
  ): void => {
    if (!name || (kind === "ConfigMap" && IMPLICIT_CONFIGMAPS.has(name))) return;
    // Snapshots and partial sources often omit ConfigMaps/Secrets entirely: only a
    // namespace whose objects of that kind were returned can prove one missing.
    const checked = index.ofKind(kind, namespace).length > 0;
    const ref: ConfigRefEvidence = {
      kind,
      name,
      namespace,
      via,
      optional: optional === true,
      exists: checked ? !!index.get(kind, namespace, name) : true,
      checked,
    };
    setIf(ref, "key", extra.key);
    setIf(ref, "container", extra.container);
    out.push(ref);
  };
  const containers = [...recs(at(podSpec, "initContainers")), ...recs(at(podSpec, "containers"))];
  for (const c of containers) {
    const container = str(c.name);
    for (const env of recs(c.env)) {
      const cm = rec(at(env, "valueFrom", "configMapKeyRef"));
      const secret = rec(at(env, "valueFrom", "secretKeyRef"));
      if (cm) add("ConfigMap", str(cm.name), "env", cm.optional, { key: str(cm.key), container });
      if (secret)
        add("Secret", str(secret.name), "env", secret.optional, { key: str(secret.key), container });
    }
    for (const from of recs(c.envFrom)) {
      const cm = rec(from.configMapRef);
      const secret = rec(from.secretRef);
      if (cm) add("ConfigMap", str(cm.name), "envFrom", cm.optional, { container });
      if (secret) add("Secret", str(secret.name), "envFrom", secret.optional, { container });
    }
  }
  for (const v of recs(at(podSpec, "volumes"))) {
    const cm = rec(v.configMap);
    const secret = rec(v.secret);
    if (cm) add("ConfigMap", str(cm.name), "volume", cm.optional);
    if (secret) add("Secret", str(secret.secretName), "volume", secret.optional);
    for (const source of recs(at(v, "projected", "sources"))) {
      const pcm = rec(source.configMap);
      const psecret = rec(source.secret);
      if (pcm) add("ConfigMap", str(pcm.name), "projected", pcm.optional);
      if (psecret) add("Secret", str(psecret.name), "projected", psecret.optional);
    }
  }
  for (const s of recs(at(podSpec, "imagePullSecrets"))) add("Secret", str(s.name), "imagePullSecret", false);
  return out;
}

/** The items whose key was not seen before, in order. */
export function dedupe<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function nodeEvidence(node: KubeObject): NodeEvidence {
  const conditions = conditionsOf(at(node.status, "conditions"));
  const ready = conditions.find((c) => c.type === "Ready")?.status;
  return {
    name: node.metadata.name,
    ready: ready === "True" || ready === "False" ? ready : "Unknown",
    conditions,
    unschedulable: at(node.spec, "unschedulable") === true,
    taints: recs(at(node.spec, "taints")).map((t) => {
      const taint: NodeEvidence["taints"][number] = { key: str(t.key) ?? "", effect: str(t.effect) ?? "" };
      setIf(taint, "value", str(t.value));
      return taint;
    }),
    labels: labelsOf(node),
    allocatable: strMap(at(node.status, "allocatable")),
    capacity: strMap(at(node.status, "capacity")),
  };
}

function pvcEvidence(pvc: KubeObject, storageClasses: Set<string> | undefined): PvcEvidence {
  const ev: PvcEvidence = { ref: refOf(pvc), accessModes: strList(at(pvc.spec, "accessModes")) ?? [] };
  const className =
    str(at(pvc.spec, "storageClassName")) ??
    strMap(pvc.metadata.annotations)["volume.beta.kubernetes.io/storage-class"];
  setIf(ev, "phase", str(at(pvc.status, "phase")));
  setIf(ev, "storageClassName", className);
  setIf(ev, "requested", strMap(at(pvc.spec, "resources", "requests")).storage);
  setIf(ev, "capacity", strMap(at(pvc.status, "capacity")).storage);
  setIf(ev, "volumeName", str(at(pvc.spec, "volumeName")));
  if (storageClasses && className) ev.storageClassExists = storageClasses.has(className);
  return ev;
}

function quantityNumber(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v !== "string") return undefined;
  try {
    return parseQuantity(v);
  } catch {
    return undefined;
  }
}

/** A metric target or current value: utilisation percent when given, else the value. */
function metricValue(v: unknown): number | undefined {
  const r = rec(v);
  if (!r) return undefined;
  return num(r.averageUtilization) ?? quantityNumber(r.averageValue) ?? quantityNumber(r.value);
}

function hpaMetricName(m: Json, type: string): string {
  const source = rec(m[type.charAt(0).toLowerCase() + type.slice(1)]);
  return str(source?.name) ?? str(at(source, "metric", "name")) ?? type;
}

function hpaEvidence(hpa: KubeObject): HpaEvidence {
  const spec = rec(hpa.spec);
  const status = rec(hpa.status);
  const target = rec(spec?.scaleTargetRef);
  const ev: HpaEvidence = {
    ref: refOf(hpa),
    scaleTarget: {
      kind: str(target?.kind) ?? "Deployment",
      namespace: hpa.metadata.namespace,
      name: str(target?.name) ?? "",
    },
    maxReplicas: num(spec?.maxReplicas) ?? 0,
    conditions: conditionsOf(status?.conditions),
    metrics: [],
  };
  // Kubernetes defaults minReplicas to 1.
  ev.minReplicas = num(spec?.minReplicas) ?? 1;
  setIf(ev, "currentReplicas", num(status?.currentReplicas));
  setIf(ev, "desiredReplicas", num(status?.desiredReplicas));
  const current = recs(status?.currentMetrics);
  for (const m of recs(spec?.metrics)) {
    const type = str(m.type) ?? "Resource";
    const name = hpaMetricName(m, type);
    const now = current.find((c) => str(c.type) === type && hpaMetricName(c, type) === name);
    const key = type.charAt(0).toLowerCase() + type.slice(1);
    const metric: HpaEvidence["metrics"][number] = { name, type };
    setIf(metric, "target", metricValue(at(m, key, "target")));
    setIf(metric, "current", metricValue(at(now, key, "current")));
    ev.metrics.push(metric);
  }
  // autoscaling/v1
  const v1Target = num(spec?.targetCPUUtilizationPercentage);
  if (ev.metrics.length === 0 && v1Target !== undefined) {
    const metric: HpaEvidence["metrics"][number] = { name: "cpu", type: "Resource", target: v1Target };
    setIf(metric, "current", num(status?.currentCPUUtilizationPercentage));
    ev.metrics.push(metric);
  }
  return ev;
}

function endpointCounts(index: ObjectIndex, svc: KubeObject): ServiceEvidence["endpoints"] {
  const ns = svc.metadata.namespace;
  const endpoints = index.get("Endpoints", ns, svc.metadata.name);
  if (endpoints) {
    let ready = 0;
    let notReady = 0;
    for (const s of recs(endpoints.subsets)) {
      ready += recs(s.addresses).length;
      notReady += recs(s.notReadyAddresses).length;
    }
    return { ready, notReady };
  }
  const slices = index
    .ofKind("EndpointSlice", ns)
    .filter((s) => labelsOf(s)["kubernetes.io/service-name"] === svc.metadata.name);
  if (slices.length === 0) return undefined;
  let ready = 0;
  let notReady = 0;
  for (const slice of slices) {
    for (const e of recs(slice.endpoints)) {
      if (at(e, "conditions", "ready") === false) notReady++;
      else ready++;
    }
  }
  return { ready, notReady };
}

function serviceEvidence(
  index: ObjectIndex,
  svc: KubeObject,
  pods: readonly KubeObject[],
  workloads: readonly KubeObject[],
): ServiceEvidence {
  const selector = strMap(at(svc.spec, "selector"));
  const ns = svc.metadata.namespace;
  const selects = [
    ...pods.filter((p) => p.metadata.namespace === ns && plainSelectorMatches(selector, labelsOf(p))),
    ...workloads.filter(
      (w) => w.metadata.namespace === ns && plainSelectorMatches(selector, templateLabels(w)),
    ),
  ].map((o) => o.metadata.name);
  const ev: ServiceEvidence = {
    ref: refOf(svc),
    selector,
    ports: recs(at(svc.spec, "ports")).map((p) => {
      const port: ServiceEvidence["ports"][number] = { port: num(p.port) ?? 0 };
      setIf(port, "name", str(p.name));
      const targetPort = p.targetPort;
      if (typeof targetPort === "string" || typeof targetPort === "number") port.targetPort = targetPort;
      return port;
    }),
    selects: [...new Set(selects)],
  };
  setIf(ev, "endpoints", endpointCounts(index, svc));
  return ev;
}

const PROMQL_KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
  "and",
  "or",
  "unless",
  "atan2",
  "inf",
  "nan",
]);

/**
 * The metric a PromQL query reads: the first identifier that is not a function, keyword,
 * label name, string or number. Good enough to tell a memory query from a CPU one.
 */
export function metricNameOf(query: string): string | undefined {
  const stripped = query
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const token = /[A-Za-z_:][\w:]*|\d[\w.]*/g;
  for (let m = token.exec(stripped); m; m = token.exec(stripped)) {
    const word = m[0];
    if (/^\d/.test(word) || PROMQL_KEYWORDS.has(word.toLowerCase())) continue;
    const rest = stripped.slice(m.index + word.length);
    if (/^\s*\(/.test(rest)) continue; // a function call or aggregation
    return word;
  }
  return undefined;
}

function sampleValue(v: unknown): number | undefined {
  if (!Array.isArray(v)) return undefined;
  const n = Number(v[1]);
  return Number.isFinite(n) ? n : undefined;
}

function metricEvidence(record: MetricRecord): MetricEvidence {
  const series: MetricSeries[] = [];
  for (const r of (Array.isArray(record.result?.result) ? record.result.result : []).slice(0, MAX_SERIES)) {
    const s: MetricSeries = { labels: strMap(r.metric) };
    if (Array.isArray(r.values)) {
      const values: [number, number][] = [];
      for (const v of r.values.slice(-MAX_VALUES)) {
        const n = sampleValue(v);
        const t = Number(v[0]);
        if (n !== undefined && Number.isFinite(t)) values.push([t, n]);
      }
      s.values = values;
      setIf(s, "value", values[values.length - 1]?.[1]);
    } else {
      setIf(s, "value", sampleValue(r.value));
    }
    series.push(s);
  }
  const ev: MetricEvidence = {
    query: record.query,
    resultType: str(record.result?.resultType) ?? "unknown",
    series,
  };
  setIf(ev, "metric", metricNameOf(record.query));
  return ev;
}

function logEvidence(record: LogRecord): LogEvidence {
  const excerpt = excerptLog(typeof record.text === "string" ? record.text : "");
  return {
    namespace: record.namespace,
    pod: record.pod,
    container: record.container,
    previous: record.previous === true,
    ...excerpt,
  };
}

// ---------------------------------------------------------------------------------------
// Finding the subject's objects

const SUBJECT_WORKLOADS: readonly [keyof AlertSubject, string][] = [
  ["deployment", "Deployment"],
  ["statefulset", "StatefulSet"],
  ["daemonset", "DaemonSet"],
  ["job", "Job"],
  ["cronjob", "CronJob"],
];

function chainContains(chain: Chain, o: KubeObject): boolean {
  const key = objKey(o);
  return chain.refs.some((r) => refKey(r) === key);
}

/** The workload a vanished pod belonged to, from its name: its ReplicaSet, else the naming convention. */
function workloadOfMissingPod(
  index: ObjectIndex,
  namespace: string | undefined,
  pod: string,
): Chain | undefined {
  const rsName = pod.replace(/-[a-z0-9]{5}$/, "");
  const rs = rsName !== pod ? index.find("ReplicaSet", namespace, rsName) : undefined;
  if (rs) return chainFromWorkload(index, rs);
  const guess = workloadFromPodName(pod);
  const found = guess ? index.find(guess.kind, namespace, guess.name) : undefined;
  return found ? chainFromWorkload(index, found) : undefined;
}

function podMountsClaim(pod: KubeObject, claim: string): boolean {
  return recs(at(pod.spec, "volumes")).some((v) => at(v, "persistentVolumeClaim", "claimName") === claim);
}

/** The StatefulSet whose volumeClaimTemplates produce the claim `<template>-<sts>-<ordinal>`. */
function statefulSetOfClaim(
  index: ObjectIndex,
  namespace: string | undefined,
  claim: string,
): KubeObject | undefined {
  return index.ofKind("StatefulSet", namespace).find((sts) =>
    recs(at(sts.spec, "volumeClaimTemplates")).some((t) => {
      const template = str(at(t, "metadata", "name"));
      return (
        !!template && new RegExp(`^${escapeRegExp(`${template}-${sts.metadata.name}-`)}\\d+$`).test(claim)
      );
    }),
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The newest pod under a workload: it runs the revision being rolled out. */
function newestPodOf(chains: Map<KubeObject, Chain>, workload: KubeObject): KubeObject | undefined {
  return [...chains.entries()]
    .filter(([, c]) => chainContains(c, workload))
    .map(([p]) => p)
    .sort(byCreationDesc)[0];
}

interface Resolution {
  target: Target;
  gaps: EvidenceGap[];
}

function resolveTarget(
  index: ObjectIndex,
  subject: AlertSubject,
  alertedPods: readonly KubeObject[],
  chains: Map<KubeObject, Chain>,
): Resolution {
  const ns = subject.namespace;
  const gaps: EvidenceGap[] = [];
  const chainOf = (pod: KubeObject): Chain => chains.get(pod) ?? ownerChain(index, pod);

  for (const [field, kind] of SUBJECT_WORKLOADS) {
    const name = subject[field];
    if (typeof name !== "string") continue;
    const named = index.find(kind, ns, name);
    if (!named) {
      gaps.push({
        source: "cluster",
        reason: `${kind} ${ns ? `${ns}/` : ""}${name} named by the alert was not found`,
      });
      continue;
    }
    const pod = alertedPods.find((p) => chainContains(chainOf(p), named)) ?? newestPodOf(chains, named);
    const chain = pod ? chainOf(pod) : chainFromWorkload(index, named);
    const target = targetFromChain(chain);
    return { target: target.workload ? target : { chain, workload: named }, gaps };
  }

  const alerted = alertedPods[0];
  if (alerted) return { target: targetFromChain(chainOf(alerted)), gaps };

  if (subject.horizontalpodautoscaler) {
    const hpa = index.find("HorizontalPodAutoscaler", ns, subject.horizontalpodautoscaler);
    const ref = rec(at(hpa?.spec, "scaleTargetRef"));
    const scaled =
      hpa && ref ? index.get(str(ref.kind) ?? "", hpa.metadata.namespace, str(ref.name) ?? "") : undefined;
    if (scaled) {
      const pod = newestPodOf(chains, scaled);
      const chain = pod ? chainOf(pod) : chainFromWorkload(index, scaled);
      const target = targetFromChain(chain);
      return { target: target.workload ? target : { chain, workload: scaled }, gaps };
    }
    gaps.push({
      source: "cluster",
      reason: hpa
        ? `the scale target of HorizontalPodAutoscaler ${hpa.metadata.name} was not found`
        : `HorizontalPodAutoscaler ${subject.horizontalpodautoscaler} named by the alert was not found`,
    });
  }

  for (const pod of subject.pods) {
    const chain = workloadOfMissingPod(index, ns, pod);
    if (chain) return { target: targetFromChain(chain), gaps };
  }

  if (subject.persistentvolumeclaim) {
    const claim = subject.persistentvolumeclaim;
    const mounting = [...chains.keys()].find(
      (p) => (!ns || p.metadata.namespace === ns) && podMountsClaim(p, claim),
    );
    if (mounting) return { target: targetFromChain(chainOf(mounting)), gaps };
    const sts = statefulSetOfClaim(index, ns, claim);
    if (sts) return { target: targetFromChain(chainFromWorkload(index, sts)), gaps };
  }

  // Last resort, with no object to read (no cluster, or everything gone): Kubernetes'
  // pod naming still names the owner, so a change never targets a bare pod.
  for (const pod of subject.pods) {
    const guess = workloadFromPodName(pod);
    if (!guess) continue;
    gaps.push({ source: "cluster", reason: `${guess.kind} ${guess.name} inferred from the pod name ${pod}` });
    const ref: ObjectRef = { kind: guess.kind, ...(ns ? { namespace: ns } : {}), name: guess.name };
    return { target: { chain: { refs: [ref], objects: [] } }, gaps };
  }
  return { target: { chain: { refs: [], objects: [] } }, gaps };
}

function isNodeAlert(subject: AlertSubject): boolean {
  if (!subject.node) return false;
  if (/node/i.test(subject.alertname)) return true;
  const namesOther = SUBJECT_WORKLOADS.some(([f]) => subject[f] !== undefined);
  return (
    !namesOther &&
    subject.pods.length === 0 &&
    !subject.persistentvolumeclaim &&
    !subject.horizontalpodautoscaler
  );
}

function byCreationDesc(a: KubeObject, b: KubeObject): number {
  return (str(b.metadata.creationTimestamp) ?? "").localeCompare(str(a.metadata.creationTimestamp) ?? "");
}

// ---------------------------------------------------------------------------------------
// Extraction

/** Builds the Evidence of an incident from what a context source gathered. Never throws on bad objects. */
export function extractEvidence(
  subject: AlertSubject,
  bundle: ContextBundle,
  now: Date = new Date(),
): Evidence {
  const index = new ObjectIndex(Array.isArray(bundle.objects) ? bundle.objects : []);
  const ns = subject.namespace;
  const gaps: EvidenceGap[] = [...(bundle.gaps ?? [])];

  const allPods = index.ofKind("Pod");
  const chains = new Map<KubeObject, Chain>(allPods.map((p) => [p, ownerChain(index, p)]));

  const alertedPods: KubeObject[] = [];
  for (const name of subject.pods) {
    const pod = index.find("Pod", ns, name);
    if (pod) alertedPods.push(pod);
    else
      gaps.push({
        source: "cluster",
        reason: `pod ${ns ? `${ns}/` : ""}${name} named by the alert was not found (deleted or replaced)`,
      });
  }

  const resolution = resolveTarget(index, subject, alertedPods, chains);
  gaps.push(...resolution.gaps);
  const { chain, workload, owner } = resolution.target;

  // Pods: alerted, then the workload's (newest first), then those on an alerted node or mounting an alerted claim.
  const podObjects: KubeObject[] = [...alertedPods];
  if (workload) {
    const selector = at(workload.spec, "selector");
    const ofWorkload = allPods.filter((p) => {
      const c = chains.get(p);
      if (c && chainContains(c, workload)) return true;
      return (
        !controllerRef(p) &&
        p.metadata.namespace === workload.metadata.namespace &&
        selectorMatches(selector, labelsOf(p))
      );
    });
    podObjects.push(...ofWorkload.sort(byCreationDesc));
  }
  if (isNodeAlert(subject)) {
    podObjects.push(...allPods.filter((p) => at(p.spec, "nodeName") === subject.node).sort(byCreationDesc));
  }
  if (subject.persistentvolumeclaim) {
    const claim = subject.persistentvolumeclaim;
    podObjects.push(
      ...allPods.filter((p) => (!ns || p.metadata.namespace === ns) && podMountsClaim(p, claim)),
    );
  }
  const pods = dedupe(podObjects, objKey).slice(0, MAX_PODS);
  const alertedKeys = new Set(alertedPods.map(objKey));
  const podEvidences = pods.map((p) => podEvidence(p, alertedKeys.has(objKey(p))));
  if (
    subject.pods.length === 0 &&
    pods.length === 0 &&
    !workload &&
    !subject.node &&
    !subject.persistentvolumeclaim
  ) {
    gaps.push({
      source: "cluster",
      reason: "the alert names no pod, workload, node or claim that was found",
    });
  }

  // Workload and rollout.
  const events = index.ofKind("Event");
  const warned = warnedNames(events);
  const podByName = new Map(podEvidences.map((p) => [`${p.namespace}/${p.name}`, p]));
  const workloadPods = (hash: string | undefined, ownerName: string): PodEvidence[] =>
    podEvidences.filter(
      (p) =>
        p.namespace === workload?.metadata.namespace &&
        ((hash !== undefined && p.revisionHash === hash) ||
          (ownerName !== "" && p.owner?.name === ownerName)),
    );
  let rollout: RolloutEvidence | undefined;
  if (workload?.kind === "Deployment") rollout = deploymentRollout(index, workload, workloadPods, warned);
  else if (workload?.kind === "StatefulSet" || workload?.kind === "DaemonSet")
    rollout = controllerRevisionRollout(index, workload, workloadPods, warned);

  const workloadKey = workload ? objKey(workload) : undefined;
  const relatedObjects = ["Deployment", "StatefulSet", "DaemonSet"]
    .flatMap((kind) => index.ofKind(kind))
    .filter((o) => objKey(o) !== workloadKey)
    .slice(0, MAX_LIST);

  // Nodes: the alerted one, the pods' nodes, then every other node known.
  const nodeNames = dedupe(
    [
      subject.node,
      ...podEvidences.map((p) => p.nodeName),
      ...index.ofKind("Node").map((n) => n.metadata.name),
    ].filter((n): n is string => !!n),
    (n) => n,
  );
  const nodes = nodeNames
    .map((n) => index.get("Node", undefined, n))
    .filter((n): n is KubeObject => !!n)
    .slice(0, MAX_LIST)
    .map(nodeEvidence);

  // PVCs: of the subject's namespace, and any claim the pods mount.
  const storageClassObjects = index.ofKind("StorageClass");
  const storageClasses =
    storageClassObjects.length > 0 ? new Set(storageClassObjects.map((s) => s.metadata.name)) : undefined;
  const mountedClaims = podEvidences.flatMap((p) =>
    p.volumes
      .filter((v) => v.type === "persistentVolumeClaim" && v.refName)
      .map((v) => keyOf("PersistentVolumeClaim", p.namespace, v.refName ?? "")),
  );
  const pvcObjects = index
    .ofKind("PersistentVolumeClaim")
    .filter((c) => ns === undefined || c.metadata.namespace === ns || mountedClaims.includes(objKey(c)));
  if (
    subject.persistentvolumeclaim &&
    !index.find("PersistentVolumeClaim", ns, subject.persistentvolumeclaim)
  ) {
    gaps.push({
      source: "cluster",
      reason: `PersistentVolumeClaim ${subject.persistentvolumeclaim} named by the alert was not found`,
    });
  }
  const pvcs = pvcObjects.slice(0, MAX_LIST).map((c) => pvcEvidence(c, storageClasses));

  const hpaObjects = index
    .ofKind("HorizontalPodAutoscaler")
    .filter((h) => ns === undefined || h.metadata.namespace === ns)
    .slice(0, MAX_LIST);
  const hpas = hpaObjects.map(hpaEvidence);

  const serviceObjects = [...index.ofKind("Service")]
    .sort((a, b) => Number(b.metadata.namespace === ns) - Number(a.metadata.namespace === ns))
    .slice(0, MAX_LIST);
  const workloadObjects = workload ? [workload, ...relatedObjects] : relatedObjects;
  const services = serviceObjects.map((s) => serviceEvidence(index, s, pods, workloadObjects));

  // Config references of every pod and of the workload template.
  const configRefs = dedupe(
    [
      ...pods.flatMap((p) => configRefsOfPodSpec(p.spec, p.metadata.namespace ?? "", index)),
      ...(workload
        ? configRefsOfPodSpec(podSpecOfWorkload(workload), workload.metadata.namespace ?? "", index)
        : []),
    ],
    (r) => [r.kind, r.namespace, r.name, r.key ?? "", r.via, r.container ?? ""].join("|"),
  ).slice(0, 200);

  // Events about anything in the evidence first, then the rest of the namespace.
  const related = new Set<string>([
    ...pods.map(objKey),
    ...chain.refs.map(refKey),
    ...(workload ? [objKey(workload)] : []),
    ...(owner ? [objKey(owner)] : []),
    ...(rollout
      ? rollout.revisions.map((r) => keyOf("ReplicaSet", rollout?.workload.namespace, r.name))
      : []),
    ...nodeNames.map((n) => keyOf("Node", undefined, n)),
    ...(subject.node ? [keyOf("Node", undefined, subject.node)] : []),
    ...pvcs.map((p) => refKey(p.ref)),
    ...hpas.map((h) => refKey(h.ref)),
    ...services.map((s) => refKey(s.ref)),
    ...relatedObjects.map(objKey),
    ...subject.pods.map((p) => keyOf("Pod", ns, p)),
  ]);
  if (owner?.kind === "CronJob") {
    for (const job of index.ofKind("Job", owner.metadata.namespace).filter((j) => isOwnedBy(j, owner)))
      related.add(objKey(job));
  }

  // Logs: the evidence pods' first (alerted first), then the rest the source gathered.
  const logs = [...(bundle.logs ?? [])]
    .map((l, i) => ({ l, i, rank: rankLog(l, podByName, subject) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .slice(0, MAX_LOGS)
    .map(({ l }) => logEvidence(l));

  const evidence: Evidence = {
    collectedAt: now.toISOString(),
    subject,
    pods: podEvidences,
    ownerChain: chain.refs,
    relatedWorkloads: relatedObjects.map((o) => workloadEvidence(index, o)),
    events: selectEvents(index, related, ns),
    logs,
    configRefs,
    nodes,
    pvcs,
    hpas,
    services,
    metrics: (bundle.metrics ?? []).map(metricEvidence),
    gaps,
  };
  if (workload) evidence.workload = workloadEvidence(index, workload, owner);
  if (rollout) evidence.rollout = rollout;
  return evidence;
}

function rankLog(l: LogRecord, pods: Map<string, PodEvidence>, subject: AlertSubject): number {
  const pod = pods.get(`${l.namespace}/${l.pod}`);
  if (pod?.alerted || subject.pods.includes(l.pod)) return 0;
  if (pod) return 1;
  if (l.namespace === subject.namespace) return 2;
  return 3;
}

/**
 * Evidence: the facts gathered about an incident, in a shape the analyzers can read
 * without knowing Kubernetes' JSON. Produced by context/evidence.ts from a
 * ContextBundle; stored with the incident and shown by the API.
 *
 * Quantities are kept as Kubernetes strings ("512Mi", "250m") as the object says;
 * core/quantity.ts converts them.
 */

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

/** What the alert is about, read from its labels (kubernetes-mixin and kube-state-metrics names). */
export interface AlertSubject {
  alertname: string;
  severity?: string;
  namespace?: string;
  pod?: string;
  container?: string;
  deployment?: string;
  statefulset?: string;
  daemonset?: string;
  job?: string;
  cronjob?: string;
  node?: string;
  persistentvolumeclaim?: string;
  horizontalpodautoscaler?: string;
  /** All pods named by the incident's alerts (several alerts can correlate into one incident). */
  pods: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface Termination {
  reason?: string;
  exitCode?: number;
  signal?: number;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface ProbeEvidence {
  handler: "httpGet" | "tcpSocket" | "exec" | "grpc" | "unknown";
  path?: string;
  port?: string | number;
  command?: string[];
  /** Kubernetes defaults applied where the spec omits a field. */
  initialDelaySeconds: number;
  timeoutSeconds: number;
  periodSeconds: number;
  failureThreshold: number;
  successThreshold: number;
}

export interface ResourcesEvidence {
  requests: Record<string, string>;
  limits: Record<string, string>;
}

/** A container as its spec declares it (pod spec or workload template). */
export interface ContainerSpecEvidence {
  name: string;
  init: boolean;
  image?: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  resources: ResourcesEvidence;
  probes: { liveness?: ProbeEvidence; readiness?: ProbeEvidence; startup?: ProbeEvidence };
}

/** A container of a pod: its spec plus its status. */
export interface ContainerEvidence extends ContainerSpecEvidence {
  imageID?: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state: "running" | "waiting" | "terminated" | "unknown";
  waitingReason?: string;
  waitingMessage?: string;
  /** The current state when it is terminated. */
  terminated?: Termination;
  lastTermination?: Termination;
}

export interface PodEvidence {
  name: string;
  namespace: string;
  phase?: string;
  reason?: string;
  message?: string;
  nodeName?: string;
  createdAt?: string;
  startTime?: string;
  deleting: boolean;
  /** Named by one of the incident's alerts. */
  alerted: boolean;
  /** The controlling owner (ReplicaSet, StatefulSet, Job, ...). */
  owner?: ObjectRef;
  /** pod-template-hash or controller-revision-hash: which revision the pod runs. */
  revisionHash?: string;
  qosClass?: string;
  conditions: Condition[];
  containers: ContainerEvidence[];
  nodeSelector: Record<string, string>;
  hasAffinity: boolean;
  topologySpread: { maxSkew: number; topologyKey: string; whenUnsatisfiable: string }[];
  volumes: VolumeEvidence[];
}

export interface VolumeEvidence {
  name: string;
  type: string;
  /** For configMap, secret and persistentVolumeClaim volumes. */
  refName?: string;
  server?: string;
  path?: string;
}

export interface JobStatusEvidence {
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  completions?: number;
  parallelism?: number;
  active: number;
  succeeded: number;
  failed: number;
  startTime?: string;
  completionTime?: string;
}

/** The owning workload (Deployment, StatefulSet, DaemonSet, Job, CronJob). */
export interface WorkloadEvidence {
  ref: ObjectRef;
  uid?: string;
  /** Desired replicas from the spec (Deployment, StatefulSet). */
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  updatedReplicas?: number;
  unavailableReplicas?: number;
  /** deployment.kubernetes.io/revision or the StatefulSet's current revision number. */
  revision?: number;
  generation?: number;
  observedGeneration?: number;
  createdAt?: string;
  conditions: Condition[];
  containers: ContainerSpecEvidence[];
  selector?: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  job?: JobStatusEvidence;
  cronJob?: { schedule?: string; suspend?: boolean; lastScheduleTime?: string };
  /** The workload that owns this one (a CronJob for a Job). */
  owner?: ObjectRef;
}

/** One revision of a workload: a ReplicaSet of a Deployment, or a ControllerRevision. */
export interface RevisionEvidence {
  name: string;
  revision: number;
  revisionHash?: string;
  images: Record<string, string>;
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  createdAt?: string;
  /** The revision the workload currently rolls out. */
  current: boolean;
  /** Pods of this revision that are running and ready (from pod status where known). */
  readyPods: number;
  /** Pods of this revision that are crashing, waiting in error, or not ready. */
  failingPods: number;
  /** The revision was healthy: it has or had ready, available pods and none failing. */
  healthy: boolean;
}

export interface RolloutEvidence {
  workload: ObjectRef;
  revisions: RevisionEvidence[];
  current?: RevisionEvidence;
  /** The newest revision other than the current one that is healthy. */
  lastHealthy?: RevisionEvidence;
  progressDeadlineExceeded: boolean;
}

export interface EventEvidence {
  type: string;
  reason: string;
  message: string;
  count: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  involved: ObjectRef & { fieldPath?: string };
  source?: string;
}

export interface LogEvidence {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
  /** Total lines in the source text before bounding. */
  totalLines: number;
  /** Lines that look like errors (exceptions, panics, fatal, refused...), in order, bounded. */
  errorLines: string[];
  /** The last lines of the log, bounded. */
  tail: string[];
  truncated: boolean;
}

export interface ConfigRefEvidence {
  kind: "ConfigMap" | "Secret";
  name: string;
  namespace: string;
  key?: string;
  via: "env" | "envFrom" | "volume" | "projected" | "imagePullSecret";
  container?: string;
  optional: boolean;
  /** Whether the object exists (never its values). */
  exists: boolean;
  /**
   * false when the source returned no object of this kind in the namespace, so existence
   * was not checked; `exists` is then true, since an unlisted object is not a missing one.
   */
  checked?: boolean;
}

export interface NodeEvidence {
  name: string;
  ready: "True" | "False" | "Unknown";
  conditions: Condition[];
  unschedulable: boolean;
  taints: { key: string; value?: string; effect: string }[];
  labels: Record<string, string>;
  allocatable: Record<string, string>;
  capacity: Record<string, string>;
}

export interface PvcEvidence {
  ref: ObjectRef;
  phase?: string;
  storageClassName?: string;
  requested?: string;
  capacity?: string;
  accessModes: string[];
  volumeName?: string;
  /** Whether the StorageClass was found where the source knows the StorageClasses; undefined when unknown. */
  storageClassExists?: boolean;
}

export interface HpaEvidence {
  ref: ObjectRef;
  scaleTarget: ObjectRef;
  minReplicas?: number;
  maxReplicas: number;
  currentReplicas?: number;
  desiredReplicas?: number;
  conditions: Condition[];
  /** Current and target metric values, e.g. cpu utilisation 131 vs target 75. */
  metrics: { name: string; current?: number; target?: number; type: string }[];
}

export interface ServiceEvidence {
  ref: ObjectRef;
  selector: Record<string, string>;
  ports: { name?: string; port: number; targetPort?: string | number }[];
  /** From the Endpoints object; undefined when no Endpoints object was found. */
  endpoints?: { ready: number; notReady: number };
  /** Pods or workloads in the evidence that the selector matches. */
  selects: string[];
}

export interface MetricSeries {
  labels: Record<string, string>;
  /** Instant value (vector) or the last value (matrix). */
  value?: number;
  /** Range values for a matrix result. */
  values?: [number, number][];
}

export interface MetricEvidence {
  query: string;
  /** The main metric the query reads (first identifier that looks like a metric name). */
  metric?: string;
  resultType: string;
  series: MetricSeries[];
}

export interface EvidenceGap {
  source: string;
  reason: string;
}

export interface Evidence {
  collectedAt: string;
  subject: AlertSubject;
  pods: PodEvidence[];
  /** Owner chain from pod to top (ReplicaSet, Deployment...; Job, CronJob). */
  ownerChain: ObjectRef[];
  /** The top-level owning workload, when one was found. */
  workload?: WorkloadEvidence;
  /** Other workloads in the snapshot (dependencies, e.g. a database scaled to zero). */
  relatedWorkloads: WorkloadEvidence[];
  rollout?: RolloutEvidence;
  events: EventEvidence[];
  logs: LogEvidence[];
  configRefs: ConfigRefEvidence[];
  nodes: NodeEvidence[];
  pvcs: PvcEvidence[];
  hpas: HpaEvidence[];
  services: ServiceEvidence[];
  metrics: MetricEvidence[];
  gaps: EvidenceGap[];
}

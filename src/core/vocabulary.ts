/**
 * The closed vocabulary of diagnoses and remediations (see the RCA benchmark README).
 * Everything the system concludes or proposes is one of these values.
 */

export const Category = {
  OomKilled: "oom_killed",
  CrashLoopAppError: "crash_loop_app_error",
  MissingConfig: "missing_config",
  ImagePullError: "image_pull_error",
  InsufficientResources: "insufficient_resources",
  UnschedulableConstraints: "unschedulable_constraints",
  VolumeError: "volume_error",
  LivenessProbeFailure: "liveness_probe_failure",
  ReadinessProbeFailure: "readiness_probe_failure",
  CpuThrottling: "cpu_throttling",
  DiskFilling: "disk_filling",
  NodeNotReady: "node_not_ready",
  BadRollout: "bad_rollout",
  DependencyUnavailable: "dependency_unavailable",
  HpaMaxedOut: "hpa_maxed_out",
  JobFailed: "job_failed",
  Evicted: "evicted",
  InitContainerFailure: "init_container_failure",
  Unknown: "unknown",
} as const;
export type Category = (typeof Category)[keyof typeof Category];
export const CATEGORIES = Object.values(Category) as readonly Category[];

export const Action = {
  IncreaseMemoryLimit: "increase_memory_limit",
  IncreaseCpuLimit: "increase_cpu_limit",
  Rollback: "rollback",
  AdjustProbe: "adjust_probe",
  Scale: "scale",
  IncreaseHpaMax: "increase_hpa_max",
  ExpandPvc: "expand_pvc",
  Restart: "restart",
  Manual: "manual",
} as const;
export type Action = (typeof Action)[keyof typeof Action];
export const ACTIONS = Object.values(Action) as readonly Action[];

export function isCategory(value: unknown): value is Category {
  return typeof value === "string" && (CATEGORIES as readonly string[]).includes(value);
}

export function isAction(value: unknown): value is Action {
  return typeof value === "string" && (ACTIONS as readonly string[]).includes(value);
}

/** Kinds a remediation may target: never a bare Pod. */
export const TargetKind = {
  Deployment: "Deployment",
  StatefulSet: "StatefulSet",
  DaemonSet: "DaemonSet",
  Job: "Job",
  CronJob: "CronJob",
  HorizontalPodAutoscaler: "HorizontalPodAutoscaler",
  PersistentVolumeClaim: "PersistentVolumeClaim",
  Node: "Node",
} as const;
export type TargetKind = (typeof TargetKind)[keyof typeof TargetKind];

export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export const RiskLevel = { Low: "low", Medium: "medium", High: "high" } as const;
export type RiskLevel = (typeof RiskLevel)[keyof typeof RiskLevel];

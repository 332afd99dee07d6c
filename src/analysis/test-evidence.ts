/**
 * Builders of minimal valid Evidence for tests: every field present, overridable.
 * Only tests import this module.
 */
import type {
  ContainerEvidence,
  EventEvidence,
  Evidence,
  LogEvidence,
  MetricEvidence,
  PodEvidence,
  ProbeEvidence,
  RevisionEvidence,
  RolloutEvidence,
  WorkloadEvidence,
} from "../core/evidence.js";

export const NS = "shop";

export function probe(overrides: Partial<ProbeEvidence> = {}): ProbeEvidence {
  return {
    handler: "httpGet",
    path: "/healthz",
    port: 8080,
    initialDelaySeconds: 0,
    timeoutSeconds: 1,
    periodSeconds: 10,
    failureThreshold: 3,
    successThreshold: 1,
    ...overrides,
  };
}

export function container(overrides: Partial<ContainerEvidence> = {}): ContainerEvidence {
  return {
    name: "app",
    init: false,
    image: "registry.example/app:1.0.0",
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    probes: {},
    ready: true,
    restartCount: 0,
    state: "running",
    ...overrides,
  };
}

export function pod(overrides: Partial<PodEvidence> = {}): PodEvidence {
  return {
    name: "app-6b8f5d7c9d-abcde",
    namespace: NS,
    phase: "Running",
    nodeName: "node-1",
    deleting: false,
    alerted: true,
    owner: { kind: "ReplicaSet", namespace: NS, name: "app-6b8f5d7c9d" },
    revisionHash: "6b8f5d7c9d",
    conditions: [],
    containers: [container()],
    nodeSelector: {},
    hasAffinity: false,
    topologySpread: [],
    volumes: [],
    ...overrides,
  };
}

export function workload(overrides: Partial<WorkloadEvidence> = {}): WorkloadEvidence {
  return {
    ref: { kind: "Deployment", namespace: NS, name: "app" },
    replicas: 3,
    readyReplicas: 3,
    conditions: [],
    containers: [container()],
    labels: {},
    annotations: {},
    ...overrides,
  };
}

export function event(
  overrides: Partial<EventEvidence> & { reason: string; message: string },
): EventEvidence {
  return {
    type: "Warning",
    count: 1,
    involved: { kind: "Pod", namespace: NS, name: "app-6b8f5d7c9d-abcde" },
    ...overrides,
  };
}

export function log(text: string, overrides: Partial<LogEvidence> = {}): LogEvidence {
  const lines = text.split("\n");
  return {
    namespace: NS,
    pod: "app-6b8f5d7c9d-abcde",
    container: "app",
    previous: true,
    totalLines: lines.length,
    errorLines: [],
    tail: lines,
    truncated: false,
    ...overrides,
  };
}

export function metric(
  query: string,
  values: { labels?: Record<string, string>; value: number }[],
): MetricEvidence {
  return {
    query,
    resultType: "vector",
    series: values.map((v) => ({ labels: v.labels ?? {}, value: v.value })),
  };
}

export function revision(overrides: Partial<RevisionEvidence> & { revision: number }): RevisionEvidence {
  return {
    name: `app-rev${overrides.revision}`,
    images: { app: `registry.example/app:${overrides.revision}` },
    replicas: 1,
    readyReplicas: 1,
    availableReplicas: 1,
    current: false,
    readyPods: 1,
    failingPods: 0,
    healthy: true,
    ...overrides,
  };
}

/** The rollout of Deployment `app`: the current revision and, where one is, the last healthy one. */
export function rollout(
  current: RevisionEvidence,
  lastHealthy?: RevisionEvidence,
  overrides: Partial<RolloutEvidence> = {},
): RolloutEvidence {
  return {
    workload: { kind: "Deployment", namespace: NS, name: "app" },
    revisions: lastHealthy ? [current, lastHealthy] : [current],
    current,
    ...(lastHealthy ? { lastHealthy } : {}),
    progressDeadlineExceeded: false,
    ...overrides,
  };
}

export function evidence(overrides: Partial<Evidence> = {}): Evidence {
  return {
    collectedAt: "2026-03-14T10:45:00.000Z",
    subject: {
      alertname: "KubePodCrashLooping",
      namespace: NS,
      pod: "app-6b8f5d7c9d-abcde",
      container: "app",
      pods: ["app-6b8f5d7c9d-abcde"],
      labels: {},
      annotations: {},
    },
    pods: [pod()],
    ownerChain: [
      { kind: "ReplicaSet", namespace: NS, name: "app-6b8f5d7c9d" },
      { kind: "Deployment", namespace: NS, name: "app" },
    ],
    workload: workload(),
    relatedWorkloads: [],
    events: [],
    logs: [],
    configRefs: [],
    nodes: [],
    pvcs: [],
    hpas: [],
    services: [],
    metrics: [],
    gaps: [],
    ...overrides,
  };
}

/** A crash-looping main container with the given last termination. */
export function crashing(
  termination: ContainerEvidence["lastTermination"],
  overrides: Partial<ContainerEvidence> = {},
): ContainerEvidence {
  return container({
    ready: false,
    state: "waiting",
    waitingReason: "CrashLoopBackOff",
    restartCount: 7,
    ...(termination ? { lastTermination: termination } : {}),
    ...overrides,
  });
}

/** The app crash-loops on a refused connection to the StatefulSet `db`, scaled to zero from 2. */
export function dependencyScaledToZero(): Evidence {
  return evidence({
    pods: [pod({ containers: [crashing({ reason: "Error", exitCode: 1 })] })],
    logs: [
      log("ConnectionRefusedError: [Errno 111] Connect call failed ('10.0.0.5', 5432) connecting to db:5432"),
    ],
    relatedWorkloads: [
      workload({
        ref: { kind: "StatefulSet", namespace: NS, name: "db" },
        replicas: 0,
        readyReplicas: 0,
        annotations: { "downscaler/original-replicas": "2" },
      }),
    ],
  });
}

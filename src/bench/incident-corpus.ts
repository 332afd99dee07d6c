/**
 * Synthetic incident signatures for the memory benchmark, in the format of
 * memory/signature.ts (`<section>: <fact>` lines, masked, sorted by section). Incidents come
 * from "apps" (a stack of log components that stays with an app) failing in one of the
 * failure modes below; each incident varies the ingredients of its mode (exit code, which
 * events, probes and log lines appear), so the same app failing the same way again gives the
 * same or a near-identical signature, as real recurring incidents do, and different apps or
 * modes give different ones. Deterministic for a seed.
 */
import type { Action, Category } from "../core/vocabulary.js";
import { SECTIONS } from "../memory/signature.js";
import type { MemoryRecord, Outcome } from "../memory/vector-store.js";

/** A deterministic pseudo-random generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(next: Rng, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
const chance = (next: Rng, p: number): boolean => next() < p;

interface Mode {
  category: Category;
  action: Action;
  alerts: readonly string[][];
  workloads: readonly string[];
  /** Line groups: one line of each group is always present. */
  always: readonly (readonly string[])[];
  /** Lines that each appear with probability 1/2. */
  sometimes: readonly string[];
  /** Log phrases of this failure mode (the app's components are prefixed). */
  logs: readonly string[];
}

const BACKOFF = "event: warning backoff: back-off restarting failed container <name> in pod <name>(<uuid>)";
const NOT_READY = [
  "pod-condition: containersready=false containersnotready: containers with unready status: [<name>]",
  "pod-condition: ready=false containersnotready: containers with unready status: [<name>]",
];
const MIN_AVAILABLE =
  "workload-condition: available=false minimumreplicasunavailable: deployment does not have minimum availability.";
const CRASHLOOP_ALERT = ["alert: kubepodcrashlooping", "alert: reason=crashloopbackoff"];

const MODES: readonly Mode[] = [
  {
    category: "oom_killed",
    action: "increase_memory_limit",
    alerts: [CRASHLOOP_ALERT, ["alert: kubecontaineroomkilled"], ["alert: podoomkilled"]],
    workloads: ["deployment", "statefulset"],
    always: [["last-terminated: oomkilled exit=137", "terminated: oomkilled exit=137"]],
    sometimes: ["waiting: crashloopbackoff", "container: restarting", BACKOFF, ...NOT_READY],
    logs: [
      "java.lang.outofmemoryerror: java heap space",
      "java.lang.outofmemoryerror: gc overhead limit exceeded",
      "fatal error: runtime: out of memory",
      "fatal error: javascript heap out of memory",
      "memoryerror: unable to allocate <n> mib for an array",
      "allocation failed - reached heap limit",
    ],
  },
  {
    category: "crash_loop_app_error",
    action: "manual",
    alerts: [CRASHLOOP_ALERT, ["alert: kubepodcrashlooping"]],
    workloads: ["deployment", "statefulset", "daemonset"],
    always: [
      [
        "last-terminated: error exit=1",
        "last-terminated: error exit=2",
        "last-terminated: error exit=3",
        "last-terminated: error exit=127",
        "last-terminated: error exit=139",
        "last-terminated: error exit=255",
      ],
      ["waiting: crashloopbackoff"],
    ],
    sometimes: ["container: restarting", BACKOFF, ...NOT_READY, MIN_AVAILABLE],
    logs: [
      "panic: runtime error: invalid memory address or nil pointer dereference",
      "caused by: java.lang.nullpointerexception: cannot invoke <q> because <q> is null",
      "typeerror: cannot read properties of undefined (reading <q>)",
      "flag provided but not defined: -listen-addr",
      "unhandled exception: system.invalidoperationexception: sequence contains no elements",
      "traceback (most recent call last): keyerror: <q>",
      "application run failed",
      "error starting applicationcontext",
      "segmentation fault (core dumped)",
      "failed to parse configuration: yaml: line <n>: did not find expected key",
    ],
  },
  {
    category: "missing_config",
    action: "manual",
    alerts: [["alert: kubecontainerwaiting"], ["alert: kubepodnotready"]],
    workloads: ["deployment", "statefulset"],
    always: [
      [
        "waiting: createcontainerconfigerror: secret <q> not found",
        "waiting: createcontainerconfigerror: configmap <q> not found",
        "waiting: createcontainerconfigerror: couldn't find key <name> in secret <name>/<name>",
      ],
      [
        "config: missing secret via env key",
        "config: missing configmap via env",
        "config: missing secret via volume",
        "config: missing configmap via volume",
      ],
    ],
    sometimes: [
      "waiting: createcontainerconfigerror",
      "event: warning failed: error: secret <q> not found",
      "event: warning failed: error: configmap <q> not found",
      ...NOT_READY,
      MIN_AVAILABLE,
    ],
    logs: [],
  },
  {
    category: "image_pull_error",
    action: "rollback",
    alerts: [["alert: kubecontainerwaiting"], ["alert: kubepodnotready"], ["alert: imagepullbackoff"]],
    workloads: ["deployment", "statefulset", "daemonset", "cronjob"],
    always: [["waiting: imagepullbackoff", "waiting: errimagepull"]],
    sometimes: [
      "event: warning failed: failed to pull image <q>: rpc error: code = notfound desc = failed to pull and unpack image <q>: not found",
      "event: warning failed: failed to pull image <q>: rpc error: code = unknown desc = <host>/<v>: unauthorized: authentication required",
      "event: warning failed: error: imagepullbackoff",
      "event: normal backoff: back-off pulling image <q>",
      "waiting: imagepullbackoff: back-off pulling image <q>",
      ...NOT_READY,
    ],
    logs: [],
  },
  {
    category: "insufficient_resources",
    action: "manual",
    alerts: [["alert: kubepodnotready"], ["alert: kubepodpending"]],
    workloads: ["deployment", "statefulset", "job"],
    always: [
      ["pod: phase=pending"],
      [
        "pod-condition: podscheduled=false unschedulable: <n>/<n> nodes are available: <n> insufficient cpu.",
        "pod-condition: podscheduled=false unschedulable: <n>/<n> nodes are available: <n> insufficient memory.",
        "pod-condition: podscheduled=false unschedulable: <n>/<n> nodes are available: <n> insufficient nvidia.com/gpu.",
      ],
    ],
    sometimes: [
      "event: warning failedscheduling: <n>/<n> nodes are available: <n> insufficient cpu. preemption: <n>/<n> nodes are available",
      "event: warning failedscheduling: <n>/<n> nodes are available: <n> insufficient memory. preemption: <n>/<n> nodes are available",
      "event: normal notriggerscaleup: pod didn't trigger scale-up: <n> max node group size reached",
      MIN_AVAILABLE,
    ],
    logs: [],
  },
  {
    category: "unschedulable_constraints",
    action: "manual",
    alerts: [["alert: kubepodnotready"], ["alert: kubepodpending"]],
    workloads: ["deployment", "statefulset", "daemonset"],
    always: [
      ["pod: phase=pending"],
      [
        "pod-condition: podscheduled=false unschedulable: <n>/<n> nodes are available: <n> node(s) didn't match pod's node affinity/selector.",
        "pod-condition: podscheduled=false unschedulable: <n>/<n> nodes are available: <n> node(s) had untolerated taint {dedicated: <name>}.",
        "pod-condition: podscheduled=false unschedulable: <n>/<n> nodes are available: <n> node(s) didn't match pod topology spread constraints.",
      ],
    ],
    sometimes: [
      "event: warning failedscheduling: <n>/<n> nodes are available: <n> node(s) didn't match pod's node affinity/selector.",
      "event: warning failedscheduling: <n>/<n> nodes are available: <n> node(s) had volume node affinity conflict.",
      MIN_AVAILABLE,
    ],
    logs: [],
  },
  {
    category: "volume_error",
    action: "manual",
    alerts: [["alert: kubepodnotready"], ["alert: kubecontainerwaiting"]],
    workloads: ["statefulset", "deployment"],
    always: [
      [
        "event: warning failedmount: mountvolume.setup failed for volume <q> : nfs: mount failed: exit status <n>",
        "event: warning failedattachvolume: attachvolume.attach failed for volume <q> : rpc error: code = deadlineexceeded",
        "event: warning failedmount: unable to attach or mount volumes: unmounted volumes=[<name>]: timed out waiting for the condition",
      ],
    ],
    sometimes: [
      "pod: phase=pending",
      "waiting: containercreating",
      "pvc: phase=pending",
      "pvc: storageclass-missing",
      "event: warning provisioningfailed: storageclass.storage.k8s.io <q> not found",
      ...NOT_READY,
    ],
    logs: [],
  },
  {
    category: "liveness_probe_failure",
    action: "adjust_probe",
    alerts: [CRASHLOOP_ALERT, ["alert: kubepodcrashlooping"], ["alert: kubecontainerrestarting"]],
    workloads: ["deployment", "statefulset"],
    always: [
      ["probe: liveness failed"],
      [
        "event: warning unhealthy: liveness probe failed: http probe failed with statuscode: <n>",
        "event: warning unhealthy: liveness probe failed: get <q>: context deadline exceeded (client.timeout exceeded while awaiting headers)",
        "event: warning unhealthy: liveness probe failed: dial tcp <ip>: connect: connection refused",
      ],
    ],
    sometimes: [
      "last-terminated: error exit=137",
      "last-terminated: error exit=143",
      "event: normal killing: container <name> failed liveness probe, will be restarted",
      "container: restarting",
      "waiting: crashloopbackoff",
      BACKOFF,
    ],
    logs: [
      "slow startup: warming caches",
      "gc pause exceeded <n>ms",
      "request handler blocked for <n>ms",
      "health endpoint timed out",
    ],
  },
  {
    category: "readiness_probe_failure",
    action: "adjust_probe",
    alerts: [["alert: kubedeploymentreplicasmismatch"], ["alert: kubepodnotready"]],
    workloads: ["deployment", "statefulset"],
    always: [
      ["probe: readiness failed"],
      [
        "event: warning unhealthy: readiness probe failed: http probe failed with statuscode: <n>",
        "event: warning unhealthy: readiness probe failed: get <q>: context deadline exceeded (client.timeout exceeded while awaiting headers)",
      ],
    ],
    sometimes: ["container: running-not-ready", "workload: no-ready-replicas", ...NOT_READY, MIN_AVAILABLE],
    logs: ["readiness check failed: dependency <q> not ready", "warming up: <n>% of cache loaded"],
  },
  {
    category: "cpu_throttling",
    action: "increase_cpu_limit",
    alerts: [["alert: cputhrottlinghigh"], ["alert: kubecputhrottling"]],
    workloads: ["deployment", "statefulset"],
    always: [],
    sometimes: [
      "hpa: cpu above-target",
      "probe: readiness failed",
      "event: warning unhealthy: readiness probe failed: get <q>: context deadline exceeded (client.timeout exceeded while awaiting headers)",
    ],
    logs: ["request took <n>ms, exceeding <n>ms budget", "event loop lag <n>ms"],
  },
  {
    category: "disk_filling",
    action: "expand_pvc",
    alerts: [
      ["alert: kubepersistentvolumefillingup"],
      ["alert: kubepersistentvolumefillingup", "alert: reason=predicted"],
    ],
    workloads: ["statefulset"],
    always: [],
    sometimes: ["pvc: phase=bound"],
    logs: [
      "no space left on device",
      "could not write to file <q>: no space left on device",
      "pg_wal: could not extend file: no space left on device",
      "disk usage above <n>% on data volume",
    ],
  },
  {
    category: "node_not_ready",
    action: "manual",
    alerts: [["alert: kubenodenotready"], ["alert: kubenodeunreachable"]],
    workloads: ["pod", "deployment", "daemonset"],
    always: [["node: ready=false", "node: ready=unknown"]],
    sometimes: [
      "node: not-ready kubeletnotready",
      "node: not-ready nodestatusunknown",
      "node: memorypressure=true kubelethasinsufficientmemory",
      "node: diskpressure=true kubelethasdiskpressure",
      "node: taint node.kubernetes.io/unreachable noexecute",
      "node: taint node.kubernetes.io/not-ready noschedule",
      "node: unschedulable",
      "event: normal nodenotready: node <name> status is now: nodenotready",
      "pod: deleting",
    ],
    logs: [],
  },
  {
    category: "bad_rollout",
    action: "rollback",
    alerts: [["alert: kubedeploymentrolloutstuck"], CRASHLOOP_ALERT],
    workloads: ["deployment"],
    always: [["rollout: current-revision-failing previous-healthy"]],
    sometimes: [
      "rollout: progress-deadline-exceeded",
      "workload-condition: progressing=false progressdeadlineexceeded: replicaset <q> has timed out progressing.",
      "last-terminated: error exit=1",
      "waiting: crashloopbackoff",
      "container: restarting",
      BACKOFF,
      ...NOT_READY,
    ],
    logs: [
      "application run failed",
      "caused by: java.lang.nullpointerexception: cannot invoke <q> because the return value of <q> is null",
      "error creating bean with name <q>: unsatisfied dependency",
      "migration <n> failed: column <q> does not exist",
      "unknown field <q> in config",
    ],
  },
  {
    category: "dependency_unavailable",
    action: "manual",
    alerts: [CRASHLOOP_ALERT, ["alert: kubedeploymentreplicasmismatch"], ["alert: kubepodnotready"]],
    workloads: ["deployment", "statefulset"],
    always: [],
    sometimes: [
      "dependency: statefulset scaled-to-zero",
      "dependency: deployment scaled-to-zero",
      "service: no-ready-endpoints",
      "service: selects-nothing",
      "probe: readiness failed",
      "last-terminated: error exit=1",
      "waiting: crashloopbackoff",
      "workload: no-ready-replicas",
    ],
    logs: [
      "caused by: java.net.connectexception: connection refused",
      "dial tcp: lookup <host> on <ip>: no such host",
      "connection to <host>:<n> refused. check that the hostname and port are correct",
      "hikaripool-<n> - connection is not available, request timed out after <n>ms",
      "redis ping failed dial tcp <ip>: i/o timeout",
      "kafka: client has run out of available brokers to talk to",
      "amqp connection closed: connection reset by peer",
      "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
    ],
  },
  {
    category: "hpa_maxed_out",
    action: "increase_hpa_max",
    alerts: [["alert: kubehpamaxedout"]],
    workloads: ["deployment"],
    always: [["hpa: at-max-replicas"]],
    sometimes: [
      "hpa: cpu above-target",
      "hpa: memory above-target",
      "hpa: scalinglimited=true toomanyreplicas",
      "probe: readiness failed",
    ],
    logs: ["queue depth <n> above threshold", "request took <n>ms, exceeding <n>ms budget"],
  },
  {
    category: "job_failed",
    action: "manual",
    alerts: [["alert: kubejobfailed"], ["alert: kubejobfailed", "alert: reason=backofflimitexceeded"]],
    workloads: ["job", "cronjob"],
    always: [
      ["job: failed-pods"],
      ["terminated: error exit=1", "terminated: error exit=2", "terminated: oomkilled exit=137"],
    ],
    sometimes: [
      "workload-condition: failed=true backofflimitexceeded: job has reached the specified backoff limit",
      "event: warning backofflimitexceeded: job has reached the specified backoff limit",
      "pod: phase=failed",
    ],
    logs: [
      "report generation failed: timeout after <n>s",
      "migration <n> failed: column <q> does not exist",
      "s3 upload failed: access denied",
      "batch <n> aborted: <n> records rejected",
    ],
  },
  {
    category: "evicted",
    action: "manual",
    alerts: [["alert: kubepodnotready"], ["alert: kubepodevicted"]],
    workloads: ["deployment", "statefulset"],
    always: [
      ["pod: phase=failed"],
      [
        "pod: reason=evicted: the node was low on resource: memory.",
        "pod: reason=evicted: the node was low on resource: ephemeral-storage.",
        "pod: reason=evicted: container <name> exceeded its local ephemeral storage limit <q>.",
      ],
    ],
    sometimes: [
      "terminated: error exit=137",
      "event: warning evicted: the node was low on resource: memory.",
      "event: warning evictionthresholdmet: attempting to reclaim memory",
      "event: normal killing: stopping container <name>",
      "pod-condition: ready=false podfailed",
    ],
    logs: [],
  },
  {
    category: "init_container_failure",
    action: "manual",
    alerts: [["alert: kubepodnotready"], CRASHLOOP_ALERT],
    workloads: ["deployment", "statefulset"],
    always: [
      [
        "last-terminated: init error exit=1",
        "last-terminated: init error exit=128",
        "last-terminated: init error exit=2",
      ],
      ["waiting: init crashloopbackoff"],
    ],
    sometimes: [
      "waiting: podinitializing",
      "container: init restarting",
      "pod: phase=pending",
      "pod-condition: initialized=false containersnotinitialized: containers with incomplete status: [<name>]",
    ],
    logs: [
      "fatal: could not read from remote repository.",
      "permission denied (publickey).",
      "waiting for database: timeout",
      "migration lock held by another instance",
    ],
  },
];

/** Where an app's log lines come from: a stack's line prefix and the app's components. */
const LOG_PREFIXES = [
  "<ts> error <n> --- [<name>] [ main] ",
  "<ts> warn <n> --- [<name>] [ main] ",
  "level=error msg=",
  "error ",
  "fatal ",
  "[error] ",
  "",
  "e<n> <ts> <n> ",
];
const COMPONENT_WORDS = [
  "db",
  "pool",
  "kafka",
  "consumer",
  "grpc",
  "client",
  "http",
  "server",
  "cache",
  "redis",
  "auth",
  "jwt",
  "payment",
  "gateway",
  "search",
  "indexer",
  "uploader",
  "mail",
  "scheduler",
  "worker",
  "config",
  "loader",
  "tls",
  "metrics",
  "queue",
  "orm",
  "graphql",
  "flags",
  "session",
  "ledger",
  "pricing",
  "catalog",
  "checkout",
  "inventory",
  "notifier",
  "billing",
  "render",
  "thumbnail",
  "export",
  "sync",
];
const GENERIC_LOGS = [
  "request failed: status <n>",
  "retrying in <n>ms (attempt <n>)",
  "shutting down",
  "context canceled",
  "deadline exceeded while calling <q>",
  "unexpected end of json input",
  "invalid token: signature verification failed",
  "circuit breaker open for <q>",
  "too many open files",
  "certificate has expired or is not yet valid",
];

interface App {
  prefix: string;
  components: string[];
  /** The app's usual failure modes, most frequent first. */
  modes: Mode[];
  workload: string;
}

export interface CorpusOptions {
  /** Distinct apps incidents come from. Default 2000. */
  apps?: number;
  seed?: number;
}

export interface CorpusIncident {
  signature: string;
  record: MemoryRecord;
}

const OUTCOMES: readonly [Outcome, number][] = [
  ["unknown", 0.6],
  ["resolved", 0.2],
  ["confirmed", 0.1],
  ["corrected", 0.05],
  ["not_resolved", 0.05],
];

/**
 * A source of incidents: `next(id)` draws the next incident (an app by a skewed popularity,
 * one of its modes, the mode's variable ingredients). Stored incidents and queries are drawn
 * from the same source, so a query is usually near, and sometimes identical to, stored ones.
 */
export function incidentSource(options: CorpusOptions = {}): { next(id: string): CorpusIncident } {
  const next = random(options.seed ?? 1);
  const apps: App[] = Array.from({ length: options.apps ?? 2000 }, () => {
    const components = Array.from(
      { length: 3 },
      () => `${pick(next, COMPONENT_WORDS)}.${pick(next, COMPONENT_WORDS)}`,
    );
    const modes = Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(next, MODES));
    const first = modes[0] as Mode;
    return { prefix: pick(next, LOG_PREFIXES), components, modes, workload: pick(next, first.workloads) };
  });
  // Popularity: app i is drawn with weight ~ 1 / (i + 10), so a few apps fail often.
  const weights = apps.map((_, i) => 1 / (i + 10));
  const cumulative: number[] = [];
  let total = 0;
  for (const w of weights) cumulative.push((total += w));
  const drawApp = (): App => {
    const x = next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return apps[lo] as App;
  };
  return {
    next(id: string): CorpusIncident {
      const app = drawApp();
      // The first mode is the app's usual one.
      const mode = chance(next, 0.6) ? (app.modes[0] as Mode) : pick(next, app.modes);
      const lines: string[] = [...pick(next, mode.alerts)];
      lines.push(
        `workload: ${mode.workloads.includes(app.workload) ? app.workload : pick(next, mode.workloads)}`,
      );
      for (const group of mode.always) lines.push(pick(next, group));
      for (const line of mode.sometimes) if (chance(next, 0.5)) lines.push(line);
      const logs = new Set<string>();
      const nLogs = mode.logs.length === 0 ? (chance(next, 0.3) ? 1 : 0) : Math.floor(next() * 4);
      for (let i = 0; i < nLogs; i++) {
        const phrase =
          mode.logs.length > 0 && chance(next, 0.75) ? pick(next, mode.logs) : pick(next, GENERIC_LOGS);
        logs.add(`log: ${app.prefix}${pick(next, app.components)} : ${phrase}`);
      }
      lines.push(...logs);
      const record: MemoryRecord = {
        incidentId: id,
        signature: sortBySection(lines).join("\n"),
        category: mode.category,
        action: mode.action,
        targetKind: targetKind(app.workload),
        outcome: drawOutcome(next()),
        updatedAt: "2026-01-01T00:00:00.000Z",
      };
      return { signature: record.signature, record };
    },
  };
}

/** Deduplicated, sections in signature order, facts sorted inside a section. */
function sortBySection(lines: string[]): string[] {
  const rank = (line: string) => (SECTIONS as readonly string[]).indexOf(line.slice(0, line.indexOf(":")));
  return [...new Set(lines)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function targetKind(workload: string): string | undefined {
  const kinds: Record<string, string> = {
    deployment: "Deployment",
    statefulset: "StatefulSet",
    daemonset: "DaemonSet",
    job: "Job",
    cronjob: "CronJob",
  };
  return kinds[workload];
}

function drawOutcome(x: number): Outcome {
  let acc = 0;
  for (const [outcome, p] of OUTCOMES) {
    acc += p;
    if (x < acc) return outcome;
  }
  return "unknown";
}

import type { Condition, Evidence, PodEvidence, Termination } from "../core/evidence.js";

/**
 * The incident signature: a normalised, deterministic text that says what failed and
 * how, never where. Two incidents of the same failure mode in different namespaces,
 * apps, pods, images and times give the same (or nearly the same) signature; the
 * embedders turn it into a vector for the incident memory.
 *
 * Format: one fact per line, `<section>: <fact>`, sections in a fixed order (see
 * SECTIONS), lines sorted and deduplicated inside a section, bounded in number and
 * length. Free text (event messages, log lines, conditions) is lowercased and its
 * variable parts are masked: names of the incident's own objects (`<name>`), quoted
 * strings and URLs' hosts, IPs and ports, UUIDs, hex hashes, pod names, timestamps and
 * numbers. Example:
 *
 * ```
 * alert: podoomkilled
 * workload: deployment
 * terminated: oomkilled exit=137
 * waiting: crashloopbackoff
 * event: warning backoff: back-off restarting failed container <name> in pod <name>
 * log: java.lang.outofmemoryerror: java heap space
 * ```
 */
export function incidentSignature(evidence: Evidence): string {
  const names = knownNames(evidence);
  const mask = (text: string): string => maskText(text, names);
  const out = new Map<Section, Set<string>>();
  const add = (section: Section, fact: string | undefined): void => {
    const f = fact?.trim();
    if (!f) return;
    let set = out.get(section);
    if (!set) out.set(section, (set = new Set()));
    set.add(f.length > MAX_FACT_CHARS ? f.slice(0, MAX_FACT_CHARS) : f);
  };

  const s = evidence.subject;
  add("alert", s.alertname.toLowerCase());
  const alertReason = s.labels.reason;
  if (alertReason) add("alert", `reason=${alertReason.toLowerCase()}`);

  const topKind = evidence.workload?.ref.kind ?? evidence.ownerChain.at(-1)?.kind;
  add("workload", topKind?.toLowerCase() ?? (evidence.pods.length > 0 ? "pod" : undefined));

  // Prefer the pods the alert names; all pods of the workload otherwise.
  const alerted = evidence.pods.filter((p) => p.alerted);
  const pods = alerted.length > 0 ? alerted : evidence.pods;
  for (const pod of pods) podFacts(pod, add, mask);

  for (const e of evidence.events) {
    if (e.type === "Normal" && ROUTINE_EVENTS.has(e.reason)) continue;
    const message = mask(e.message);
    add("event", `${e.type.toLowerCase()} ${e.reason.toLowerCase()}${message ? `: ${message}` : ""}`);
    const probe = /\b(liveness|readiness|startup) probe (failed|errored)/i.exec(e.message);
    if (probe?.[1]) add("probe", `${probe[1].toLowerCase()} failed`);
  }

  const templates = new Set<string>();
  for (const log of evidence.logs) {
    for (const line of log.errorLines) {
      const t = mask(logMessage(line));
      if (informativeLogLine(t)) templates.add(t);
    }
  }
  for (const t of [...templates].sort().slice(0, MAX_LOG_TEMPLATES)) add("log", t);

  const workload = evidence.workload;
  if (workload) {
    for (const c of workload.conditions) {
      if (conditionIsBad(c)) add("workload-condition", conditionFact(c, mask));
    }
    const job = workload.job;
    if (job && job.failed > 0) add("job", "failed-pods");
    if (workload.replicas === 0) add("workload", "scaled-to-zero");
    if (workload.replicas !== undefined && workload.replicas > 0 && (workload.readyReplicas ?? 0) === 0)
      add("workload", "no-ready-replicas");
  }
  for (const w of evidence.relatedWorkloads) {
    if (w.replicas === 0) add("dependency", `${w.ref.kind.toLowerCase()} scaled-to-zero`);
  }
  const rollout = evidence.rollout;
  if (rollout) {
    if (rollout.progressDeadlineExceeded) add("rollout", "progress-deadline-exceeded");
    const current = rollout.current;
    if (current && current.failingPods > 0 && rollout.lastHealthy && rollout.lastHealthy !== current)
      add("rollout", "current-revision-failing previous-healthy");
  }

  for (const n of evidence.nodes) {
    if (n.ready !== "True") add("node", `ready=${n.ready.toLowerCase()}`);
    if (n.unschedulable) add("node", "unschedulable");
    for (const c of n.conditions) {
      if (c.type !== "Ready" && c.status === "True")
        add("node", `${c.type.toLowerCase()}=true${c.reason ? ` ${c.reason.toLowerCase()}` : ""}`);
      if (c.type === "Ready" && c.status !== "True" && c.reason)
        add("node", `not-ready ${c.reason.toLowerCase()}`);
    }
    for (const t of n.taints) {
      if (t.key.startsWith("node.kubernetes.io/")) add("node", `taint ${t.key} ${t.effect.toLowerCase()}`);
    }
  }

  for (const p of evidence.pvcs) {
    if (p.phase && p.phase !== "Bound") add("pvc", `phase=${p.phase.toLowerCase()}`);
    if (p.storageClassExists === false) add("pvc", "storageclass-missing");
  }

  for (const h of evidence.hpas) {
    if (h.currentReplicas !== undefined && h.currentReplicas >= h.maxReplicas) add("hpa", "at-max-replicas");
    for (const c of h.conditions) {
      if (
        (c.type === "ScalingLimited" && c.status === "True") ||
        (c.type !== "ScalingLimited" && c.status === "False")
      )
        add(
          "hpa",
          `${c.type.toLowerCase()}=${c.status.toLowerCase()}${c.reason ? ` ${c.reason.toLowerCase()}` : ""}`,
        );
    }
    for (const m of h.metrics) {
      if (m.current !== undefined && m.target !== undefined && m.current > m.target)
        add("hpa", `${m.name.toLowerCase()} above-target`);
    }
  }

  for (const r of evidence.configRefs) {
    if (!r.exists && !r.optional)
      add("config", `missing ${r.kind.toLowerCase()} via ${r.via}${r.key ? " key" : ""}`);
  }

  for (const svc of evidence.services) {
    if (svc.endpoints && svc.endpoints.ready === 0) add("service", "no-ready-endpoints");
    if (svc.selects.length === 0) add("service", "selects-nothing");
  }

  for (const g of evidence.gaps) add("gap", `${g.source.toLowerCase()}: ${mask(g.reason)}`);

  const lines: string[] = [];
  for (const section of SECTIONS) {
    const facts = out.get(section);
    if (!facts) continue;
    const sorted = [...facts].sort();
    const bounded = sorted.slice(0, section === "event" ? MAX_EVENTS : MAX_FACTS_PER_SECTION);
    for (const f of bounded) lines.push(`${section}: ${f}`);
  }
  return lines.join("\n");
}

/** Sections of a signature, in the order they appear. */
export const SECTIONS = [
  "alert",
  "workload",
  "workload-condition",
  "rollout",
  "job",
  "terminated",
  "last-terminated",
  "waiting",
  "container",
  "pod",
  "pod-condition",
  "probe",
  "event",
  "log",
  "config",
  "dependency",
  "service",
  "node",
  "pvc",
  "hpa",
  "gap",
] as const;
export type Section = (typeof SECTIONS)[number];

/** Normal events every healthy pod has: they say nothing of the failure. */
const ROUTINE_EVENTS = new Set([
  "Scheduled",
  "Pulling",
  "Pulled",
  "Created",
  "Started",
  "ScalingReplicaSet",
  "SuccessfulCreate",
  "SuccessfulDelete",
  "SuccessfulRescale",
  "SandboxChanged",
]);

const MAX_FACT_CHARS = 200;
const MAX_LOG_TEMPLATES = 12;
const MAX_EVENTS = 16;
const MAX_FACTS_PER_SECTION = 16;

type Add = (section: Section, fact: string | undefined) => void;

function podFacts(pod: PodEvidence, add: Add, mask: (t: string) => string): void {
  if (pod.phase && pod.phase !== "Running" && pod.phase !== "Succeeded")
    add("pod", `phase=${pod.phase.toLowerCase()}`);
  if (pod.reason)
    add("pod", `reason=${pod.reason.toLowerCase()}${pod.message ? `: ${mask(pod.message)}` : ""}`);
  if (pod.deleting) add("pod", "deleting");
  for (const c of pod.conditions) {
    if (c.status !== "True" && c.reason) add("pod-condition", conditionFact(c, mask));
  }
  for (const c of pod.containers) {
    const kind = c.init ? "init " : "";
    if (c.terminated && !(c.terminated.reason === "Completed" && c.terminated.exitCode === 0))
      add("terminated", `${kind}${terminationFact(c.terminated)}`);
    if (c.lastTermination && !(c.lastTermination.reason === "Completed" && c.lastTermination.exitCode === 0))
      add("last-terminated", `${kind}${terminationFact(c.lastTermination)}`);
    if (c.waitingReason) {
      const message = c.waitingMessage ? mask(c.waitingMessage) : "";
      add("waiting", `${kind}${c.waitingReason.toLowerCase()}`);
      // The CrashLoopBackOff message only repeats the back-off delay and the names.
      if (message && c.waitingReason !== "CrashLoopBackOff")
        add("waiting", `${kind}${c.waitingReason.toLowerCase()}: ${message}`);
    }
    if (c.restartCount > 0) add("container", `${kind}restarting`);
    if (!c.ready && c.state === "running" && !c.init) add("container", "running-not-ready");
  }
}

function terminationFact(t: Termination): string {
  const parts = [t.reason ? t.reason.toLowerCase() : "terminated"];
  if (t.exitCode !== undefined) parts.push(`exit=${t.exitCode}`);
  if (t.signal !== undefined) parts.push(`signal=${t.signal}`);
  return parts.join(" ");
}

function conditionIsBad(c: Condition): boolean {
  const bad = ["ReplicaFailure", "Failed", "FailureTarget"];
  if (bad.includes(c.type)) return c.status === "True";
  return c.status === "False";
}

function conditionFact(c: Condition, mask: (t: string) => string): string {
  const head = `${c.type.toLowerCase()}=${c.status.toLowerCase()}${c.reason ? ` ${c.reason.toLowerCase()}` : ""}`;
  return c.message ? `${head}: ${mask(c.message)}` : head;
}

/** Structured (JSON) log lines: their level and message fields, not their keys and ids. */
function logMessage(line: string): string {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return trimmed;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed !== "object" || parsed === null) return trimmed;
    const record = parsed as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of LOG_FIELDS) {
      const v = record[key];
      if (typeof v === "string" || typeof v === "number") parts.push(String(v));
    }
    return parts.length > 0 ? parts.join(" ") : trimmed;
  } catch {
    return trimmed;
  }
}

const LOG_FIELDS = [
  "level",
  "severity",
  "lvl",
  "msg",
  "message",
  "error",
  "err",
  "exception",
  "reason",
  "stack",
];

/** Stack frames and banners repeat the code's layout, not the failure; the headline lines carry it. */
function informativeLogLine(t: string): boolean {
  if (/^(at |\.\.\. <n> (more|common frames)|file <q>, line)/.test(t)) return false;
  return (t.match(/[a-z]{3,}/g) ?? []).length >= 2;
}

// ---------------------------------------------------------------------------------------
// Masking

/** Names of the incident's own objects: they say where, not what. Lowercased, longest first. */
function knownNames(e: Evidence): string[] {
  const names = new Set<string>();
  const put = (n: string | undefined): void => {
    const v = n?.trim().toLowerCase();
    if (v && v.length >= 2) names.add(v);
  };
  const s = e.subject;
  for (const v of [
    s.namespace,
    s.pod,
    s.container,
    s.deployment,
    s.statefulset,
    s.daemonset,
    s.job,
    s.cronjob,
  ])
    put(v);
  for (const v of [s.node, s.persistentvolumeclaim, s.horizontalpodautoscaler, ...s.pods]) put(v);
  for (const key of [
    "instance",
    "service",
    "app",
    "app_kubernetes_io_name",
    "exported_namespace",
    "exported_pod",
  ])
    put(s.labels[key]);
  const putImage = (image: string | undefined): void => {
    if (!image) return;
    put(image);
    const noDigest = image.split("@")[0] ?? image;
    const slash = noDigest.lastIndexOf("/");
    const colon = noDigest.lastIndexOf(":");
    const repo = colon > slash ? noDigest.slice(0, colon) : noDigest;
    put(repo);
    const last = repo.slice(slash + 1);
    if (last.length >= 3) put(last);
  };
  const containers = (list: readonly { name: string; image?: string }[]): void => {
    for (const c of list) {
      put(c.name);
      putImage(c.image);
    }
  };
  for (const p of e.pods) {
    put(p.name);
    put(p.namespace);
    put(p.nodeName);
    if (p.owner) put(p.owner.name);
    containers(p.containers);
    for (const v of p.volumes) {
      put(v.refName);
      put(v.server);
    }
  }
  for (const r of e.ownerChain) put(r.name);
  for (const w of [...(e.workload ? [e.workload] : []), ...e.relatedWorkloads]) {
    put(w.ref.name);
    put(w.ref.namespace);
    containers(w.containers);
  }
  for (const r of e.rollout?.revisions ?? []) {
    put(r.name);
    for (const image of Object.values(r.images)) putImage(image);
  }
  for (const ev of e.events) put(ev.involved.name);
  for (const c of e.configRefs) put(c.name);
  for (const n of e.nodes) put(n.name);
  for (const p of e.pvcs) {
    put(p.ref.name);
    put(p.volumeName);
    put(p.storageClassName);
  }
  for (const h of e.hpas) put(h.ref.name);
  for (const svc of e.services) put(svc.ref.name);
  for (const l of e.logs) put(l.pod);
  // Generic words that happen to be object names must stay readable.
  for (const w of GENERIC_WORDS) names.delete(w);
  return [...names].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
}

const GENERIC_WORDS = ["default", "true", "false", "error", "main", "latest", "standard"];

const ESCAPE = /[.*+?^${}()|[\]\\/]/g;
// Kubernetes names never hold "_", so "<pod>_<namespace>" (kubelet messages) splits on it.
const NAME_EDGE_BEFORE = "(?<![a-z0-9-])";
const NAME_EDGE_AFTER = "(?![a-z0-9-])";

const TIMESTAMP_PATTERNS: RegExp[] = [
  /\d{4}-\d{2}-\d{2}[t _]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?(z|[+-]\d{2}:?\d{2})?/g,
  /\d{4}\/\d{2}\/\d{2}[ t]\d{2}:\d{2}:\d{2}([.,]\d+)?/g,
  /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* +\d{1,2},? +(\d{4} +)?\d{1,2}:\d{2}:\d{2}/g,
  /\b\d{1,2}\/(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\/\d{4}(:\d{2}:\d{2}:\d{2})?( [+-]\d{4})?/g,
  /\b\d{4}-\d{2}-\d{2}\b/g,
  /\b\d{1,2}:\d{2}:\d{2}([.,]\d+)?\b/g,
];

const HOST_TLDS =
  "com|net|org|io|dev|cloud|local|internal|svc|lan|corp|ai|app|co|us|eu|de|uk|fr|nl|cn|jp|in|me|info|biz|xyz|tech|sh";

const MASKS: [RegExp, string][] = [
  // URLs keep their scheme and path, not their host.
  [/\b([a-z][a-z0-9+.-]*):\/\/[^/\s"'`<>]+/g, "$1://<host>"],
  [/\b[\w.+-]+@[\w-]+(\.[\w-]+)+/g, "<email>"],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, "<uuid>"],
  [/\b(sha256|sha1|sha512|md5):[0-9a-f]{16,}/g, "<digest>"],
  [/\b\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?(:\d{1,5})?\b/g, "<ip>"],
  [/\[[0-9a-f:]*:[0-9a-f:]+\](:\d{1,5})?/g, "<ip>"],
  // Hostnames: dotted names that end like a domain (not java.lang.Foo or cart.jar).
  [
    new RegExp(
      `\\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\\.[a-z0-9-]+)*\\.(?:${HOST_TLDS})\\b(?![.-]?[a-z0-9])`,
      "g",
    ),
    "<host>",
  ],
  // Pod names by Kubernetes' generated suffixes (deployment, cronjob job pods).
  [/\b[a-z0-9]+(?:-[a-z0-9]+)*-(?=[a-z]*\d)[a-z0-9]{5,10}-[a-z0-9]{5}(?![a-z0-9-])/g, "<pod>"],
  [/\b[a-z0-9]+(?:-[a-z0-9]+)*-\d{8,}-[a-z0-9]{5}(?![a-z0-9-])/g, "<pod>"],
  [/\b0x[0-9a-f]+\b/g, "<hex>"],
  // Hex hashes: at least 7 hex characters with at least one digit and one letter.
  [/\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,}\b/g, "<hex>"],
  // Quoted strings with no spaces are names, paths or values.
  [/"[^"\s]*"|'[^'\s]*'|`[^`\s]*`/g, "<q>"],
  [/\b\d+(\.\d+)*/g, "<n>"],
];

/** Lowercases and masks the variable parts of a message or log line. Exported for tests. */
export function maskText(text: string, names: readonly string[] = []): string {
  let t = text.toLowerCase();
  for (const p of TIMESTAMP_PATTERNS) t = t.replace(p, "<ts>");
  for (const [p, r] of MASKS.slice(0, 4)) t = t.replace(p, r);
  for (const name of names) {
    if (!t.includes(name)) continue;
    t = t.replace(
      new RegExp(`${NAME_EDGE_BEFORE}${name.replace(ESCAPE, "\\$&")}${NAME_EDGE_AFTER}`, "g"),
      "<name>",
    );
  }
  for (const [p, r] of MASKS.slice(4)) t = t.replace(p, r);
  t = t
    .replace(/<name>([_-]<?[a-z0-9]+>?)+/g, "<name>") // a name with a generated suffix
    .replace(/\/(?:[^/\s:]*<[a-z]+>[^/\s:]*)/g, "/<v>") // path segments with variable parts
    .replace(/<(n|hex|v)>(?:[.:_/-]?<(?:n|hex|v)>)+/g, "<$1>")
    .replace(/\s+/g, " ")
    .trim();
  return t;
}

import type { Finding } from "../../core/diagnosis.js";
import type { Evidence, ObjectRef, WorkloadEvidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { clip, conf, incidentLogs, incidentPods, isNotReady, logLines } from "../facts.js";
import { previousReplicas } from "../replicas.js";

export type DependencyFailure = "refused" | "dns" | "timeout" | "reset" | "failover";

/** Families of client errors across languages and drivers, by what they say about the dependency. */
const PATTERNS: [DependencyFailure, RegExp][] = [
  [
    "dns",
    /no such host|NXDOMAIN|Name or service not known|getaddrinfo (ENOTFOUND|EAI_AGAIN)|UnknownHostException|Temporary failure in name resolution|could not translate host name|nodename nor servname|Could not resolve host|Name does not resolve/i,
  ],
  [
    "refused",
    /connection refused|ECONNREFUSED|Connect call failed|\b(Errno|Error) 111\b|actively refused|Connection to \S+ refused|connect: connection refused/i,
  ],
  [
    "failover",
    /read-only transaction|read only replica|\bREADONLY\b|pg_is_in_recovery\(\)\s*=\s*true|is in recovery|not (the )?(primary|master|writer)|NOT_?MASTER/i,
  ],
  [
    "reset",
    /Connection reset by peer|ECONNRESET|StreamLostError|connection (was )?lost|broken pipe|server closed the connection unexpectedly|Connection closed by (peer|server)/i,
  ],
  [
    "timeout",
    /(dial|connect|connection|connecting)[^\n]{0,60}(timed out|timeout)|i\/o timeout|ETIMEDOUT|Connection timed out|Connection is not available, request timed out/i,
  ],
];

/** The app says only a restart brings it back (a consumer thread died, a cached address). */
const NEEDS_RESTART =
  /until (the )?(process|pod|container|app\w*) (is )?restart|restart (is )?required|will not reconnect|never reconnect|giving up|thread (exited|died)|not reconnect/i;

const HOST_PATTERNS = [
  /\b([a-z0-9][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)\.svc(?:\.cluster\.local)?\b/gi,
  /(?:connecting to|connect to|Connection to|dial tcp|lookup|host[=:]|addr(?:ess)?"?[=:]\s*"?)\s*([a-z][a-z0-9.-]*)(?::\d+)?/gi,
  /(?<![\w.-])([a-z][a-z0-9-]*):(\d{2,5})\b/gi,
];

/** Host names a line mentions (first DNS label and, for svc names, the namespace). */
export function mentionedHosts(line: string): { name: string; namespace?: string }[] {
  const out: { name: string; namespace?: string }[] = [];
  for (const re of HOST_PATTERNS) {
    for (const m of line.matchAll(re)) {
      const full = (m[1] ?? "").toLowerCase();
      if (!full || /^(tcp|udp|http|https|jdbc|localhost)$/.test(full)) continue;
      if (re === HOST_PATTERNS[0]) out.push({ name: full, namespace: (m[2] ?? "").toLowerCase() });
      else out.push({ name: full.split(".")[0] ?? full });
    }
  }
  return out;
}

function refOf(w: WorkloadEvidence): ObjectRef {
  return w.ref;
}

/**
 * dependency_unavailable: the app fails because something it calls is unreachable:
 * connection refused, a name that does not resolve, timeouts, connections reset by a
 * broker that restarted, a database that failed over. Read from the app's own log,
 * only while the app is failing (crash-looping, not ready, or its Job failing).
 * When a workload the app talks to is scaled to zero, that workload is recorded with
 * its previous replica count: scaling it back is the fix.
 */
export const dependencyUnavailableAnalyzer: Analyzer = {
  name: "dependency-unavailable",
  category: Category.DependencyUnavailable,
  analyze(e: Evidence): Finding[] {
    const pods = incidentPods(e);
    const crashLooping = pods.some((p) =>
      p.containers.some((c) => c.waitingReason === "CrashLoopBackOff" || c.restartCount >= 3),
    );
    const notReady = pods.some((p) => isNotReady(p) || p.phase === "Pending");
    const failedJob = e.workload?.job !== undefined && (e.workload.job.failed ?? 0) > 0;
    if (!crashLooping && !notReady && !failedJob) return [];

    const matches = new Map<DependencyFailure, string[]>();
    let restartHint: string | undefined;
    const mainContainers = new Set(
      pods.flatMap((p) => p.containers.filter((c) => !c.init).map((c) => c.name)),
    );
    for (const log of incidentLogs(e)) {
      if (mainContainers.size > 0 && !mainContainers.has(log.container)) continue;
      for (const line of logLines(log)) {
        if (/kube-probe|GET \/(health|ready|live)/i.test(line)) continue;
        for (const [mode, re] of PATTERNS) {
          if (!re.test(line)) continue;
          const list = matches.get(mode) ?? [];
          if (!list.includes(line)) list.push(line);
          matches.set(mode, list);
          break;
        }
        if (!restartHint && NEEDS_RESTART.test(line)) restartHint = line;
      }
    }
    if (matches.size === 0) return [];
    // The mode with the most distinct lines; dns and refused say most about the cause, so they win ties.
    const order: DependencyFailure[] = ["dns", "refused", "failover", "reset", "timeout"];
    const mode =
      [...matches.entries()].sort(
        (a, b) => b[1].length - a[1].length || order.indexOf(a[0]) - order.indexOf(b[0]),
      )[0]?.[0] ?? "refused";
    const lines = [...matches.values()].flat();

    // Which workload is the dependency: named in the lines, scaled to zero, in the app's namespace.
    const ns = e.workload?.ref.namespace ?? e.subject.namespace;
    const hosts = lines.flatMap(mentionedHosts).filter((h) => h.name !== e.workload?.ref.name);
    const hostNames = new Set(hosts.map((h) => h.name));
    const serviceTargets = (name: string): string[] =>
      e.services.filter((s) => s.ref.name === name).flatMap((s) => s.selects);
    const candidates = e.relatedWorkloads.filter((w) => w.ref.kind !== "Job" && w.ref.kind !== "CronJob");
    const named = candidates.find(
      (w) =>
        hostNames.has(w.ref.name) ||
        [...hostNames].some((h) =>
          serviceTargets(h).some((t) => t === w.ref.name || t.endsWith(`/${w.ref.name}`)),
        ),
    );
    const atZero = candidates.filter(
      (w) => w.replicas === 0 && (!ns || !w.ref.namespace || w.ref.namespace === ns),
    );
    const dependency = named ?? (atZero.length === 1 && mode !== "dns" ? atZero[0] : undefined);
    const scaledToZero = dependency?.replicas === 0;
    const prev = scaledToZero && dependency ? previousReplicas(e, refOf(dependency)) : undefined;
    const depService = dependency
      ? e.services.find(
          (s) =>
            s.selects.some((t) => t === dependency.ref.name || t.endsWith(`/${dependency.ref.name}`)) ||
            s.ref.name === dependency.ref.name,
        )
      : undefined;
    // A DNS failure for a name with no Service in the snapshot: the name itself is wrong or gone.
    const missingService =
      mode === "dns" ? [...hostNames].find((h) => !e.services.some((s) => s.ref.name === h)) : undefined;
    // Is the dependency back? Its pods run and are ready, or its workload has ready replicas.
    const depPods = e.pods.filter(
      (p) =>
        !pods.includes(p) &&
        (dependency
          ? p.owner?.name === dependency.ref.name || p.name.startsWith(`${dependency.ref.name}-`)
          : hostNames.has(p.name.replace(/-\d+$/, ""))),
    );
    const dependencyHealthy =
      (dependency?.readyReplicas ?? 0) > 0 ||
      depPods.some((p) => p.phase === "Running" && p.containers.every((c) => c.init || c.ready));

    let confidence = 0.8;
    if (scaledToZero) confidence += 0.1;
    else if (mode === "dns" || dependency) confidence += 0.05;
    if (lines.length >= 2) confidence += 0.02;
    // The previous revision reaches the same dependency fine: the new revision is the suspect.
    if (
      e.rollout?.lastHealthy &&
      e.rollout.current &&
      !e.rollout.current.healthy &&
      e.rollout.lastHealthy.readyPods > 0
    )
      confidence -= 0.1;

    const evidence = [
      ...lines.slice(0, 3).map((l) => `log: ${clip(l, 220)}`),
      ...(dependency
        ? [
            `${dependency.ref.kind} ${dependency.ref.namespace ?? ""}/${dependency.ref.name} has ${dependency.replicas ?? "?"} desired replica(s)${prev ? `, previously ${prev.replicas}` : ""}`,
          ]
        : []),
      ...(depService?.endpoints
        ? [`Service ${depService.ref.name} has ${depService.endpoints.ready} ready endpoint(s)`]
        : []),
      ...(missingService ? [`no Service named ${missingService} in the snapshot`] : []),
      ...(restartHint ? [`log: ${clip(restartHint, 200)}`] : []),
    ];
    const container = incidentLogs(e).find((l) => lines.some((x) => logLines(l).includes(x)))?.container;
    return [
      {
        analyzer: "dependency-unavailable",
        category: Category.DependencyUnavailable,
        confidence: conf(confidence),
        summary: dependency
          ? `The app cannot reach ${dependency.ref.kind} ${dependency.ref.name}${scaledToZero ? ", which is scaled to zero" : ""} (${mode}).`
          : `The app cannot reach a dependency (${mode}${hosts[0] ? `: ${hosts[0].name}` : ""}).`,
        evidence,
        ...(container ? { container } : {}),
        data: {
          mode,
          hosts: [...hostNames],
          ...(dependency ? { dependency: dependency.ref, dependencyReplicas: dependency.replicas } : {}),
          scaledToZero,
          ...(prev ? { previousReplicas: prev.replicas, previousReplicasSource: prev.source } : {}),
          ...(missingService ? { missingService } : {}),
          dependencyHealthy,
          appCrashLooping: crashLooping,
          ...(restartHint ? { restartHint } : {}),
        },
      },
    ];
  },
};

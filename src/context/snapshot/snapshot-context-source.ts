import type { AlertSubject, EvidenceGap } from "../../core/evidence.js";
import {
  isKubeObject,
  type ContextBundle,
  type ContextSource,
  type KubeObject,
  type LogRecord,
  type MetricRecord,
} from "../context-source.js";
import type { ScenarioInput } from "./scenario.js";
import { isRecord } from "../../core/json.js";
import {
  labelsOf,
  namedAfter,
  referenceText,
  referencedNames,
  selects,
  serviceSelector,
} from "../references.js";

/**
 * A context source over a recorded snapshot: a `kubectl get -o json` List, container
 * logs and Prometheus results. It stands in for a live cluster in the benchmark, in
 * tests and in offline replays.
 *
 * `gather` returns what a live source would fetch for the subject: the objects of the
 * subject's namespace, cluster-scoped objects (Nodes, StorageClasses, PersistentVolumes),
 * and objects of other namespaces only when something in scope points at them (a pod on
 * the alerted node, a Service named in an env value or argument as `<name>.<namespace>`,
 * the pods and Endpoints behind it, events about any of these). Without a namespace in
 * the subject (a node alert), everything is in scope. Logs and metrics are all returned:
 * they were recorded for this incident.
 */

export interface SnapshotData {
  objects: readonly KubeObject[];
  logs?: readonly LogRecord[];
  metrics?: readonly MetricRecord[];
}

export interface SnapshotOptions {
  /** "namespace" (default) scopes objects as described above; "all" returns every object. */
  scope?: "namespace" | "all";
}

const CLUSTER_SCOPED = new Set([
  "Node",
  "PersistentVolume",
  "StorageClass",
  "Namespace",
  "PriorityClass",
  "CSIDriver",
]);

function involvedOf(o: KubeObject): { kind?: string; namespace?: string; name?: string } | undefined {
  const inv = o.involvedObject ?? o.regarding;
  if (!isRecord(inv)) return undefined;
  return {
    kind: typeof inv.kind === "string" ? inv.kind : undefined,
    namespace: typeof inv.namespace === "string" ? inv.namespace : undefined,
    name: typeof inv.name === "string" ? inv.name : undefined,
  };
}

/** The objects of a snapshot that matter for the subject. Exported for tests. */
export function selectObjects(objects: readonly KubeObject[], subject: AlertSubject): KubeObject[] {
  const ns = subject.namespace;
  if (!ns) return [...objects];
  const chosen = new Set<KubeObject>();
  for (const o of objects) {
    if (o.kind === "Event") continue;
    if (CLUSTER_SCOPED.has(o.kind) || o.metadata.namespace === ns) chosen.add(o);
    else if (subject.node && o.kind === "Pod" && isRecord(o.spec) && o.spec.nodeName === subject.node)
      chosen.add(o);
  }

  // Services of other namespaces that in-scope workloads call by DNS name, and what backs them.
  const text = [...chosen].map(referenceText).join("\n");
  for (const ref of referencedNames(text)) {
    if (ref.namespace === ns) continue;
    const inNs = objects.filter((o) => o.metadata.namespace === ref.namespace && o.kind !== "Event");
    const service = inNs.find((o) => o.kind === "Service" && o.metadata.name === ref.name);
    for (const o of inNs) {
      const backs = service
        ? (o.kind === "Endpoints" && o.metadata.name === ref.name) ||
          (o.kind === "Pod" && selects(serviceSelector(service), labelsOf(o)))
        : namedAfter(o, ref.name);
      if (o === service || backs) chosen.add(o);
    }
  }

  const keys = new Set([...chosen].map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`));
  for (const o of objects) {
    if (o.kind !== "Event") continue;
    const inv = involvedOf(o);
    if (!inv?.kind || !inv.name) continue;
    const invNs = CLUSTER_SCOPED.has(inv.kind) ? "" : (inv.namespace ?? o.metadata.namespace ?? "");
    // Events about Nodes and other cluster-scoped objects are in scope like the objects.
    if (invNs === ns || invNs === "" || keys.has(`${inv.kind}/${invNs}/${inv.name}`)) chosen.add(o);
  }
  return objects.filter((o) => chosen.has(o));
}

export class SnapshotContextSource implements ContextSource {
  readonly name = "snapshot";
  private readonly objects: KubeObject[];
  private readonly logs: LogRecord[];
  private readonly metrics: MetricRecord[];
  private readonly scope: "namespace" | "all";

  constructor(data: SnapshotData, options: SnapshotOptions = {}) {
    this.objects = data.objects.filter(isKubeObject);
    this.logs = [...(data.logs ?? [])];
    this.metrics = [...(data.metrics ?? [])];
    this.scope = options.scope ?? "namespace";
  }

  async gather(subject: AlertSubject, signal?: AbortSignal): Promise<ContextBundle> {
    signal?.throwIfAborted();
    const objects = this.scope === "all" ? [...this.objects] : selectObjects(this.objects, subject);
    const gaps: EvidenceGap[] = [];
    if (this.objects.length === 0)
      gaps.push({ source: "snapshot", reason: "the snapshot holds no Kubernetes objects" });
    return { objects, logs: [...this.logs], metrics: [...this.metrics], gaps };
  }
}

/** A snapshot source over a benchmark scenario's input (never its expected answer). */
export function snapshotFromScenarioInput(
  input: ScenarioInput,
  options: SnapshotOptions = {},
): SnapshotContextSource {
  return new SnapshotContextSource(
    { objects: input.cluster.items, logs: input.logs, metrics: input.metrics },
    options,
  );
}

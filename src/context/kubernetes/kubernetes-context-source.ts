import { setMaxListeners } from "node:events";
import type { KubeConfig } from "@kubernetes/client-node";
import type { AlertSubject, EvidenceGap } from "../../core/evidence.js";
import { isRecord } from "../../core/json.js";
import { workloadFromPodName } from "../../core/pod-name.js";
import type { ContextBundle, ContextSource, KubeObject, LogRecord } from "../context-source.js";
import { controllerRef } from "../evidence.js";
import {
  labelsOf,
  namedAfter,
  referenceText,
  referencedNames,
  selects,
  serviceSelector,
} from "../references.js";
import {
  KubeApi,
  loadKubeConfig,
  type Budget,
  type KubeApiOptions,
  type KubeConfigSource,
  type KubeFailure,
} from "./kube-api.js";
import {
  RESOURCES,
  ResourceResolver,
  apiVersionOf,
  collectionPath,
  labelSelectorParam,
  objectPath,
  type ResourceType,
} from "./resources.js";

/**
 * The context source of a live cluster: reads, through the Kubernetes API, the objects
 * the snapshot source would select for the alert's subject (see SnapshotContextSource),
 * targeted where the API allows:
 *
 * - the alerted pods by name; the pods of the named workload, of the alerted pod's
 *   owner, of an HPA's scale target or of a workload mounting the alerted claim, by the
 *   workload's label selector; the pods on an alerted node by `spec.nodeName`;
 * - the owner chain through ownerReferences (ReplicaSet → Deployment, Job → CronJob,
 *   any other owner kind through the API's discovery of its apiVersion); a vanished
 *   pod's ReplicaSet from its name;
 * - revision history: the ReplicaSets of a Deployment, the ControllerRevisions of a
 *   StatefulSet or DaemonSet, the Jobs of a CronJob;
 * - the namespace's Deployments, StatefulSets, DaemonSets (a dependency scaled to zero),
 *   PVCs, HPAs, Services and Endpoints; ConfigMaps and Secrets as metadata only (their
 *   existence, never their values); Nodes and StorageClasses;
 * - Services of other namespaces called as `<name>.<namespace>`, their Endpoints and pods;
 * - events: the namespace's, and by `involvedObject` field selector those about the
 *   incident's pods and owners (so they are there even when the namespace has more
 *   events than a list returns) and about Nodes;
 * - logs of the incident's pods, current and previous container, with tailLines and
 *   limitBytes caps.
 *
 * Read-only (deploy/rbac/clusterrole-context.yaml is the exact ClusterRole). Bounded: a
 * timeout per request, an overall deadline (the caller's signal or `deadlineMs`), a
 * concurrency limit, a page size for lists and byte caps on logs. A failing read becomes
 * an EvidenceGap naming what is missing; `gather` never throws.
 */

export interface KubernetesContextOptions extends KubeApiOptions, KubeConfigSource {
  /** An already loaded configuration; otherwise loaded from `kubeconfigPath` / `inCluster` / the default rules. */
  kubeConfig?: KubeConfig;
  /** The longest one gathering may take, whatever the caller's signal allows. Default 15000 ms. */
  deadlineMs?: number;
  /** Page size of every list; a longer list is cut there and the cut recorded as a gap. Default 500. */
  maxListItems?: number;
  /** Pods whose container logs are read. Default 8. */
  maxLogPods?: number;
  /** Containers per pod whose logs are read. Default 6. */
  maxLogContainers?: number;
  /** `tailLines` of each log request. Default 300. */
  logTailLines?: number;
  /** `limitBytes` of each log request (and a cap on what is kept). Default 65536. */
  logLimitBytes?: number;
  /** Objects whose events are also read by field selector. Default 40. */
  maxEventQueries?: number;
  /** `<name>.<namespace>` references of other namespaces followed. Default 8. */
  maxReferences?: number;
}

type Settings = Required<
  Pick<
    KubernetesContextOptions,
    | "deadlineMs"
    | "maxListItems"
    | "maxLogPods"
    | "maxLogContainers"
    | "logTailLines"
    | "logLimitBytes"
    | "maxEventQueries"
    | "maxReferences"
  >
>;

const DEFAULTS: Settings = {
  deadlineMs: 15_000,
  maxListItems: 500,
  maxLogPods: 8,
  maxLogContainers: 6,
  logTailLines: 300,
  logLimitBytes: 64 * 1024,
  maxEventQueries: 40,
  maxReferences: 8,
};

const GAP_SOURCE = "kubernetes";
const METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
const DROPPED_ANNOTATIONS = ["kubectl.kubernetes.io/last-applied-configuration"];

/** Labels that name a workload, and the workload's kind. */
const NAMED_WORKLOADS = [
  ["deployment", RESOURCES.Deployment],
  ["statefulset", RESOURCES.StatefulSet],
  ["daemonset", RESOURCES.DaemonSet],
  ["job", RESOURCES.Job],
  ["cronjob", RESOURCES.CronJob],
] as const satisfies readonly (readonly [keyof AlertSubject, ResourceType])[];

/** Read whole for the alert's namespace: the extractor looks across them (related workloads, claims, autoscalers, services, events). */
const NAMESPACE_LISTS: readonly ResourceType[] = [
  RESOURCES.Deployment,
  RESOURCES.StatefulSet,
  RESOURCES.DaemonSet,
  RESOURCES.PersistentVolumeClaim,
  RESOURCES.HorizontalPodAutoscaler,
  RESOURCES.Service,
  RESOURCES.Endpoints,
  RESOURCES.Event,
];

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);

function keyOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ""}/${name}`;
}

function at(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) cur = isRecord(cur) ? cur[k] : undefined;
  return cur;
}

function records(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function byCreationDesc(a: KubeObject, b: KubeObject): number {
  return String(b.metadata.creationTimestamp ?? "").localeCompare(String(a.metadata.creationTimestamp ?? ""));
}

function describeFailure(f: KubeFailure): string {
  const status = f.status ? ` (${f.status})` : "";
  return `${f.reason}${status}: ${f.message}`;
}

/**
 * An object as the extractor wants it: kind and apiVersion set (list items carry
 * neither), managedFields dropped, and for ConfigMaps and Secrets nothing but metadata,
 * whatever the server sent.
 */
function normalise(raw: unknown, type: ResourceType): KubeObject | undefined {
  // List items carry no kind: only the metadata is required here.
  if (!isRecord(raw) || !isRecord(raw.metadata) || typeof raw.metadata.name !== "string") return undefined;
  const metadata: Record<string, unknown> = { ...raw.metadata };
  delete metadata.managedFields;
  if (type.kind === "Secret" || type.kind === "ConfigMap") {
    if (isRecord(metadata.annotations)) {
      const annotations = { ...metadata.annotations };
      for (const a of DROPPED_ANNOTATIONS) delete annotations[a];
      metadata.annotations = annotations;
    }
    return { apiVersion: apiVersionOf(type), kind: type.kind, metadata } as KubeObject;
  }
  return { ...raw, apiVersion: apiVersionOf(type), kind: type.kind, metadata } as KubeObject;
}

/** One gathering: what was found so far, the gaps, and memoised reads so that nothing is asked twice. */
class Gathering {
  private readonly objects = new Map<string, KubeObject>();
  private readonly reads = new Map<string, Promise<KubeObject | undefined>>();
  private readonly lists = new Map<string, Promise<KubeObject[]>>();
  private readonly gapKeys = new Set<string>();
  readonly logs: LogRecord[] = [];
  readonly gaps: EvidenceGap[] = [];

  constructor(
    readonly api: KubeApi,
    readonly resolver: ResourceResolver,
    readonly budget: Budget,
    readonly settings: Settings,
  ) {}

  add(o: KubeObject): void {
    const type = (RESOURCES as Record<string, ResourceType>)[o.kind];
    const namespaced = type ? type.namespaced : o.metadata.namespace !== undefined;
    this.objects.set(keyOf(o.kind, namespaced ? o.metadata.namespace : undefined, o.metadata.name), o);
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const type = (RESOURCES as Record<string, ResourceType>)[kind];
    return this.objects.get(keyOf(kind, type && !type.namespaced ? undefined : namespace, name));
  }

  all(): KubeObject[] {
    return [...this.objects.values()];
  }

  ofKind(kind: string, namespace?: string): KubeObject[] {
    return this.all().filter(
      (o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace),
    );
  }

  gap(what: string, failure: KubeFailure): void {
    const reason = `${what}: ${describeFailure(failure)}`;
    const key = `${what}|${failure.reason}`;
    if (this.gapKeys.has(key)) return;
    this.gapKeys.add(key);
    this.gaps.push({ source: GAP_SOURCE, reason });
  }

  note(reason: string): void {
    if (this.gapKeys.has(reason)) return;
    this.gapKeys.add(reason);
    this.gaps.push({ source: GAP_SOURCE, reason });
  }

  /** GET one object. A 404 is an answer (it does not exist), not a gap. */
  read(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const key = keyOf(type.kind, type.namespaced ? namespace : undefined, name);
    let pending = this.reads.get(key);
    if (!pending) {
      pending = this.fetchOne(type, namespace, name);
      this.reads.set(key, pending);
    }
    return pending;
  }

  private async fetchOne(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject | undefined> {
    const known = this.get(type.kind, namespace, name);
    if (known) return known;
    const result = await this.api.getJson(objectPath(type, namespace, name), this.budget);
    if (!result.ok) {
      if (result.status !== 404) {
        const where = type.namespaced && namespace ? `${namespace}/` : "";
        this.gap(`get ${type.kind} ${where}${name}`, result);
      }
      return undefined;
    }
    const o = normalise(result.body, type);
    if (o) this.add(o);
    return o;
  }

  /**
   * One page of a list (kept in the gathering when `keep` accepts it, all by default).
   * A list longer than the page is cut and the cut recorded.
   */
  list(
    type: ResourceType,
    namespace: string | undefined,
    query: { labelSelector?: string; fieldSelector?: string; metadataOnly?: boolean } = {},
    keep: (o: KubeObject) => boolean = () => true,
  ): Promise<KubeObject[]> {
    const key = JSON.stringify([type.kind, namespace, query.labelSelector, query.fieldSelector]);
    let pending = this.lists.get(key);
    if (!pending) {
      pending = this.fetchList(type, namespace, query);
      this.lists.set(key, pending);
    }
    return pending.then((items) => {
      const kept = items.filter(keep);
      for (const o of kept) this.add(o);
      return kept;
    });
  }

  private async fetchList(
    type: ResourceType,
    namespace: string | undefined,
    query: { labelSelector?: string; fieldSelector?: string; metadataOnly?: boolean },
  ): Promise<KubeObject[]> {
    const where = type.namespaced ? (namespace ? ` in ${namespace}` : " in all namespaces") : "";
    const what = `list ${type.plural}${where}`;
    const result = await this.api.getJson(collectionPath(type, namespace), this.budget, {
      query: {
        labelSelector: query.labelSelector,
        fieldSelector: query.fieldSelector,
        limit: this.settings.maxListItems,
      },
      accept: query.metadataOnly ? METADATA_ONLY : undefined,
    });
    if (!result.ok) {
      this.gap(what, result);
      return [];
    }
    const body = result.body;
    const items = isRecord(body) && Array.isArray(body.items) ? body.items : [];
    if (
      isRecord(body) &&
      typeof at(body, "metadata", "continue") === "string" &&
      at(body, "metadata", "continue")
    ) {
      const selector = [query.labelSelector, query.fieldSelector].filter(Boolean).join(", ");
      this.note(
        `${what}${selector ? ` (${selector})` : ""}: more than ${this.settings.maxListItems} items, only the first ${this.settings.maxListItems} were read`,
      );
    }
    return items.map((i) => normalise(i, type)).filter((o): o is KubeObject => o !== undefined);
  }

  bundle(): ContextBundle {
    return { objects: this.all(), logs: this.logs, metrics: [], gaps: this.gaps };
  }
}

export class KubernetesContextSource implements ContextSource {
  readonly name = "kubernetes";
  private readonly api: KubeApi;
  private readonly resolver: ResourceResolver;
  private readonly settings: Settings;

  /** Throws ConfigError when no usable Kubernetes configuration can be loaded. */
  constructor(options: KubernetesContextOptions = {}) {
    const kc = options.kubeConfig ?? loadKubeConfig(options);
    this.api = new KubeApi(kc, options);
    this.resolver = new ResourceResolver(this.api);
    const settings = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
      const value = options[key];
      if (value !== undefined) settings[key] = value;
    }
    this.settings = settings;
  }

  /** The API server this source reads. */
  get server(): string {
    return this.api.server;
  }

  async gather(subject: AlertSubject, signal?: AbortSignal): Promise<ContextBundle> {
    const deadline = AbortSignal.timeout(this.settings.deadlineMs);
    const budget: Budget = {
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      deadline: Date.now() + this.settings.deadlineMs,
    };
    // Every request in flight (at most `concurrency`, plus those queued) listens to it.
    setMaxListeners(0, budget.signal);
    const g = new Gathering(this.api, this.resolver, budget, this.settings);
    try {
      await collect(g, subject);
    } catch (error) {
      // Defensive: every read already turns its failure into a gap.
      g.note(`gathering stopped: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (budget.signal.aborted) {
      g.note("the deadline for gathering was reached; what was read until then is kept");
    }
    return g.bundle();
  }
}

// ---------------------------------------------------------------------------------------
// What to read for a subject

async function collect(g: Gathering, subject: AlertSubject): Promise<void> {
  const ns = subject.namespace;
  const first: Promise<unknown>[] = [
    g.list(RESOURCES.Node, undefined),
    g.list(RESOURCES.StorageClass, undefined),
    g.list(RESOURCES.Event, undefined, { fieldSelector: "involvedObject.kind=Node" }),
  ];
  if (subject.node) {
    first.push(g.read(RESOURCES.Node, undefined, subject.node));
    first.push(g.list(RESOURCES.Pod, undefined, { fieldSelector: `spec.nodeName=${subject.node}` }));
  }
  if (ns) {
    for (const pod of subject.pods) first.push(g.read(RESOURCES.Pod, ns, pod));
    for (const [field, type] of NAMED_WORKLOADS) {
      const name = subject[field];
      if (typeof name === "string") first.push(g.read(type, ns, name));
    }
    if (subject.horizontalpodautoscaler)
      first.push(g.read(RESOURCES.HorizontalPodAutoscaler, ns, subject.horizontalpodautoscaler));
    const claim = subject.persistentvolumeclaim;
    if (claim) {
      first.push(g.read(RESOURCES.PersistentVolumeClaim, ns, claim));
      // No selector finds the pods that mount a claim: the namespace's pods, kept when they do.
      first.push(g.list(RESOURCES.Pod, ns, {}, (p) => mountsClaim(p.spec, claim)));
    }
    for (const type of NAMESPACE_LISTS) first.push(g.list(type, ns));
    first.push(g.list(RESOURCES.ConfigMap, ns, { metadataOnly: true }));
    first.push(g.list(RESOURCES.Secret, ns, { metadataOnly: true }));
  }
  await Promise.all(first);
  if (!ns && !subject.node) return;

  await ownersOf(g, g.ofKind("Pod"));
  if (ns) {
    const vanished = subject.pods.filter((p) => !g.get("Pod", ns, p));
    await Promise.all(vanished.map((p) => workloadOfVanishedPod(g, ns, p)));
  }

  const workloads = await workloadsOf(g, subject);
  const podsOfWorkloads = (await Promise.all(workloads.map((w) => expandWorkload(g, w)))).flat();
  await ownersOf(g, [...g.ofKind("Pod"), ...g.ofKind("Job")]);

  const crossNamespace = ns ? await references(g, subject, ns) : [];
  await Promise.all([
    targetedEvents(g, subject, workloads, podsOfWorkloads, crossNamespace),
    readLogs(g, subject, podsOfWorkloads),
  ]);
}

/** The controller chain above each object, read where the gathering does not have it yet. */
async function ownersOf(g: Gathering, objects: readonly KubeObject[]): Promise<void> {
  await Promise.all(
    objects.map(async (start) => {
      let current: KubeObject | undefined = start;
      for (let depth = 0; current && depth < 6; depth++) {
        const ref = controllerRef(current);
        if (!ref || typeof ref.kind !== "string" || typeof ref.name !== "string") return;
        const namespace: string | undefined = current.metadata.namespace;
        const known = g.get(ref.kind, namespace, ref.name);
        if (known) {
          current = known;
          continue;
        }
        const type = await g.resolver.resolve(ref.apiVersion, ref.kind, g.budget);
        if (!type) {
          g.note(
            `the owner ${ref.kind} ${ref.name} (${ref.apiVersion ?? "no apiVersion"}) is of a kind the API does not serve`,
          );
          return;
        }
        current = await g.read(type, namespace, ref.name);
      }
    }),
  );
}

/** A pod that is gone: its ReplicaSet by name (`<rs>-<5>`), else the workload its name suggests. */
async function workloadOfVanishedPod(g: Gathering, ns: string, pod: string): Promise<void> {
  const rsName = pod.replace(/-[a-z0-9]{5}$/, "");
  const rs = rsName !== pod ? await g.read(RESOURCES.ReplicaSet, ns, rsName) : undefined;
  if (rs) return ownersOf(g, [rs]);
  const guess = workloadFromPodName(pod);
  if (!guess) return;
  const found = await g.read(RESOURCES[guess.kind], ns, guess.name);
  if (found) await ownersOf(g, [found]);
}

/** The chain of workloads above an object, as far as the gathering has it. */
function chainOf(g: Gathering, start: KubeObject): KubeObject[] {
  const chain: KubeObject[] = [];
  let current: KubeObject | undefined = start;
  for (let depth = 0; current && depth < 6; depth++) {
    const ref = controllerRef(current);
    if (!ref || typeof ref.kind !== "string" || typeof ref.name !== "string") break;
    current = g.get(ref.kind, current.metadata.namespace, ref.name);
    if (current) chain.push(current);
  }
  return chain;
}

function mountsClaim(podSpec: unknown, claim: string): boolean {
  return records(at(podSpec, "volumes")).some((v) => at(v, "persistentVolumeClaim", "claimName") === claim);
}

function claimTemplateOf(sts: KubeObject, claim: string): boolean {
  return records(at(sts.spec, "volumeClaimTemplates")).some((t) => {
    const template = at(t, "metadata", "name");
    const prefix = `${String(template)}-${sts.metadata.name}-`;
    return (
      typeof template === "string" && claim.startsWith(prefix) && /^\d+$/.test(claim.slice(prefix.length))
    );
  });
}

/** The workloads of the incident: named by the alert, owning the alerted pods, scaled by the HPA, mounting the claim. */
async function workloadsOf(g: Gathering, subject: AlertSubject): Promise<KubeObject[]> {
  const ns = subject.namespace;
  const found: KubeObject[] = [];
  const add = (o: KubeObject | undefined): void => {
    if (o && WORKLOAD_KINDS.has(o.kind) && !found.includes(o)) found.push(o);
  };
  if (!ns) return found;
  for (const [field, type] of NAMED_WORKLOADS) {
    const name = subject[field];
    if (typeof name === "string") add(g.get(type.kind, ns, name));
  }
  for (const pod of subject.pods) {
    const p = g.get("Pod", ns, pod);
    if (p) chainOf(g, p).forEach(add);
    else {
      const rs = g.get("ReplicaSet", ns, pod.replace(/-[a-z0-9]{5}$/, ""));
      const guess = workloadFromPodName(pod);
      const start = rs ?? (guess ? g.get(guess.kind, ns, guess.name) : undefined);
      if (start) [start, ...chainOf(g, start)].forEach(add);
    }
  }
  if (subject.horizontalpodautoscaler) {
    const hpa = g.get("HorizontalPodAutoscaler", ns, subject.horizontalpodautoscaler);
    const ref = at(hpa?.spec, "scaleTargetRef");
    if (isRecord(ref) && typeof ref.kind === "string" && typeof ref.name === "string") {
      const type = await g.resolver.resolve(
        typeof ref.apiVersion === "string" ? ref.apiVersion : undefined,
        ref.kind,
        g.budget,
      );
      const target = g.get(ref.kind, ns, ref.name) ?? (type ? await g.read(type, ns, ref.name) : undefined);
      add(target);
    }
  }
  if (subject.persistentvolumeclaim) {
    const claim = subject.persistentvolumeclaim;
    for (const kind of ["Deployment", "StatefulSet", "DaemonSet"]) {
      for (const w of g.ofKind(kind, ns)) {
        if (
          mountsClaim(at(w.spec, "template", "spec"), claim) ||
          (kind === "StatefulSet" && claimTemplateOf(w, claim))
        )
          add(w);
      }
    }
  }
  return found;
}

/** A workload's pods (by its selector) and revision history. Returns its pods, newest first. */
async function expandWorkload(g: Gathering, w: KubeObject): Promise<KubeObject[]> {
  const ns = w.metadata.namespace;
  if (w.kind === "CronJob") {
    const jobs = await g.list(RESOURCES.Job, ns);
    const owned = jobs.filter((j) => controllerRef(j)?.name === w.metadata.name).sort(byCreationDesc);
    return (await Promise.all(owned.slice(0, 5).map((j) => expandWorkload(g, j)))).flat();
  }
  const selector = labelSelectorParam(at(w.spec, "selector"));
  if (!selector) return [];
  const history =
    w.kind === "Deployment"
      ? g.list(RESOURCES.ReplicaSet, ns, { labelSelector: selector })
      : w.kind === "StatefulSet" || w.kind === "DaemonSet"
        ? g.list(RESOURCES.ControllerRevision, ns, { labelSelector: selector })
        : Promise.resolve([]);
  const [pods] = await Promise.all([g.list(RESOURCES.Pod, ns, { labelSelector: selector }), history]);
  return [...pods].sort(byCreationDesc);
}

/**
 * Services of other namespaces that the incident's workloads call by DNS name, and what
 * backs them (the same rule as the snapshot source). Returns what was found there.
 */
async function references(g: Gathering, subject: AlertSubject, ns: string): Promise<KubeObject[]> {
  const inScope = g
    .all()
    .filter(
      (o) =>
        o.metadata.namespace === ns ||
        (!!subject.node && o.kind === "Pod" && at(o.spec, "nodeName") === subject.node),
    );
  const text = inScope.map(referenceText).join("\n");
  const seen = new Set<string>();
  const refs = referencedNames(text).filter((r) => {
    const key = `${r.namespace}/${r.name}`;
    if (r.namespace === ns || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const found = await Promise.all(
    refs.slice(0, g.settings.maxReferences).map(async (ref): Promise<KubeObject[]> => {
      const service = await g.read(RESOURCES.Service, ref.namespace, ref.name);
      if (service) {
        const selector = serviceSelector(service);
        const param = labelSelectorParam(selector);
        const [endpoints, pods] = await Promise.all([
          g.read(RESOURCES.Endpoints, ref.namespace, ref.name),
          param
            ? g.list(RESOURCES.Pod, ref.namespace, { labelSelector: param }, (p) =>
                selects(selector, labelsOf(p)),
              )
            : Promise.resolve([]),
        ]);
        return [service, ...(endpoints ? [endpoints] : []), ...pods];
      }
      const lists = await Promise.all(
        [RESOURCES.Deployment, RESOURCES.StatefulSet, RESOURCES.DaemonSet].map((type) =>
          g.list(type, ref.namespace, {}, (o) => namedAfter(o, ref.name)),
        ),
      );
      return lists.flat();
    }),
  );
  return found.flat();
}

/** The pods on the alerted node, newest first. */
function podsOnNode(g: Gathering, subject: AlertSubject): KubeObject[] {
  if (!subject.node) return [];
  return g
    .ofKind("Pod")
    .filter((p) => at(p.spec, "nodeName") === subject.node)
    .sort(byCreationDesc);
}

/** Events about the incident's own objects by field selector, beyond what the namespace list held. */
async function targetedEvents(
  g: Gathering,
  subject: AlertSubject,
  workloads: readonly KubeObject[],
  workloadPods: readonly KubeObject[],
  crossNamespace: readonly KubeObject[],
): Promise<void> {
  const ns = subject.namespace;
  const targets: { kind: string; namespace: string; name: string }[] = [];
  const seen = new Set<string>();
  const push = (kind: string, namespace: string | undefined, name: string): void => {
    const key = keyOf(kind, namespace, name);
    if (!namespace || seen.has(key)) return;
    seen.add(key);
    targets.push({ kind, namespace, name });
  };
  for (const pod of subject.pods) push("Pod", ns, pod);
  for (const w of workloads) {
    push(w.kind, w.metadata.namespace, w.metadata.name);
    for (const owner of chainOf(g, w)) push(owner.kind, owner.metadata.namespace, owner.metadata.name);
  }
  for (const p of podsOnNode(g, subject)) push("Pod", p.metadata.namespace, p.metadata.name);
  for (const p of workloadPods) push("Pod", p.metadata.namespace, p.metadata.name);
  if (subject.persistentvolumeclaim) push("PersistentVolumeClaim", ns, subject.persistentvolumeclaim);
  if (subject.horizontalpodautoscaler) push("HorizontalPodAutoscaler", ns, subject.horizontalpodautoscaler);
  for (const o of crossNamespace) push(o.kind, o.metadata.namespace, o.metadata.name);
  if (targets.length > g.settings.maxEventQueries) {
    g.note(
      `events of ${targets.length} objects were due, those of the first ${g.settings.maxEventQueries} were read by field selector`,
    );
  }
  await Promise.all(
    targets.slice(0, g.settings.maxEventQueries).map((t) =>
      g.list(RESOURCES.Event, t.namespace, {
        fieldSelector: `involvedObject.kind=${t.kind},involvedObject.namespace=${t.namespace},involvedObject.name=${t.name}`,
      }),
    ),
  );
}

// ---------------------------------------------------------------------------------------
// Logs

interface LogRequest {
  pod: KubeObject;
  container: string;
  previous: boolean;
}

/** Current and previous logs of each container that has run, as its status tells. */
function logRequests(pod: KubeObject, maxContainers: number): LogRequest[] {
  const statuses = new Map<string, Record<string, unknown>>();
  for (const s of [
    ...records(at(pod.status, "initContainerStatuses")),
    ...records(at(pod.status, "containerStatuses")),
  ]) {
    if (typeof s.name === "string") statuses.set(s.name, s);
  }
  const names = [...records(at(pod.spec, "initContainers")), ...records(at(pod.spec, "containers"))]
    .map((c) => c.name)
    .filter((n): n is string => typeof n === "string")
    .slice(0, maxContainers);
  const out: LogRequest[] = [];
  for (const container of names) {
    const status = statuses.get(container);
    if (!status) continue;
    const restarted = Number(status.restartCount ?? 0) > 0 || isRecord(at(status, "lastState", "terminated"));
    const ran =
      restarted || isRecord(at(status, "state", "running")) || isRecord(at(status, "state", "terminated"));
    if (ran) out.push({ pod, container, previous: false });
    if (restarted) out.push({ pod, container, previous: true });
  }
  return out;
}

async function readLogs(
  g: Gathering,
  subject: AlertSubject,
  workloadPods: readonly KubeObject[],
): Promise<void> {
  const ns = subject.namespace;
  const candidates = new Map<string, KubeObject>();
  const add = (p: KubeObject | undefined): void => {
    const key = p ? keyOf("Pod", p.metadata.namespace, p.metadata.name) : "";
    if (p && !candidates.has(key)) candidates.set(key, p);
  };
  if (ns) subject.pods.forEach((name) => add(g.get("Pod", ns, name)));
  podsOnNode(g, subject).forEach(add);
  workloadPods.forEach(add);
  if (ns && subject.persistentvolumeclaim) {
    const claim = subject.persistentvolumeclaim;
    g.ofKind("Pod", ns)
      .filter((p) => mountsClaim(p.spec, claim))
      .forEach(add);
  }
  const requests = [...candidates.values()]
    .slice(0, g.settings.maxLogPods)
    .flatMap((p) => logRequests(p, g.settings.maxLogContainers));
  const results = await Promise.all(requests.map((r) => readLog(g, r)));
  for (const record of results) if (record) g.logs.push(record);
}

async function readLog(g: Gathering, r: LogRequest): Promise<LogRecord | undefined> {
  const namespace = r.pod.metadata.namespace ?? "";
  const name = r.pod.metadata.name;
  const result = await g.api.getText(`${objectPath(RESOURCES.Pod, namespace, name)}/log`, g.budget, {
    query: {
      container: r.container,
      previous: r.previous ? true : undefined,
      tailLines: g.settings.logTailLines,
      limitBytes: g.settings.logLimitBytes,
    },
  });
  if (!result.ok) {
    // 400: the container has not started, or has no previous instance; 404: the pod is gone. Both are answers.
    if (result.status !== 400 && result.status !== 404) {
      g.gap(`${r.previous ? "previous " : ""}logs of ${namespace}/${name} container ${r.container}`, result);
    }
    return undefined;
  }
  const text = capBytes(result.body, g.settings.logLimitBytes);
  if (text.trim() === "") return undefined;
  return { namespace, pod: name, container: r.container, previous: r.previous, text };
}

/** The last `max` bytes of a text, cut at a line start where possible. */
function capBytes(text: string, max: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= max) return text;
  const tail = bytes.subarray(bytes.length - max).toString("utf8");
  const newline = tail.indexOf("\n");
  return newline >= 0 && newline < tail.length - 1 ? tail.slice(newline + 1) : tail;
}

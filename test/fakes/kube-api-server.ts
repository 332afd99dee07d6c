/**
 * A fake Kubernetes API server over HTTP, loaded from a snapshot (a scenario's `cluster`
 * List and `logs`). It serves the real paths and query parameters, and answers as the API
 * server does, so that a client that works against it speaks the real API:
 *
 * - discovery: /api, /apis, /api/v1, /apis/{group}/{version};
 * - objects: /api/v1[/namespaces/{ns}]/{resource}[/{name}] and the same under
 *   /apis/{group}/{version}, for the built-in resources and any other kind the snapshot
 *   holds (by its apiVersion);
 * - lists with `labelSelector` (equality and set-based), `fieldSelector` (the fields the
 *   API server supports per resource; others are a 400), `limit` and `continue`; List
 *   kinds with apiVersion, kind and metadata.resourceVersion, items without kind, in key
 *   order; `Accept: ...;as=PartialObjectMetadataList` answered with metadata only;
 * - /api/v1/namespaces/{ns}/pods/{name}/log with container, previous, tailLines, limitBytes,
 *   as the kubelet answers: 400 for a waiting container or a missing previous one;
 * - errors as `Status` objects (NotFound, Forbidden, BadRequest, Unauthorized,
 *   TooManyRequests with Retry-After, InternalError) with the API server's messages;
 * - RBAC: given a ClusterRole's rules, a request they do not allow is a 403;
 * - injected faults for tests: a path answering a status (500, 503, 429, 403) a number of
 *   times, or answering slowly;
 * - PATCH of an object with `application/strategic-merge-patch+json` (lists of containers,
 *   env, volumes... merged by their merge key) or `application/merge-patch+json` (RFC 7386),
 *   honouring `dryRun=All` (the patched object is answered, nothing is stored) and RBAC's
 *   `patch` verb; other patch types are a 415.
 *
 * It writes a kubeconfig for itself (plain HTTP on loopback, insecure-skip-tls-verify, a
 * bearer token that it checks).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { isKubeObject, type KubeObject, type LogRecord } from "../../src/context/context-source.js";
import { isRecord } from "../../src/core/json.js";

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface FakeKubeOptions {
  objects: readonly KubeObject[];
  logs?: readonly LogRecord[];
  /** The rules of the client's ClusterRole; without them everything is allowed. */
  rules?: readonly PolicyRule[];
  /** Answer metadata-only list requests with full objects, as a server or proxy ignoring the Accept header would. */
  ignoreMetadataAccept?: boolean;
}

export interface Fault {
  /** The request path (without query), or a pattern tested against path and query. */
  path: string | RegExp;
  /** Answer with this status and its Status body (403, 429, 500, 503, ...). */
  status?: number;
  /** For 429 and 503: the Retry-After header, in seconds. */
  retryAfterSeconds?: number;
  /** Wait this long before answering (with the status, or normally). */
  delayMs?: number;
  /** How many matching requests the fault applies to; all by default. */
  times?: number;
  message?: string;
}

export interface FakeRequest {
  method: string;
  /** The request body of a PATCH, parsed. */
  body?: unknown;
  contentType?: string;
  path: string;
  query: Record<string, string>;
  accept?: string;
  /** What RBAC saw: verb, API group, resource (with subresource), or a non-resource URL. */
  verb: string;
  apiGroup?: string;
  resource?: string;
  status: number;
}

export interface FakeKubeApiServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** A kubeconfig file for this server. */
  readonly kubeconfigPath: string;
  readonly token: string;
  readonly requests: FakeRequest[];
  inject(fault: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

interface ResourceDef {
  kind: string;
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  /** Fields a fieldSelector may name, besides metadata.name and metadata.namespace. */
  fields: string[];
}

const BUILT_IN: ResourceDef[] = [
  def("Pod", "v1", "pods", true, [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ]),
  def("Event", "v1", "events", true, [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ]),
  def("Node", "v1", "nodes", false, ["spec.unschedulable"]),
  def("Namespace", "v1", "namespaces", false, ["status.phase"]),
  def("PersistentVolumeClaim", "v1", "persistentvolumeclaims"),
  def("PersistentVolume", "v1", "persistentvolumes", false),
  def("ConfigMap", "v1", "configmaps"),
  def("Secret", "v1", "secrets", true, ["type"]),
  def("Service", "v1", "services"),
  def("Endpoints", "v1", "endpoints"),
  def("ReplicationController", "v1", "replicationcontrollers", true, ["status.replicas"]),
  def("Deployment", "apps/v1", "deployments"),
  def("ReplicaSet", "apps/v1", "replicasets", true, ["status.replicas"]),
  def("StatefulSet", "apps/v1", "statefulsets", true, ["status.successful"]),
  def("DaemonSet", "apps/v1", "daemonsets"),
  def("ControllerRevision", "apps/v1", "controllerrevisions"),
  def("Job", "batch/v1", "jobs", true, ["status.successful"]),
  def("CronJob", "batch/v1", "cronjobs"),
  def("HorizontalPodAutoscaler", "autoscaling/v2", "horizontalpodautoscalers"),
  def("HorizontalPodAutoscaler", "autoscaling/v1", "horizontalpodautoscalers"),
  def("StorageClass", "storage.k8s.io/v1", "storageclasses", false),
  def("EndpointSlice", "discovery.k8s.io/v1", "endpointslices"),
];

function def(
  kind: string,
  gv: string,
  plural: string,
  namespaced = true,
  fields: string[] = [],
): ResourceDef {
  const [group, version] = gv.includes("/") ? gv.split("/") : ["", gv];
  return { kind, group: group ?? "", version: version ?? "v1", plural, namespaced, fields };
}

function groupVersion(d: { group: string; version: string }): string {
  return d.group ? `${d.group}/${d.version}` : d.version;
}

// ---------------------------------------------------------------------------------------
// Status bodies, as the API server writes them

function statusBody(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  const body: Record<string, unknown> = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
  };
  if (details) body.details = details;
  body.code = code;
  return body;
}

function qualified(d: ResourceDef): string {
  return d.group ? `${d.plural}.${d.group}` : d.plural;
}

function notFound(d: ResourceDef, name: string) {
  const details: Record<string, unknown> = { name };
  if (d.group) details.group = d.group;
  details.kind = d.plural;
  return statusBody(404, "NotFound", `${qualified(d)} "${name}" not found`, details);
}

const PAGE_NOT_FOUND = statusBody(404, "NotFound", "the server could not find the requested resource", {});

interface Access {
  verb: string;
  group?: string;
  resource?: string;
  name?: string;
  namespace?: string;
  nonResourceURL?: string;
}

const USER = "system:serviceaccount:aiops:aiops-context";

function forbidden(a: Access) {
  if (a.nonResourceURL) {
    return statusBody(
      403,
      "Forbidden",
      `forbidden: User "${USER}" cannot ${a.verb} path "${a.nonResourceURL}"`,
      {},
    );
  }
  const [resource, sub] = (a.resource ?? "").split("/");
  const what = a.group ? `${resource}.${a.group}` : resource;
  const subject = a.name ? `${what} "${a.name}"` : what;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : "at the cluster scope";
  const details: Record<string, unknown> = {};
  if (a.name) details.name = a.name;
  if (a.group) details.group = a.group;
  details.kind = resource;
  return statusBody(
    403,
    "Forbidden",
    `${subject} is forbidden: User "${USER}" cannot ${a.verb} resource "${resource}${sub ? `/${sub}` : ""}" in API group "${a.group ?? ""}" ${scope}`,
    details,
  );
}

/** The reason and default message of each status a fault can answer with. */
const FAULTS: Record<number, { reason: string; message: string; retryable?: boolean }> = {
  429: { reason: "TooManyRequests", message: "Too many requests, please try again later.", retryable: true },
  500: { reason: "InternalError", message: "Internal error occurred: injected failure" },
  503: {
    reason: "ServiceUnavailable",
    message: "the server is currently unable to handle the request",
    retryable: true,
  },
  504: { reason: "Timeout", message: "the server was unable to return a response in the time allotted" },
};

function faultBody(status: number, fault: Fault, access: Access) {
  if (status === 403) return forbidden(access);
  const known = FAULTS[status] ?? {
    reason: "InternalError",
    message: "Internal error occurred: injected failure",
  };
  const message = fault.message ?? known.message;
  const details = known.retryable
    ? { retryAfterSeconds: fault.retryAfterSeconds ?? 1 }
    : known.reason === "InternalError"
      ? { causes: [{ message }] }
      : undefined;
  return statusBody(status, known.reason, message, details);
}

// ---------------------------------------------------------------------------------------
// Selectors

type Requirement = (labels: Record<string, string>) => boolean;

/** Splits at commas outside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== "");
}

const KEY = "[A-Za-z0-9][-A-Za-z0-9_./]*";

/** The label selector grammar of the API server; throws on a malformed selector. */
export function parseLabelSelector(selector: string): Requirement[] {
  return splitTerms(selector).map((term): Requirement => {
    let m = new RegExp(`^(${KEY})\\s+(in|notin)\\s+\\(([^)]*)\\)$`).exec(term);
    if (m) {
      const [, key = "", op, list = ""] = m;
      const values = list.split(",").map((v) => v.trim());
      return op === "in"
        ? (l) => key in l && values.includes(l[key] ?? "")
        : (l) => !(key in l) || !values.includes(l[key] ?? "");
    }
    m = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*([-A-Za-z0-9_.]*)$`).exec(term);
    if (m) {
      const [, key = "", op, value = ""] = m;
      return op === "!=" ? (l) => l[key] !== value : (l) => l[key] === value;
    }
    m = new RegExp(`^(!?)(${KEY})$`).exec(term);
    if (m) {
      const [, not, key = ""] = m;
      return not ? (l) => !(key in l) : (l) => key in l;
    }
    throw new Error(`unable to parse requirement: ${term}`);
  });
}

function fieldValue(o: KubeObject, path: string): string {
  let cur: unknown = o;
  for (const part of path.split(".")) cur = isRecord(cur) ? cur[part] : undefined;
  if (path === "source" && isRecord(o.source)) cur = o.source.component;
  return cur === undefined || cur === null ? "" : String(cur);
}

function parseFieldSelector(selector: string, d: ResourceDef): ((o: KubeObject) => boolean)[] {
  return splitTerms(selector).map((term) => {
    const m = /^([A-Za-z.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new Error(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field = "", op, value = ""] = m;
    if (field !== "metadata.name" && field !== "metadata.namespace" && !d.fields.includes(field)) {
      throw new Error(`field label not supported: ${field}`);
    }
    return op === "!=" ? (o) => fieldValue(o, field) !== value : (o) => fieldValue(o, field) === value;
  });
}

// ---------------------------------------------------------------------------------------
// RBAC

function ruleAllows(rule: PolicyRule, a: Access): boolean {
  if (!rule.verbs.includes(a.verb) && !rule.verbs.includes("*")) return false;
  if (a.nonResourceURL) {
    return (rule.nonResourceURLs ?? []).some(
      (u) => u === a.nonResourceURL || (u.endsWith("*") && a.nonResourceURL?.startsWith(u.slice(0, -1))),
    );
  }
  const groups = rule.apiGroups ?? [];
  const resources = rule.resources ?? [];
  if (!groups.includes(a.group ?? "") && !groups.includes("*")) return false;
  if (!resources.includes(a.resource ?? "") && !resources.includes("*")) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0) {
    return a.name !== undefined && rule.resourceNames.includes(a.name);
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// The server

interface Stored {
  object: KubeObject;
  namespace: string | undefined;
}

function namespaceOf(o: KubeObject, namespaced: boolean): string | undefined {
  if (!namespaced) return undefined;
  if (o.metadata.namespace) return o.metadata.namespace;
  if (o.kind === "Event" && isRecord(o.involvedObject) && typeof o.involvedObject.namespace === "string")
    return o.involvedObject.namespace;
  return undefined;
}

function tail(text: string, lines: number): string {
  const parts = text.split("\n");
  const trailing = parts[parts.length - 1] === "" ? parts.pop() : undefined;
  const kept = parts.slice(Math.max(0, parts.length - lines));
  return kept.join("\n") + (trailing !== undefined ? "\n" : "");
}

function containerStatus(pod: KubeObject, container: string): Record<string, unknown> | undefined {
  const status = isRecord(pod.status) ? pod.status : {};
  const all = [status.containerStatuses, status.initContainerStatuses, status.ephemeralContainerStatuses]
    .flatMap((l) => (Array.isArray(l) ? l : []))
    .filter(isRecord);
  return all.find((s) => s.name === container);
}

function containerNames(pod: KubeObject): string[] {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  return [spec.initContainers, spec.containers]
    .flatMap((l) => (Array.isArray(l) ? l : []))
    .filter(isRecord)
    .map((c) => c.name)
    .filter((n): n is string => typeof n === "string");
}

/** Merge keys of strategic-merge lists (the built-in types' patchMergeKey). */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  ports: "containerPort",
  imagePullSecrets: "name",
};

/** RFC 7386 JSON merge patch, or the strategic merge patch when `strategic` (lists merged by key). */
export function mergePatch(target: unknown, patch: unknown, strategic: boolean, key?: string): unknown {
  if (!isRecord(patch)) {
    const mergeKey = key !== undefined ? MERGE_KEYS[key] : undefined;
    if (strategic && mergeKey && Array.isArray(patch) && Array.isArray(target)) {
      const out = [...target];
      for (const item of patch) {
        const i = out.findIndex((o) => isRecord(o) && isRecord(item) && o[mergeKey] === item[mergeKey]);
        if (i >= 0) out[i] = mergePatch(out[i], item, strategic);
        else out.push(item);
      }
      return out;
    }
    return patch;
  }
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v, strategic, k);
  }
  return out;
}

export async function startFakeKubeApiServer(options: FakeKubeOptions): Promise<FakeKubeApiServer> {
  const defs = [...BUILT_IN];
  const store = new Map<string, Stored[]>(); // by kind
  for (const o of options.objects) {
    if (!isKubeObject(o)) continue;
    let d = defs.find((x) => x.kind === o.kind);
    if (!d) {
      // Any other kind is served at its own apiVersion, as a CRD would be.
      d = def(o.kind, o.apiVersion ?? "v1", `${o.kind.toLowerCase()}s`, o.metadata.namespace !== undefined);
      defs.push(d);
    }
    const list = store.get(o.kind) ?? [];
    list.push({ object: o, namespace: namespaceOf(o, d.namespaced) });
    store.set(o.kind, list);
  }
  const logs = [...(options.logs ?? [])];
  const token = "fake-token";
  const requests: FakeRequest[] = [];
  let faults: (Fault & { left: number })[] = [];
  let resourceVersion = 1000;

  function findDef(group: string, version: string, plural: string): ResourceDef | undefined {
    return defs.find((d) => d.group === group && d.version === version && d.plural === plural);
  }

  function objectsOf(d: ResourceDef, namespace: string | undefined): Stored[] {
    return (store.get(d.kind) ?? []).filter((s) => namespace === undefined || s.namespace === namespace);
  }

  function withType(o: KubeObject, d: ResourceDef): KubeObject {
    return { ...o, apiVersion: o.apiVersion ?? groupVersion(d), kind: d.kind };
  }

  interface Reply {
    status: number;
    body: unknown;
    text?: string;
    headers?: Record<string, string>;
  }

  function discovery(segments: string[]): Reply | undefined {
    if (segments.length === 1 && segments[0] === "api") {
      return { status: 200, body: { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] } };
    }
    if (segments.length === 1 && segments[0] === "apis") {
      const groups = new Map<string, string[]>();
      for (const d of defs.filter((x) => x.group)) {
        const versions = groups.get(d.group) ?? [];
        if (!versions.includes(d.version)) versions.push(d.version);
        groups.set(d.group, versions);
      }
      return {
        status: 200,
        body: {
          kind: "APIGroupList",
          apiVersion: "v1",
          groups: [...groups].map(([name, versions]) => ({
            name,
            versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
            preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
          })),
        },
      };
    }
    const gv =
      segments[0] === "api" && segments.length === 2
        ? { group: "", version: segments[1] ?? "" }
        : segments[0] === "apis" && segments.length === 3
          ? { group: segments[1] ?? "", version: segments[2] ?? "" }
          : undefined;
    if (!gv) return undefined;
    const served = defs.filter((d) => d.group === gv.group && d.version === gv.version);
    if (served.length === 0) return { status: 404, body: PAGE_NOT_FOUND };
    const resources = served.flatMap((d) => [
      {
        name: d.plural,
        singularName: d.kind.toLowerCase(),
        namespaced: d.namespaced,
        kind: d.kind,
        verbs: ["get", "list", "watch", "patch"],
      },
      ...(d.kind === "Pod"
        ? [{ name: "pods/log", singularName: "", namespaced: true, kind: "Pod", verbs: ["get"] }]
        : []),
    ]);
    return {
      status: 200,
      body: { kind: "APIResourceList", apiVersion: "v1", groupVersion: groupVersion(gv), resources },
    };
  }

  interface Route {
    d: ResourceDef;
    namespace?: string;
    name?: string;
    subresource?: string;
  }

  function route(segments: string[]): Route | undefined {
    let rest: string[];
    let group = "";
    let version: string;
    if (segments[0] === "api" && segments.length >= 3) {
      version = segments[1] ?? "";
      rest = segments.slice(2);
    } else if (segments[0] === "apis" && segments.length >= 4) {
      group = segments[1] ?? "";
      version = segments[2] ?? "";
      rest = segments.slice(3);
    } else return undefined;
    let namespace: string | undefined;
    if (rest[0] === "namespaces" && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const d = findDef(group, version, rest[0] ?? "");
    if (!d || rest.length > 3) return undefined;
    if (namespace !== undefined && !d.namespaced) return undefined;
    return { d, namespace, name: rest[1], subresource: rest[2] };
  }

  function list(r: Route, query: URLSearchParams, accept: string): Reply {
    const { d } = r;
    let items = objectsOf(d, r.namespace).map((s) => s.object);
    try {
      const labelSelector = query.get("labelSelector");
      if (labelSelector) {
        const reqs = parseLabelSelector(labelSelector);
        items = items.filter((o) => {
          const labels = isRecord(o.metadata.labels) ? (o.metadata.labels as Record<string, string>) : {};
          return reqs.every((req) => req(labels));
        });
      }
      const fieldSelector = query.get("fieldSelector");
      if (fieldSelector) {
        const reqs = parseFieldSelector(fieldSelector, d);
        items = items.filter((o) => reqs.every((req) => req(o)));
      }
    } catch (error) {
      return { status: 400, body: statusBody(400, "BadRequest", (error as Error).message) };
    }
    // The API server lists in key order: namespace, then name.
    items.sort(
      (a, b) =>
        (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
    let offset = 0;
    const cont = query.get("continue");
    if (cont) {
      const decoded = JSON.parse(Buffer.from(cont, "base64").toString("utf8")) as { offset?: number };
      offset = decoded.offset ?? 0;
    }
    const limit = Number(query.get("limit") ?? 0);
    const page = limit > 0 ? items.slice(offset, offset + limit) : items.slice(offset);
    const metadata: Record<string, unknown> = { resourceVersion: String(resourceVersion) };
    const next = offset + page.length;
    if (limit > 0 && next < items.length) {
      metadata.continue = Buffer.from(JSON.stringify({ offset: next })).toString("base64");
      metadata.remainingItemCount = items.length - next;
    }
    if (accept.includes("as=PartialObjectMetadataList") && !options.ignoreMetadataAccept) {
      return {
        status: 200,
        body: {
          kind: "PartialObjectMetadataList",
          apiVersion: "meta.k8s.io/v1",
          metadata,
          items: page.map((o) => ({
            kind: "PartialObjectMetadata",
            apiVersion: "meta.k8s.io/v1",
            metadata: o.metadata,
          })),
        },
      };
    }
    return {
      status: 200,
      body: {
        kind: `${d.kind}List`,
        apiVersion: groupVersion(d),
        metadata,
        items: page.map((o) => {
          const rest: Record<string, unknown> = { ...o };
          delete rest.kind;
          delete rest.apiVersion;
          return rest;
        }),
      },
    };
  }

  function podLog(pod: KubeObject, query: URLSearchParams): Reply {
    const names = containerNames(pod);
    let container = query.get("container") ?? undefined;
    if (!container) {
      const main =
        isRecord(pod.spec) && Array.isArray(pod.spec.containers) ? pod.spec.containers.filter(isRecord) : [];
      if (main.length !== 1) {
        return {
          status: 400,
          body: statusBody(
            400,
            "BadRequest",
            `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${main.map((c) => c.name).join(" ")}]`,
          ),
        };
      }
      container = String(main[0]?.name);
    }
    if (!names.includes(container)) {
      return {
        status: 400,
        body: statusBody(
          400,
          "BadRequest",
          `container ${container} is not valid for pod ${pod.metadata.name}`,
        ),
      };
    }
    const previous = query.get("previous") === "true";
    const status = containerStatus(pod, container);
    const record = logs.find(
      (l) =>
        l.namespace === pod.metadata.namespace &&
        l.pod === pod.metadata.name &&
        l.container === container &&
        (l.previous === true) === previous,
    );
    const lastState = isRecord(status?.lastState) ? status.lastState : {};
    const state = isRecord(status?.state) ? status.state : {};
    if (!record) {
      if (previous && !isRecord(lastState.terminated)) {
        return {
          status: 400,
          body: statusBody(
            400,
            "BadRequest",
            `previous terminated container "${container}" in pod "${pod.metadata.name}" not found`,
          ),
        };
      }
      if (!previous && isRecord(state.waiting) && !isRecord(lastState.terminated)) {
        const reason = typeof state.waiting.reason === "string" ? state.waiting.reason : "ContainerCreating";
        return {
          status: 400,
          body: statusBody(
            400,
            "BadRequest",
            `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${reason}`,
          ),
        };
      }
    }
    let text = record?.text ?? "";
    const tailLines = query.get("tailLines");
    if (tailLines !== null) text = tail(text, Math.max(0, Number(tailLines)));
    const limitBytes = query.get("limitBytes");
    if (limitBytes !== null)
      text = Buffer.from(text, "utf8")
        .subarray(0, Math.max(1, Number(limitBytes)))
        .toString("utf8");
    return { status: 200, body: undefined, text };
  }

  function patch(r: Route, url: URL, access: Access, contentType: string, body: unknown): Reply {
    access.verb = "patch";
    if (!r.name || r.subresource)
      return {
        status: 405,
        body: statusBody(
          405,
          "MethodNotAllowed",
          "the server does not allow this method on the requested resource",
        ),
      };
    const strategic = contentType.startsWith("application/strategic-merge-patch+json");
    if (!strategic && !contentType.startsWith("application/merge-patch+json")) {
      return {
        status: 415,
        body: statusBody(
          415,
          "UnsupportedMediaType",
          `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json`,
        ),
      };
    }
    const dryRun = url.searchParams.getAll("dryRun");
    if (dryRun.some((v) => v !== "All")) {
      return {
        status: 400,
        body: statusBody(400, "BadRequest", `Invalid value: "${dryRun.join(",")}": supported values: "All"`),
      };
    }
    if (!isRecord(body))
      return { status: 400, body: statusBody(400, "BadRequest", "the patch is not a JSON object") };
    const found = objectsOf(r.d, r.namespace).find((s) => s.object.metadata.name === r.name);
    if (!found) return { status: 404, body: notFound(r.d, r.name) };
    const patched = mergePatch(found.object, body, strategic) as KubeObject;
    patched.metadata = { ...patched.metadata, name: found.object.metadata.name };
    if (found.object.metadata.namespace) patched.metadata.namespace = found.object.metadata.namespace;
    if (dryRun.length === 0) {
      resourceVersion++;
      patched.metadata.resourceVersion = String(resourceVersion);
      found.object = patched;
    }
    return { status: 200, body: withType(patched, r.d) };
  }

  function handle(
    method: string,
    url: URL,
    accept: string,
    access: Access,
    contentType = "",
    body?: unknown,
  ): Reply {
    const segments = url.pathname
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
    if (method === "PATCH") {
      const r = route(segments);
      if (!r) return { status: 404, body: PAGE_NOT_FOUND };
      access.group = r.d.group;
      access.resource = r.d.plural;
      access.name = r.name;
      access.namespace = r.namespace;
      return patch(r, url, access, contentType, body);
    }
    if (method !== "GET") {
      return {
        status: 405,
        body: statusBody(405, "MethodNotAllowed", "the fake serves reads and patches only"),
      };
    }
    const disco = discovery(segments);
    if (disco) {
      access.nonResourceURL = url.pathname;
      return disco;
    }
    const r = route(segments);
    if (!r) return { status: 404, body: PAGE_NOT_FOUND };
    access.group = r.d.group;
    access.resource = r.subresource ? `${r.d.plural}/${r.subresource}` : r.d.plural;
    access.name = r.name;
    access.namespace = r.namespace;
    access.verb = r.name ? "get" : "list";
    if (!r.name) return list(r, url.searchParams, accept);
    const found = objectsOf(r.d, r.namespace).find((s) => s.object.metadata.name === r.name);
    if (r.subresource && !(r.d.kind === "Pod" && r.subresource === "log"))
      return { status: 404, body: PAGE_NOT_FOUND };
    if (!found) return { status: 404, body: notFound(r.d, r.name) };
    if (r.subresource === "log") return podLog(found.object, url.searchParams);
    return { status: 200, body: withType(found.object, r.d) };
  }

  function authorised(a: Access): boolean {
    if (!options.rules) return true;
    // Discovery is every authenticated client's, through the built-in system:discovery role.
    if (a.nonResourceURL && /^\/apis?(\/|$)/.test(a.nonResourceURL)) return true;
    return options.rules.some((rule) => ruleAllows(rule, a));
  }

  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => serve(req, res, Buffer.concat(chunks).toString("utf8")));
  });

  function serve(req: IncomingMessage, res: ServerResponse, text: string): void {
    const url = new URL(req.url ?? "/", "http://fake");
    const contentType = String(req.headers["content-type"] ?? "");
    let body: unknown;
    try {
      body = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      body = undefined;
    }
    const accept = String(req.headers.accept ?? "application/json");
    const query = Object.fromEntries(url.searchParams);
    const access: Access = { verb: "get" };
    const send = (reply: Reply): void => {
      requests.push({
        method: req.method ?? "GET",
        ...(body !== undefined ? { body, contentType } : {}),
        path: url.pathname,
        query,
        accept,
        verb: access.verb,
        apiGroup: access.nonResourceURL ? undefined : access.group,
        resource: access.nonResourceURL ?? access.resource,
        status: reply.status,
      });
      if (res.destroyed) return;
      const headers: Record<string, string> = {
        "content-type": reply.text !== undefined ? "text/plain" : "application/json",
        ...reply.headers,
      };
      res.writeHead(reply.status, headers);
      res.end(reply.text !== undefined ? reply.text : JSON.stringify(reply.body));
    };

    if (req.headers.authorization !== `Bearer ${token}`) {
      return send({ status: 401, body: statusBody(401, "Unauthorized", "Unauthorized") });
    }
    let reply = handle(req.method ?? "GET", url, accept, access, contentType, body);
    // Authorisation comes first: a forbidden read is a 403 whether or not the object exists.
    if (!authorised(access)) reply = { status: 403, body: forbidden(access) };

    const target = `${url.pathname}${url.search}`;
    const fault = faults.find(
      (f) => f.left > 0 && (typeof f.path === "string" ? f.path === url.pathname : f.path.test(target)),
    );
    if (fault) {
      fault.left--;
      if (fault.status) {
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
        reply = { status: fault.status, body: faultBody(fault.status, fault, access), headers };
      }
      if (fault.delayMs) {
        setTimeout(() => send(reply), fault.delayMs);
        return;
      }
    }
    send(reply);
  }
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "aiops-kube-"));
  const kubeconfigPath = join(dir, "kubeconfig.yaml");
  writeFileSync(
    kubeconfigPath,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "fake", cluster: { server: url, "insecure-skip-tls-verify": true } }],
      users: [{ name: "aiops-context", user: { token } }],
      contexts: [{ name: "fake", context: { cluster: "fake", user: "aiops-context" } }],
      "current-context": "fake",
    }),
  );
  return {
    url,
    kubeconfigPath,
    token,
    requests,
    inject(fault) {
      resourceVersion++;
      faults.push({ ...fault, left: fault.times ?? Number.POSITIVE_INFINITY });
    },
    clearFaults() {
      faults = [];
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

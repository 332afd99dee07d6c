import { isRecord } from "../../core/json.js";
import type { Budget, KubeApi } from "./kube-api.js";

/** A resource type of the API: where its objects live and what they are called. */
export interface ResourceType {
  kind: string;
  /** "" for the core group. */
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

function resource(kind: string, groupVersion: string, plural: string, namespaced = true): ResourceType {
  const [group, version] = groupVersion.includes("/") ? groupVersion.split("/") : ["", groupVersion];
  return { kind, group: group ?? "", version: version ?? "v1", plural, namespaced };
}

/** The built-in resources the context source reads, at the versions every supported cluster serves. */
export const RESOURCES = {
  Pod: resource("Pod", "v1", "pods"),
  Event: resource("Event", "v1", "events"),
  Node: resource("Node", "v1", "nodes", false),
  PersistentVolumeClaim: resource("PersistentVolumeClaim", "v1", "persistentvolumeclaims"),
  ConfigMap: resource("ConfigMap", "v1", "configmaps"),
  Secret: resource("Secret", "v1", "secrets"),
  Service: resource("Service", "v1", "services"),
  Endpoints: resource("Endpoints", "v1", "endpoints"),
  ReplicationController: resource("ReplicationController", "v1", "replicationcontrollers"),
  Deployment: resource("Deployment", "apps/v1", "deployments"),
  ReplicaSet: resource("ReplicaSet", "apps/v1", "replicasets"),
  StatefulSet: resource("StatefulSet", "apps/v1", "statefulsets"),
  DaemonSet: resource("DaemonSet", "apps/v1", "daemonsets"),
  ControllerRevision: resource("ControllerRevision", "apps/v1", "controllerrevisions"),
  Job: resource("Job", "batch/v1", "jobs"),
  CronJob: resource("CronJob", "batch/v1", "cronjobs"),
  HorizontalPodAutoscaler: resource("HorizontalPodAutoscaler", "autoscaling/v2", "horizontalpodautoscalers"),
  StorageClass: resource("StorageClass", "storage.k8s.io/v1", "storageclasses", false),
} as const satisfies Record<string, ResourceType>;

export type KnownKind = keyof typeof RESOURCES;

export function isKnownKind(kind: string): kind is KnownKind {
  return Object.hasOwn(RESOURCES, kind);
}

export function apiVersionOf(r: ResourceType): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

function groupPath(r: ResourceType): string {
  return r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
}

/** The collection: namespaced when the type is and a namespace is given, else across all namespaces. */
export function collectionPath(r: ResourceType, namespace?: string): string {
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${groupPath(r)}${ns}/${r.plural}`;
}

export function objectPath(r: ResourceType, namespace: string | undefined, name: string): string {
  return `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
}

/**
 * A label selector (`{matchLabels, matchExpressions}` of a workload, or a Service's plain
 * map) as the `labelSelector` query parameter. Undefined for an empty or unreadable
 * selector: an empty selector selects everything, which is never what is meant here.
 */
export function labelSelectorParam(selector: unknown): string | undefined {
  if (!isRecord(selector)) return undefined;
  const plain = !("matchLabels" in selector) && !("matchExpressions" in selector);
  const labels = plain ? selector : selector.matchLabels;
  const parts: string[] = [];
  if (isRecord(labels)) {
    for (const [k, v] of Object.entries(labels)) if (typeof v === "string") parts.push(`${k}=${v}`);
  }
  for (const e of plain || !Array.isArray(selector.matchExpressions) ? [] : selector.matchExpressions) {
    if (!isRecord(e) || typeof e.key !== "string") return undefined;
    const values = Array.isArray(e.values) ? e.values.filter((v): v is string => typeof v === "string") : [];
    switch (e.operator) {
      case "In":
        parts.push(`${e.key} in (${values.join(",")})`);
        break;
      case "NotIn":
        parts.push(`${e.key} notin (${values.join(",")})`);
        break;
      case "Exists":
        parts.push(e.key);
        break;
      case "DoesNotExist":
        parts.push(`!${e.key}`);
        break;
      default:
        return undefined;
    }
  }
  return parts.length > 0 ? parts.join(",") : undefined;
}

/**
 * Resource types by apiVersion and kind: the built-in ones from the table, others (the
 * owner of a ReplicaSet can be a custom controller's object) from the API's discovery
 * document of that group version, read once.
 */
export class ResourceResolver {
  private readonly discovered = new Map<string, Promise<ResourceType[]>>();

  constructor(private readonly api: KubeApi) {}

  async resolve(
    apiVersion: string | undefined,
    kind: string,
    budget: Budget,
  ): Promise<ResourceType | undefined> {
    if (isKnownKind(kind)) {
      const known: ResourceType = RESOURCES[kind];
      if (!apiVersion || apiVersion === apiVersionOf(known)) return known;
      const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
      // Same group, another version (autoscaling/v1, batch/v1beta1): the table's version serves the same objects.
      if (group === known.group) return known;
    }
    if (!apiVersion) return undefined;
    const types = await this.discover(apiVersion, budget);
    return types.find((t) => t.kind === kind);
  }

  private discover(apiVersion: string, budget: Budget): Promise<ResourceType[]> {
    let found = this.discovered.get(apiVersion);
    if (!found) {
      found = this.fetchDiscovery(apiVersion, budget);
      this.discovered.set(apiVersion, found);
    }
    return found;
  }

  private async fetchDiscovery(apiVersion: string, budget: Budget): Promise<ResourceType[]> {
    const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const result = await this.api.getJson(path, budget);
    if (!result.ok || !isRecord(result.body) || !Array.isArray(result.body.resources)) {
      this.discovered.delete(apiVersion);
      return [];
    }
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    return result.body.resources
      .filter(isRecord)
      .filter((r) => typeof r.name === "string" && !r.name.includes("/") && typeof r.kind === "string")
      .map((r) => ({
        kind: r.kind as string,
        group: group ?? "",
        version: version ?? "v1",
        plural: r.name as string,
        namespaced: r.namespaced === true,
      }));
  }
}

import type { AlertSubject, EvidenceGap } from "../core/evidence.js";
import { isRecord } from "../core/json.js";

/** A Kubernetes object as the API returns it (JSON). */
export interface KubeObject {
  apiVersion?: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: {
      apiVersion?: string;
      kind: string;
      name: string;
      uid?: string;
      controller?: boolean;
    }[];
    creationTimestamp?: string;
    deletionTimestamp?: string;
    generation?: number;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** An object with a kind and a metadata.name: the least the context sources and the extractor need. */
export function isKubeObject(v: unknown): v is KubeObject {
  return (
    isRecord(v) && typeof v.kind === "string" && isRecord(v.metadata) && typeof v.metadata.name === "string"
  );
}

/** Container logs as `kubectl logs [--previous]` prints them. */
export interface LogRecord {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
  text: string;
}

/** One Prometheus query and its result, as /api/v1/query(_range) returns it in `data`. */
export interface MetricRecord {
  query: string;
  result: {
    resultType: string;
    result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[];
  };
}

/** What a context source found about an alert's subject. */
export interface ContextBundle {
  objects: KubeObject[];
  logs: LogRecord[];
  metrics: MetricRecord[];
  /** Sources that failed or were cut short: recorded, never fatal. */
  gaps: EvidenceGap[];
}

/**
 * Gathers what a good SRE would look at first for an alert's subject: the pods, their
 * owners, events, logs, related objects and metrics. Read-only. Implementations bound
 * their time and size; a failing part becomes a gap, not an error.
 */
export interface ContextSource {
  readonly name: string;
  gather(subject: AlertSubject, signal?: AbortSignal): Promise<ContextBundle>;
}

/**
 * Container logs from Loki (LogQL over /loki/api/v1/query_range), for when the Kubernetes
 * API has none: the pod is gone, or its previous container's logs were rotated away.
 * Label names follow promtail's and Grafana Alloy's Kubernetes defaults (namespace, pod,
 * container) and can be changed. Bounded: a timeout, a line limit, a byte cap per record.
 */
import { isRecord } from "../../core/json.js";
import type { LogRecord } from "../context-source.js";
import { fetchWithTimeout, httpBase } from "../http.js";
import { promString } from "../prometheus/promql.js";

export interface LokiOptions {
  /** Base URL, e.g. http://loki.monitoring:3100. */
  url: string;
  /** X-Scope-OrgID for a multi-tenant Loki. */
  tenant?: string;
  headers?: Record<string, string>;
  /** Default 5000. */
  timeoutMs?: number;
  /** How far back to look. Default one hour. */
  lookbackMs?: number;
  /** Lines per query (Loki's `limit`). Default 500. */
  limit?: number;
  /** Bytes kept per container (the newest lines). Default 64 KiB. */
  maxBytes?: number;
  labels?: { namespace?: string; pod?: string; container?: string };
  fetch?: typeof fetch;
  clock?: () => Date;
}

export class LokiQueryError extends Error {}

export class LokiClient {
  readonly #base: string;
  readonly #options: LokiOptions;
  readonly #fetch: typeof fetch;
  readonly #labels: { namespace: string; pod: string; container: string };

  constructor(options: LokiOptions) {
    this.#base = httpBase(options.url, "loki");
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
    this.#labels = {
      namespace: options.labels?.namespace ?? "namespace",
      pod: options.labels?.pod ?? "pod",
      container: options.labels?.container ?? "container",
    };
  }

  /** The LogQL stream selector of a pod (and container), values escaped. */
  selectorFor(namespace: string, pod: string, container?: string): string {
    const parts = [
      `${this.#labels.namespace}=${promString(namespace)}`,
      `${this.#labels.pod}=${promString(pod)}`,
      ...(container ? [`${this.#labels.container}=${promString(container)}`] : []),
    ];
    return `{${parts.join(", ")}}`;
  }

  /**
   * The newest lines of a pod's containers in the lookback window, one record per
   * container, oldest line first. `previous` is the caller's to set.
   */
  async podLogs(
    namespace: string,
    pod: string,
    container?: string,
    signal?: AbortSignal,
  ): Promise<LogRecord[]> {
    const now = (this.#options.clock ?? (() => new Date()))();
    const timeoutMs = this.#options.timeoutMs ?? 5_000;
    const lookbackMs = this.#options.lookbackMs ?? 3_600_000;
    const params = new URLSearchParams({
      query: this.selectorFor(namespace, pod, container),
      start: `${BigInt(now.getTime() - lookbackMs) * 1_000_000n}`,
      end: `${BigInt(now.getTime()) * 1_000_000n}`,
      limit: String(this.#options.limit ?? 500),
      direction: "backward",
    });
    const headers: Record<string, string> = { ...(this.#options.headers ?? {}) };
    if (this.#options.tenant) headers["X-Scope-OrgID"] = this.#options.tenant;
    const response = await fetchWithTimeout(
      this.#fetch,
      new URL(`loki/api/v1/query_range?${params}`, this.#base),
      { headers },
      timeoutMs,
      signal,
      (reason) => new LokiQueryError(`Loki unreachable: ${reason}`),
    );
    const text = await response.text();
    if (!response.ok)
      throw new LokiQueryError(`Loki answered ${response.status}: ${text.trim().slice(0, 300)}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new LokiQueryError("Loki answered with no JSON");
    }
    if (
      !isRecord(body) ||
      body.status !== "success" ||
      !isRecord(body.data) ||
      !Array.isArray(body.data.result)
    ) {
      throw new LokiQueryError("Loki's answer is not a query_range result");
    }
    const byContainer = new Map<string, [bigint, string][]>();
    for (const stream of body.data.result) {
      if (!isRecord(stream) || !isRecord(stream.stream) || !Array.isArray(stream.values)) continue;
      const name = String(stream.stream[this.#labels.container] ?? container ?? "");
      const lines = byContainer.get(name) ?? [];
      for (const entry of stream.values) {
        if (Array.isArray(entry) && typeof entry[0] === "string" && typeof entry[1] === "string") {
          lines.push([BigInt(entry[0]), entry[1]]);
        }
      }
      byContainer.set(name, lines);
    }
    const maxBytes = this.#options.maxBytes ?? 64 * 1024;
    return [...byContainer].map(([name, lines]) => ({
      namespace,
      pod,
      container: name,
      previous: false,
      text: newestWithin(
        lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, line]) => line),
        maxBytes,
      ),
    }));
  }
}

/** The newest lines whose total fits in `maxBytes`, oldest first. */
function newestWithin(lines: string[], maxBytes: number): string {
  const kept: string[] = [];
  let bytes = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > maxBytes) break;
    kept.push(line);
  }
  return kept.reverse().join("\n");
}

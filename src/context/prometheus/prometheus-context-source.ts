/**
 * Metrics from a Prometheus server over its HTTP API (instant queries, /api/v1/query),
 * for the PromQL of queries.ts. Bounded: a timeout per query (also sent to the server),
 * a few queries at a time, a cap on series per result; a query that fails or times out
 * becomes an evidence gap naming it, and the others still count.
 */
import type { AlertSubject, EvidenceGap } from "../../core/evidence.js";
import { isRecord } from "../../core/json.js";
import type { ContextBundle, ContextSource, MetricRecord } from "../context-source.js";
import { fetchWithTimeout, httpBase } from "../http.js";
import { queriesFor, type NamedQuery } from "./queries.js";

export interface PrometheusOptions {
  /** Base URL, e.g. http://prometheus.monitoring:9090 (a path prefix is kept). */
  url: string;
  /** Per query. Default 5000. */
  timeoutMs?: number;
  /** Queries in flight at once. Default 4. */
  concurrency?: number;
  /** Series kept per result; the rest is dropped and noted as a gap. Default 200. */
  maxSeries?: number;
  /** Extra request headers (a bearer token for a protected Prometheus). */
  headers?: Record<string, string>;
  /** For tests. Default global fetch. */
  fetch?: typeof fetch;
  /** The evaluation time. Default now. */
  clock?: () => Date;
}

type Result = MetricRecord["result"];

export class PrometheusQueryError extends Error {}

export class PrometheusContextSource implements ContextSource {
  readonly name = "prometheus";
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #concurrency: number;
  readonly #maxSeries: number;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;
  readonly #clock: () => Date;

  constructor(options: PrometheusOptions) {
    this.#base = httpBase(options.url, "prometheus");
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#maxSeries = Math.max(1, options.maxSeries ?? 200);
    this.#headers = options.headers ?? {};
    this.#fetch = options.fetch ?? fetch;
    this.#clock = options.clock ?? (() => new Date());
  }

  async gather(subject: AlertSubject, signal?: AbortSignal): Promise<ContextBundle> {
    const queries = queriesFor(subject);
    const metrics: MetricRecord[] = [];
    const gaps: EvidenceGap[] = [];
    const time = this.#clock();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queries.length) {
        const q = queries[next++] as NamedQuery;
        if (signal?.aborted) {
          gaps.push({ source: this.name, reason: `${q.name}: not run, the collection deadline passed` });
          continue;
        }
        try {
          const result = await this.query(q.query, time, signal);
          if (result.result.length > this.#maxSeries) {
            gaps.push({
              source: this.name,
              reason: `${q.name}: ${result.result.length} series, kept the first ${this.#maxSeries}`,
            });
            result.result = result.result.slice(0, this.#maxSeries);
          }
          metrics.push({ query: q.query, result });
        } catch (error) {
          gaps.push({ source: this.name, reason: `${q.name}: ${(error as Error).message}` });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, queries.length) }, worker));
    // In the order of queries.ts, whatever order they finished in.
    const order = new Map(queries.map((q, i) => [q.query, i]));
    metrics.sort((a, b) => (order.get(a.query) ?? 0) - (order.get(b.query) ?? 0));
    return { objects: [], logs: [], metrics, gaps };
  }

  /** One instant query; throws PrometheusQueryError with the server's reason. */
  async query(query: string, time: Date, signal?: AbortSignal): Promise<Result> {
    const body = new URLSearchParams({
      query,
      time: (time.getTime() / 1000).toFixed(3),
      timeout: `${Math.max(1, Math.floor(this.#timeoutMs / 1000))}s`,
    });
    const response = await fetchWithTimeout(
      this.#fetch,
      new URL("api/v1/query", this.#base),
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...this.#headers },
        body,
      },
      this.#timeoutMs,
      signal,
      (reason) => new PrometheusQueryError(`Prometheus unreachable: ${reason}`),
    );
    const text = await response.text();
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw new PrometheusQueryError(
        `Prometheus answered ${response.status} with no JSON: ${text.slice(0, 200)}`,
      );
    }
    if (!isRecord(payload) || payload.status !== "success" || !isRecord(payload.data)) {
      const reason = isRecord(payload)
        ? `${String(payload.errorType ?? "")}: ${String(payload.error ?? "")}`
        : "";
      throw new PrometheusQueryError(`Prometheus answered ${response.status} ${reason}`.trim());
    }
    return toResult(payload.data);
  }
}

/** The `data` of a query answer as a MetricRecord result; scalars and strings become one series. */
function toResult(data: Record<string, unknown>): Result {
  const resultType = typeof data.resultType === "string" ? data.resultType : "vector";
  const raw = data.result;
  if (resultType === "scalar" || resultType === "string") {
    const value = Array.isArray(raw) ? (raw as [number, string]) : undefined;
    return { resultType, result: value ? [{ metric: {}, value }] : [] };
  }
  const series = Array.isArray(raw) ? raw : [];
  return {
    resultType,
    result: series.filter(isRecord).map((s) => ({
      metric: isRecord(s.metric) ? (s.metric as Record<string, string>) : {},
      ...(Array.isArray(s.value) ? { value: s.value as [number, string] } : {}),
      ...(Array.isArray(s.values) ? { values: s.values as [number, string][] } : {}),
    })),
  };
}

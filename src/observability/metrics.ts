import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The stages whose duration and errors are measured. */
export const Stage = {
  Webhook: "webhook",
  Collect: "collect",
  Diagnose: "diagnose",
  Plan: "plan",
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

/** What became of a bus message: acknowledged, redelivered later, or terminated (dead-lettered). */
export const BusOutcome = {
  Ack: "ack",
  Retry: "retry",
  Term: "term",
} as const;
export type BusOutcome = (typeof BusOutcome)[keyof typeof BusOutcome];

export interface IncidentCount {
  state: string;
  category: string;
  count: number;
}

export interface MetricsOptions {
  /** Read at each scrape to fill `aiops_incidents`; a failure leaves the gauge empty for that scrape. */
  incidentCounts?: () => Promise<IncidentCount[]>;
}

/**
 * The process's Prometheus metrics, on a registry of its own (never prom-client's global
 * one), so two instances in one process (tests, the all-in-one mode) do not collide.
 */
export interface Metrics {
  readonly registry: Registry;
  /** `aiops_alerts_received_total{status}`: alerts of accepted webhooks, by alert status. */
  readonly alertsReceived: Counter<"status">;
  /** `aiops_webhooks_rejected_total{reason}`: reason is the `error` code of the HTTP answer. */
  readonly webhooksRejected: Counter<"reason">;
  /** `aiops_stage_duration_seconds{stage}`. */
  readonly stageDuration: Histogram<"stage">;
  /** `aiops_stage_errors_total{stage}`. */
  readonly stageErrors: Counter<"stage">;
  /** `aiops_incidents{state,category}`, read from the store at scrape time. */
  readonly incidents: Gauge<"state" | "category">;
  /** `aiops_bus_messages_total{stage,outcome}`. */
  readonly busMessages: Counter<"stage" | "outcome">;
  /** `aiops_remediation_outcomes_total{result}`: remediations judged resolved or not_resolved. */
  readonly remediationOutcomes: Counter<"result">;
  /** `aiops_notifications_total{channel,kind,result}`: messages posted or updated (ok, retryable, permanent). */
  readonly notifications: Counter<"channel" | "kind" | "result">;
  /**
   * `aiops_memory_failures_total{operation}`: incident memory calls that failed (an
   * unreachable embedding model or vector store); the pipeline went on without memory.
   */
  readonly memoryFailures: Counter<"operation">;
  /** `aiops_model_calls_total{model,outcome}`: calls to the language model (ok, invalid, error, timeout). */
  readonly modelCalls: Counter<"model" | "outcome">;
  /** `aiops_model_failures_total{model,reason}`: incidents the model gave no usable answer for. */
  readonly modelFailures: Counter<"model" | "reason">;
  /** `aiops_model_call_duration_seconds{model}`. */
  readonly modelLatency: Histogram<"model">;
  /** `aiops_model_tokens_total{model,direction}`: tokens in (prompt) and out (answer). */
  readonly modelTokens: Counter<"model" | "direction">;
  /** `aiops_model_incident_tokens{model}`: tokens in and out of all calls for one incident. */
  readonly modelIncidentTokens: Histogram<"model">;
}

// From a webhook (milliseconds) to an LLM diagnosis (tens of seconds).
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "aiops_" });

  const alertsReceived = new Counter({
    name: "aiops_alerts_received_total",
    help: "Alerts received in accepted webhooks, by alert status.",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  const webhooksRejected = new Counter({
    name: "aiops_webhooks_rejected_total",
    help: "Webhooks answered with an error, by reason (the error code of the answer).",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const stageDuration = new Histogram({
    name: "aiops_stage_duration_seconds",
    help: "Time spent in a processing stage.",
    labelNames: ["stage"] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const stageErrors = new Counter({
    name: "aiops_stage_errors_total",
    help: "Errors in a processing stage.",
    labelNames: ["stage"] as const,
    registers: [registry],
  });
  const incidentCounts = opts.incidentCounts;
  const incidents = new Gauge({
    name: "aiops_incidents",
    help: "Incidents in the store, by state and category.",
    labelNames: ["state", "category"] as const,
    registers: [registry],
    async collect() {
      if (!incidentCounts) return;
      let rows: IncidentCount[];
      try {
        rows = await incidentCounts();
      } catch {
        // A store that cannot answer must not fail the whole scrape; stale numbers would mislead.
        this.reset();
        return;
      }
      this.reset();
      for (const row of rows) this.set({ state: row.state, category: row.category }, row.count);
    },
  });
  const busMessages = new Counter({
    name: "aiops_bus_messages_total",
    help: "Bus messages handled, by stage and outcome (ack, retry, term).",
    labelNames: ["stage", "outcome"] as const,
    registers: [registry],
  });

  const memoryFailures = new Counter({
    name: "aiops_memory_failures_total",
    help: "Incident memory calls that failed (recall, remember, remember_plan, learn); work went on without memory.",
    labelNames: ["operation"] as const,
    registers: [registry],
  });

  const remediationOutcomes = new Counter({
    name: "aiops_remediation_outcomes_total",
    help: "Remediations applied or merged, by what the alert did within the outcome window (resolved, not_resolved).",
    labelNames: ["result"] as const,
    registers: [registry],
  });

  const notifications = new Counter({
    name: "aiops_notifications_total",
    help: "Notification messages sent to Slack, Teams or a webhook, by channel, post or update, and result (ok, retryable, permanent).",
    labelNames: ["channel", "kind", "result"] as const,
    registers: [registry],
  });

  const modelCalls = new Counter({
    name: "aiops_model_calls_total",
    help: "Calls to the language model, by outcome (ok, invalid, error, timeout).",
    labelNames: ["model", "outcome"] as const,
    registers: [registry],
  });
  const modelFailures = new Counter({
    name: "aiops_model_failures_total",
    help: "Incidents the language model gave no usable answer for, by reason; the analyzers decided.",
    labelNames: ["model", "reason"] as const,
    registers: [registry],
  });
  const modelLatency = new Histogram({
    name: "aiops_model_call_duration_seconds",
    help: "Time one language model call took.",
    labelNames: ["model"] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const modelTokens = new Counter({
    name: "aiops_model_tokens_total",
    help: "Language model tokens, in (prompt) and out (answer).",
    labelNames: ["model", "direction"] as const,
    registers: [registry],
  });
  const modelIncidentTokens = new Histogram({
    name: "aiops_model_incident_tokens",
    help: "Language model tokens in and out for one incident.",
    labelNames: ["model"] as const,
    buckets: [250, 500, 1000, 2000, 4000, 8000, 16000, 32000],
    registers: [registry],
  });

  return {
    registry,
    modelCalls,
    modelFailures,
    modelLatency,
    modelTokens,
    modelIncidentTokens,
    remediationOutcomes,
    notifications,
    alertsReceived,
    webhooksRejected,
    stageDuration,
    stageErrors,
    incidents,
    busMessages,
    memoryFailures,
  };
}

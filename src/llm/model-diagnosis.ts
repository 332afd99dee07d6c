/**
 * The model in the RCA: one structured call per incident around the pure core
 * (analysis/model/): build the prompt, call, validate, one repair attempt on an invalid
 * answer, then combine with the analyzers' diagnosis or fall back to it with the reason.
 * Calls are bounded in time and in number at once, and cached by incident and prompt so a
 * repeat notification (or a redelivered message) never calls the model twice.
 */
import { createHash } from "node:crypto";
import type { Diagnosis, SimilarIncidentRef } from "../core/diagnosis.js";
import type { Evidence } from "../core/evidence.js";
import {
  ANSWER_JSON_SCHEMA,
  ANSWER_SCHEMA_NAME,
  parseAnswer,
  repairMessage,
} from "../analysis/model/answer.js";
import type { ModelAnswer } from "../analysis/model/answer.js";
import { combine, withModelFailure, type ModelUsage } from "../analysis/model/combine.js";
import { buildPrompt, type PromptLanguage } from "../analysis/model/prompt.js";
import type { ChatMessage, LanguageModel } from "./language-model.js";
import { Semaphore } from "../core/semaphore.js";

/** What the model stage records; satisfied by observability/metrics.ts. */
export interface ModelMetrics {
  /** One per call to the server, by outcome: ok, invalid, error, timeout. */
  modelCalls: { inc(labels: { model: string; outcome: string }): void };
  /** Incidents the model could not help with, by reason: timeout, error, invalid. */
  modelFailures: { inc(labels: { model: string; reason: string }): void };
  modelLatency: { observe(labels: { model: string }, seconds: number): void };
  modelTokens: { inc(labels: { model: string; direction: "in" | "out" }, value: number): void };
  /** Tokens in and out per incident (both directions, all calls of the incident). */
  modelIncidentTokens: { observe(labels: { model: string }, tokens: number): void };
}

export interface ModelDiagnosisOptions {
  model: LanguageModel;
  metrics?: ModelMetrics;
  language?: PromptLanguage;
  /** The prompt's budget in tokens. */
  budgetTokens?: number;
  /** Bound on one call; 60 s by default (a local model on a CPU is slow). */
  timeoutMs?: number;
  /** Calls in flight at once; further incidents wait their turn. */
  concurrency?: number;
  cacheSize?: number;
  cacheTtlMs?: number;
  clock?: () => Date;
}

export interface ModelDiagnosisInput {
  incidentId: string;
  evidence: Evidence;
  diagnosis: Diagnosis;
  similar?: readonly SimilarIncidentRef[];
}

/** What one incident's calls produced: a valid answer, or why there is none. */
type Outcome =
  { answer: ModelAnswer; usage: ModelUsage } | { failure: string; reason: ModelFailure; usage: ModelUsage };

/** Reasons a model call gives no answer, as counted in `aiops_model_failures_total`. */
export const ModelFailure = { Timeout: "timeout", Error: "error", Invalid: "invalid" } as const;
export type ModelFailure = (typeof ModelFailure)[keyof typeof ModelFailure];

class TimeoutError extends Error {
  override readonly name = "TimeoutError";
}

/** A bounded map by insertion order whose entries expire. */
class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; at: number }>();
  constructor(
    readonly size: number,
    readonly ttlMs: number,
    readonly now: () => number,
  ) {}
  get(key: string): V | undefined {
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    if (this.now() - hit.at > this.ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return hit.value;
  }
  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, at: this.now() });
    while (this.#entries.size > this.size) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}

export function createModelDiagnosis(options: ModelDiagnosisOptions) {
  const model = options.model;
  const clock = options.clock ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? 60_000;
  const semaphore = new Semaphore(options.concurrency ?? 2);
  const cache = new BoundedCache<Promise<Outcome>>(
    options.cacheSize ?? 1000,
    options.cacheTtlMs ?? 24 * 3600 * 1000,
    () => clock().getTime(),
  );
  const labels = { model: model.name };
  const m = options.metrics;

  /** One call within the timeout; the model's answer text and tokens, or why there is none. */
  async function call(
    system: string,
    messages: ChatMessage[],
    usage: ModelUsage,
  ): Promise<{ content: string } | { failure: string; reason: ModelFailure }> {
    usage.calls++;
    // The timeout starts once the call holds its slot: waiting for one is not the model's fault.
    return semaphore.run(async () => {
      const controller = new AbortController();
      const timer = setTimeout(
        () => controller.abort(new TimeoutError(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const started = performance.now();
      try {
        // The race covers an adapter that ignores the signal.
        const res = await Promise.race([
          model.complete({
            system,
            messages,
            schema: ANSWER_JSON_SCHEMA,
            schemaName: ANSWER_SCHEMA_NAME,
            signal: controller.signal,
          }),
          new Promise<never>((_, reject) =>
            controller.signal.addEventListener("abort", () => reject(controller.signal.reason as Error)),
          ),
        ]);
        usage.inputTokens += res.usage.inputTokens;
        usage.outputTokens += res.usage.outputTokens;
        m?.modelTokens.inc({ ...labels, direction: "in" }, res.usage.inputTokens);
        m?.modelTokens.inc({ ...labels, direction: "out" }, res.usage.outputTokens);
        return { content: res.content };
      } catch (error) {
        const reason = error instanceof TimeoutError ? ModelFailure.Timeout : ModelFailure.Error;
        m?.modelCalls.inc({ ...labels, outcome: reason });
        return { failure: `${reason}: ${error instanceof Error ? error.message : String(error)}`, reason };
      } finally {
        clearTimeout(timer);
        const seconds = (performance.now() - started) / 1000;
        usage.latencyMs += Math.round(seconds * 1000);
        m?.modelLatency.observe(labels, seconds);
      }
    });
  }

  /** The call, and one repair attempt when its answer is invalid. */
  async function ask(system: string, user: string): Promise<Outcome> {
    const usage: ModelUsage = { calls: 0, inputTokens: 0, outputTokens: 0, latencyMs: 0 };
    const messages: ChatMessage[] = [{ role: "user", content: user }];
    let problem = "";
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await call(system, messages, usage);
      if ("failure" in res) return { ...res, usage };
      const parsed = parseAnswer(res.content);
      if (parsed.ok) {
        m?.modelCalls.inc({ ...labels, outcome: "ok" });
        return { answer: parsed.answer, usage };
      }
      m?.modelCalls.inc({ ...labels, outcome: ModelFailure.Invalid });
      problem = parsed.problem;
      messages.push(
        { role: "assistant", content: res.content.slice(0, 2000) },
        { role: "user", content: repairMessage(parsed.problem) },
      );
    }
    return {
      failure: `${ModelFailure.Invalid}: ${problem} (after one repair attempt)`,
      reason: ModelFailure.Invalid,
      usage,
    };
  }

  return {
    name: model.name,
    /**
     * The diagnosis to keep: the analyzers' (with the model's opinion beside it) or the
     * model's where the combination policy lets it decide. Never rejects: a failing model
     * leaves the analyzers' diagnosis with the reason recorded.
     */
    async refine(input: ModelDiagnosisInput): Promise<Diagnosis> {
      const prompt = buildPrompt({
        evidence: input.evidence,
        diagnosis: input.diagnosis,
        ...(input.similar ? { similar: input.similar } : {}),
        ...(options.language ? { language: options.language } : {}),
        ...(options.budgetTokens ? { budgetTokens: options.budgetTokens } : {}),
      });
      const key = `${input.incidentId}:${createHash("sha256").update(prompt.system).update(prompt.user).digest("hex")}`;
      let pending = cache.get(key);
      const cached = pending !== undefined;
      if (!pending) {
        pending = ask(prompt.system, prompt.user);
        cache.set(key, pending);
      }
      const outcome = await pending;
      const usage: ModelUsage = cached
        ? { calls: 0, inputTokens: 0, outputTokens: 0, latencyMs: 0, cached: true }
        : outcome.usage;
      if (!cached) m?.modelIncidentTokens.observe(labels, usage.inputTokens + usage.outputTokens);
      if ("failure" in outcome) {
        if (!cached) m?.modelFailures.inc({ ...labels, reason: outcome.reason });
        return withModelFailure(input.diagnosis, model.name, outcome.failure, usage);
      }
      return combine(input.diagnosis, outcome.answer, {
        evidence: input.evidence,
        items: prompt.items,
        model: model.name,
        usage,
        now: clock(),
      });
    },
  };
}

export type ModelDiagnosis = ReturnType<typeof createModelDiagnosis>;

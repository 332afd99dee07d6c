/**
 * `aiops eval`: replays each scenario through the real pipeline (HTTP webhook, bus,
 * collector, RCA, remediator, store) with the scenario's snapshot standing in for the
 * cluster, and scores the outcome. The system sees only webhook, cluster, logs and
 * metrics; `expected` stays here.
 */
import { performance } from "node:perf_hooks";
import type { Incident } from "../core/incident.js";
import { IncidentState } from "../core/incident.js";
import { loadScenarioDir, type Scenario } from "../context/snapshot/scenario.js";
import { snapshotFromScenarioInput } from "../context/snapshot/snapshot-context-source.js";
import type { ContextSource } from "../context/context-source.js";
import { validate } from "../config/load.js";
import { createSystem } from "../main.js";
import { createLogger } from "../observability/logger.js";
import type { LanguageModel } from "../llm/language-model.js";
import {
  revisionImagesFromCluster,
  scoreScenario,
  summarise,
  type ActualOutcome,
  type ScenarioScore,
  type ScoreSummary,
} from "./score.js";

export interface EvalResult {
  id: string;
  title?: string;
  passed: boolean;
  ms: number;
  expectedCategory: string;
  actual?: ActualOutcome;
  failures: string[];
  score?: ScenarioScore;
  /** With a model in the loop: what it cost and how its answer was used. */
  model?: { verdict: string; calls: number; inputTokens: number; outputTokens: number; latencyMs: number };
}

export interface EvalReport {
  summary: ScoreSummary;
  results: EvalResult[];
}

export interface EvalOptions {
  /** How long one scenario may take through the pipeline before it counts as failed. */
  timeoutMs?: number;
  /**
   * The cluster a scenario is diagnosed against; by default its snapshot. A live source
   * (the Kubernetes adapter against a server loaded with the scenario) is closed after
   * the scenario.
   */
  context?: (scenario: Scenario) => Promise<ScenarioContext>;
  /** Runs with this language model in the RCA; `settings` are the `llm` keys besides `kind`. */
  llm?: { model: LanguageModel; settings?: Record<string, unknown> };
}

export interface ScenarioContext {
  source: ContextSource;
  close?(): Promise<void>;
}

export async function evaluateDir(dir: string, options: EvalOptions = {}): Promise<EvalReport> {
  const scenarios = await loadScenarioDir(dir);
  const results: EvalResult[] = [];
  for (const scenario of scenarios) results.push(await evaluateScenario(scenario, options));
  const summary = summarise(
    results.map((r) => ({
      expectedCategory: r.expectedCategory,
      ms: r.ms,
      score: r.score ?? {
        passed: false,
        failures: r.failures,
        categoryCorrect: false,
        actionCorrect: false,
        targetCorrect: false,
        paramsCorrect: false,
      },
    })),
  );
  return { summary, results };
}

export async function evaluateScenario(scenario: Scenario, options: EvalOptions = {}): Promise<EvalResult> {
  const expected = scenario.expected;
  const base = { id: scenario.id, title: scenario.title, expectedCategory: expected?.category ?? "(none)" };
  const config = validate({
    store: { kind: "memory" },
    // In-process only: nothing listens, so the API needs no credentials.
    auth: { disabled: true },
    log: { level: "silent" },
    ...(options.llm ? { llm: { ...options.llm.settings } } : {}),
  });
  const context: ScenarioContext = options.context
    ? await options.context(scenario)
    : { source: snapshotFromScenarioInput(scenario.input) };
  let system: Awaited<ReturnType<typeof createSystem>>;
  try {
    system = await createSystem(config, {
      context: context.source,
      logger: createLogger({ level: "silent" }),
      ...(options.llm ? { languageModel: options.llm.model } : {}),
    });
  } catch (error) {
    // The scenario's context (a live fake, say) is closed whether or not the system started.
    await context.close?.();
    throw error;
  }
  const started = performance.now();
  try {
    await system.start();
    const response = await system.app.inject({
      method: "POST",
      url: "/alert",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(scenario.input.webhook),
    });
    if (response.statusCode !== 202) {
      return fail(base, started, [`webhook answered ${response.statusCode}: ${response.body}`]);
    }
    const incident = await waitForPlan(system.store, options.timeoutMs ?? 10_000);
    const ms = Math.round(performance.now() - started);
    if (!incident?.diagnosis || !incident.plan) {
      return {
        ...base,
        passed: false,
        ms,
        failures: [incident?.error ?? "no remediation plan within the timeout"],
      };
    }
    const actual: ActualOutcome = {
      category: incident.diagnosis.category,
      confidence: incident.diagnosis.confidence,
      remediation: {
        action: incident.plan.action,
        target: incident.plan.target,
        params: incident.plan.params,
      },
    };
    const m = incident.diagnosis.model;
    const model = m
      ? {
          verdict: m.verdict,
          calls: m.calls,
          inputTokens: m.inputTokens,
          outputTokens: m.outputTokens,
          latencyMs: m.latencyMs,
        }
      : undefined;
    if (!expected)
      return { ...base, passed: false, ms, actual, model, failures: ["scenario has no expected block"] };
    // manual and unknown are scored on category and action alone, so a file may omit the target.
    const target = expected.remediation.target ?? { kind: "(none)", name: "(none)" };
    const score = scoreScenario({ ...expected, remediation: { ...expected.remediation, target } }, actual, {
      resolveRevisionImages: revisionImagesFromCluster(scenario.input.cluster, target),
    });
    return { ...base, passed: score.passed, ms, actual, model, failures: score.failures, score };
  } finally {
    await system.close();
    await context.close?.();
  }
}

function fail(base: Omit<EvalResult, "passed" | "ms" | "failures">, started: number, failures: string[]) {
  return { ...base, passed: false, ms: Math.round(performance.now() - started), failures };
}

/** The first incident the webhook opened, once it has a plan (or has failed). */
async function waitForPlan(
  store: {
    list(q: { limit: number }): Promise<{ items: { id: string; openedAt: string }[] }>;
    get(id: string): Promise<Incident | undefined>;
  },
  timeoutMs: number,
): Promise<Incident | undefined> {
  const deadline = Date.now() + timeoutMs;
  let incident: Incident | undefined;
  while (Date.now() < deadline) {
    const page = await store.list({ limit: 100 });
    const first = [...page.items].sort((a, b) => a.openedAt.localeCompare(b.openedAt))[0];
    incident = first ? await store.get(first.id) : undefined;
    if (incident && (incident.plan || incident.state === IncidentState.Failed)) return incident;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return incident;
}

/**
 * The rules-only run beside the run with a model in the loop: accuracy per category and
 * overall, and what the model cost (calls, tokens, latency). Pure.
 */
import type { EvalReport } from "./run.js";

export interface CategoryComparison {
  category: string;
  scenarios: number;
  /** Share of scenarios of this expected category whose diagnosed category was right. */
  rules: number;
  model: number;
}

export interface ModelComparison {
  model: string;
  categories: CategoryComparison[];
  rules: { passed: number; scenarios: number; passRate: number };
  withModel: { passed: number; scenarios: number; passRate: number };
  usage: {
    calls: number;
    inputTokens: number;
    outputTokens: number;
    /** Model time per scenario that called it. */
    latencyMs: { p50: number; max: number; total: number };
    /** How the answers were used: decided, overruled, agreed, disregarded, failed. */
    verdicts: Record<string, number>;
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

function categoryHits(report: EvalReport): Map<string, { n: number; right: number }> {
  const hits = new Map<string, { n: number; right: number }>();
  for (const r of report.results) {
    const h = hits.get(r.expectedCategory) ?? { n: 0, right: 0 };
    h.n++;
    if (r.actual?.category === r.expectedCategory) h.right++;
    hits.set(r.expectedCategory, h);
  }
  return hits;
}

export function compareRuns(model: string, rules: EvalReport, withModel: EvalReport): ModelComparison {
  const before = categoryHits(rules);
  const after = categoryHits(withModel);
  const categories = [...new Set([...before.keys(), ...after.keys()])].sort().map((category) => {
    const b = before.get(category) ?? { n: 0, right: 0 };
    const a = after.get(category) ?? { n: 0, right: 0 };
    return {
      category,
      scenarios: Math.max(a.n, b.n),
      rules: b.n ? b.right / b.n : 0,
      model: a.n ? a.right / a.n : 0,
    };
  });
  const used = withModel.results.flatMap((r) => (r.model ? [r.model] : []));
  const latencies = used
    .filter((m) => m.calls > 0)
    .map((m) => m.latencyMs)
    .sort((x, y) => x - y);
  const verdicts: Record<string, number> = {};
  for (const m of used) verdicts[m.verdict] = (verdicts[m.verdict] ?? 0) + 1;
  const totals = (r: EvalReport) => ({
    passed: r.summary.passed,
    scenarios: r.summary.scenarios,
    passRate: r.summary.passRate,
  });
  return {
    model,
    categories,
    rules: totals(rules),
    withModel: totals(withModel),
    usage: {
      calls: used.reduce((n, m) => n + m.calls, 0),
      inputTokens: used.reduce((n, m) => n + m.inputTokens, 0),
      outputTokens: used.reduce((n, m) => n + m.outputTokens, 0),
      latencyMs: {
        p50: percentile(latencies, 0.5),
        max: latencies.at(-1) ?? 0,
        total: latencies.reduce((n, x) => n + x, 0),
      },
      verdicts,
    },
  };
}

import type { ModelComparison } from "./compare.js";
import type { EvalReport } from "./run.js";

function pad(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text + " ".repeat(width - text.length);
}

/** Prints the eval report as plain-text tables: per scenario, per category, then the totals. */
export function printEvalReport(report: EvalReport, print: (line: string) => void): void {
  const idWidth = Math.min(60, Math.max(8, ...report.results.map((r) => r.id.length)));
  print(`${pad("scenario", idWidth)}  result  ${pad("category", 26)}  ${pad("action", 22)}  ms`);
  for (const r of report.results) {
    const category = r.actual?.category ?? "-";
    const action = r.actual?.remediation.action ?? "-";
    print(
      `${pad(r.id, idWidth)}  ${r.passed ? "pass  " : "FAIL  "}  ${pad(category, 26)}  ${pad(action, 22)}  ${r.ms}`,
    );
    if (!r.passed) for (const failure of r.failures) print(`${" ".repeat(idWidth)}    - ${failure}`);
  }
  print("");
  print(`${pad("category", 26)}  accuracy`);
  for (const [category, accuracy] of Object.entries(report.summary.categoryAccuracy)) {
    print(`${pad(category, 26)}  ${(accuracy * 100).toFixed(0)}%`);
  }
  const s = report.summary;
  print("");
  print(
    `passed ${s.passed}/${s.scenarios} (${(s.passRate * 100).toFixed(1)}%)  ms per scenario: p50 ${s.msPerScenario.p50}, max ${s.msPerScenario.max}`,
  );
}

const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

/** Prints the rules-only run beside the run with the model: per category, totals and the model's cost. */
export function printModelComparison(c: ModelComparison, print: (line: string) => void): void {
  print(`${pad("category", 26)}  ${pad("n", 3)}  ${pad("rules", 6)}  ${pad(c.model, 24)}`);
  for (const row of c.categories)
    print(
      `${pad(row.category, 26)}  ${pad(String(row.scenarios), 3)}  ${pad(pct(row.rules), 6)}  ${pct(row.model)}`,
    );
  print("");
  print(`rules only: passed ${c.rules.passed}/${c.rules.scenarios} (${pct(c.rules.passRate)})`);
  print(
    `with ${c.model}: passed ${c.withModel.passed}/${c.withModel.scenarios} (${pct(c.withModel.passRate)})`,
  );
  const u = c.usage;
  print(
    `model calls ${u.calls}, tokens in ${u.inputTokens}, out ${u.outputTokens}; latency per incident p50 ${u.latencyMs.p50} ms, max ${u.latencyMs.max} ms, total ${u.latencyMs.total} ms`,
  );
  print(
    `answers: ${Object.entries(u.verdicts)
      .map(([v, n]) => `${v} ${n}`)
      .join(", ")}`,
  );
}

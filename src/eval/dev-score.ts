/**
 * Dev loop for the rules: replays every scenario of a folder through the pure
 * pipeline (webhook → subject → snapshot context → evidence → diagnose → plan) and
 * scores it, without the bus, store or HTTP layer of `aiops eval`. Only webhook,
 * cluster, logs and metrics reach the system; `expected` is read for scoring alone.
 *
 *   npx tsx src/eval/dev-score.ts [scenario-dir] [--verbose] [--json]
 */
/* eslint-disable no-console */
import { performance } from "node:perf_hooks";
import { parseWebhook } from "../core/alertmanager.js";
import { extractEvidence } from "../context/evidence.js";
import { loadScenarioDir } from "../context/snapshot/scenario.js";
import { snapshotFromScenarioInput } from "../context/snapshot/snapshot-context-source.js";
import { subjectFromAlerts } from "../context/subject.js";
import { diagnose } from "../analysis/diagnose.js";
import { planRemediation } from "../remediation/plan.js";
import {
  revisionImagesFromCluster,
  scoreScenario,
  summarise,
  type ActualOutcome,
  type ScoredResult,
} from "./score.js";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith("--")) ?? "../shared/benchmarks/rca/scenarios";
  const verbose = args.includes("--verbose");
  const scenarios = await loadScenarioDir(dir);
  const results: (ScoredResult & { id: string; actual: ActualOutcome })[] = [];
  for (const s of scenarios) {
    if (!s.expected) continue;
    const started = performance.now();
    const webhook = parseWebhook(s.input.webhook);
    const firing = webhook.alerts.filter((a) => a.status === "firing");
    const subject = subjectFromAlerts(firing.length > 0 ? firing : webhook.alerts);
    const bundle = await snapshotFromScenarioInput(s.input).gather(subject);
    const now = new Date(Date.parse(webhook.alerts[0]?.startsAt ?? "") || Date.now());
    const evidence = extractEvidence(subject, bundle, now);
    const diagnosis = diagnose(evidence, now);
    const plan = planRemediation(evidence, diagnosis, now);
    const ms = Math.round(performance.now() - started);
    const actual: ActualOutcome = {
      category: diagnosis.category,
      confidence: diagnosis.confidence,
      remediation: { action: plan.action, target: plan.target, params: plan.params },
    };
    const exp = s.expected;
    const target = exp.remediation.target ?? { kind: "(none)", name: "(none)" };
    const score = scoreScenario({ ...exp, remediation: { ...exp.remediation, target } }, actual, {
      resolveRevisionImages: revisionImagesFromCluster(s.input.cluster, target),
    });
    results.push({ id: s.id, expectedCategory: exp.category, score, ms, actual });
    if (!score.passed || verbose) {
      console.log(`${score.passed ? "PASS" : "FAIL"} ${s.id}`);
      for (const f of score.failures) console.log(`     - ${f}`);
      console.log(`     actual: ${JSON.stringify(actual)}`);
      for (const f of diagnosis.findings.slice(0, 4))
        console.log(`     finding ${f.category} ${f.confidence} ${f.summary}`);
      if (verbose) console.log(`     summary: ${diagnosis.summary}`);
    }
  }
  const summary = summarise(results);
  if (args.includes("--json")) console.log(JSON.stringify({ summary, results }, null, 2));
  console.log(
    `\n${summary.passed}/${summary.scenarios} passed (${(summary.passRate * 100).toFixed(1)}%), ms p50 ${summary.msPerScenario.p50} max ${summary.msPerScenario.max}`,
  );
  for (const [c, a] of Object.entries(summary.categoryAccuracy)) {
    const n = results.filter((r) => r.expectedCategory === c);
    console.log(
      `  ${c.padEnd(28)} category ${a.toFixed(2)}  passed ${n.filter((r) => r.score.passed).length}/${n.length}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

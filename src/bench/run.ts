/**
 * `npm run bench`: speed and memory of the pipeline, reported as ratios against a
 * baseline measured in the same run (parsing the same webhook bodies), so figures
 * compare across machines. Never part of the test suite.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { diagnose } from "../analysis/diagnose.js";
import { validate } from "../config/load.js";
import { parseWebhook } from "../core/alertmanager.js";
import { extractEvidence } from "../context/evidence.js";
import { loadScenarioDir, type Scenario } from "../context/snapshot/scenario.js";
import { snapshotFromScenarioInput } from "../context/snapshot/snapshot-context-source.js";
import { subjectFromAlerts } from "../context/subject.js";
import { createSystem } from "../main.js";
import { createLogger } from "../observability/logger.js";
import { planRemediation } from "../remediation/plan.js";
import { runIfMain } from "./report.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DEFAULT_SCENARIOS = join(ROOT, "../shared/benchmarks/rca/scenarios");

async function timeIt(rounds: number, fn: () => Promise<void> | void): Promise<number> {
  for (let i = 0; i < Math.min(3, rounds); i++) await fn(); // warm-up
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await fn();
  return (performance.now() - started) / rounds;
}

async function analysis(scenario: Scenario): Promise<void> {
  const webhook = parseWebhook(scenario.input.webhook);
  const subject = subjectFromAlerts(webhook.alerts);
  const bundle = await snapshotFromScenarioInput(scenario.input).gather(subject);
  const evidence = extractEvidence(subject, bundle);
  planRemediation(evidence, diagnose(evidence));
}

/** One system for all webhooks: each scenario's alerts made distinct so each opens an incident. */
async function endToEnd(
  scenarios: Scenario[],
  copies: number,
): Promise<{ msPerIncident: number; heapPerIncident: number; sent: number }> {
  const system = await createSystem(
    validate({ store: { kind: "memory" }, auth: { disabled: true }, log: { level: "silent" } }),
    {
      context: snapshotFromScenarioInput(scenarios[0]!.input),
      logger: createLogger({ level: "silent" }),
    },
  );
  await system.start();
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  let sent = 0;
  for (let c = 0; c < copies; c++) {
    for (const scenario of scenarios) {
      const body = structuredClone(scenario.input.webhook) as {
        alerts: { labels: Record<string, string>; fingerprint?: string }[];
      };
      for (const alert of body.alerts) {
        alert.labels = { ...alert.labels, bench_copy: String(c) };
        delete alert.fingerprint;
      }
      await system.app.inject({
        method: "POST",
        url: "/alert",
        headers: { "content-type": "application/json" },
        payload: JSON.stringify(body),
      });
      sent += 1;
    }
  }
  for (;;) {
    const page = await system.store.list({ state: "planned", limit: 1 });
    const all = await system.store.list({ limit: 1 });
    if (page.total >= all.total && all.total > 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - started;
  global.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  const incidents = (await system.store.list({ limit: 1 })).total;
  await system.close();
  return {
    msPerIncident: ms / Math.max(1, incidents),
    heapPerIncident: (heapAfter - heapBefore) / Math.max(1, incidents),
    sent,
  };
}

/** The analysis benchmark: cost of analysis and of the in-process pipeline, as ratios to parsing. */
export async function runAnalysisBench(dir: string = DEFAULT_SCENARIOS): Promise<void> {
  if (!existsSync(dir)) throw new Error(`no scenarios at ${dir}`);
  const scenarios = await loadScenarioDir(dir);
  const rounds = 20;
  const baseline = await timeIt(rounds, () => {
    for (const s of scenarios) parseWebhook(JSON.parse(JSON.stringify(s.input.webhook)));
  });
  const core = await timeIt(rounds, async () => {
    for (const s of scenarios) await analysis(s);
  });
  const e2e = await endToEnd(scenarios, 10);
  const baselinePer = baseline / scenarios.length;
  const corePer = core / scenarios.length;
  console.log(`scenarios: ${scenarios.length}, rounds: ${rounds}`);
  console.log(`baseline   parse one webhook                 ${(baselinePer * 1000).toFixed(1)} µs  1.0x`);
  console.log(
    `analysis   evidence + diagnosis + plan       ${(corePer * 1000).toFixed(1)} µs  ${(corePer / baselinePer).toFixed(1)}x baseline`,
  );
  console.log(
    `pipeline   webhook → planned incident (HTTP, bus, agents, store)  ${(e2e.msPerIncident * 1000).toFixed(1)} µs  ${(e2e.msPerIncident / baselinePer).toFixed(1)}x baseline`,
  );
  const bodyBytes =
    scenarios.reduce((n, s) => n + JSON.stringify(s.input.webhook).length, 0) / scenarios.length;
  console.log(`memory     baseline: one webhook body (JSON)  ${(bodyBytes / 1024).toFixed(1)} KiB  1.0x`);
  console.log(
    `memory     heap per stored incident (memory store, with evidence)  ${(e2e.heapPerIncident / 1024).toFixed(1)} KiB  ${(e2e.heapPerIncident / bodyBytes).toFixed(1)}x baseline (${e2e.sent} webhooks)`,
  );
}

runIfMain(
  import.meta.url,
  () => runAnalysisBench(process.argv[2]),
  () => [],
);

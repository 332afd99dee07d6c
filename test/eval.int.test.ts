import { existsSync, mkdirSync, readdirSync, writeFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { run } from "../src/cli/main.js";
import { ExitCode } from "../src/cli/exit-codes.js";
import { evaluateDir } from "../src/eval/run.js";
import { REPO, SCENARIOS, tempDir } from "./helpers/system.js";

const haveScenarios = existsSync(SCENARIOS);

describe.skipIf(!haveScenarios)("aiops eval on the dev scenarios", () => {
  it("passes at least 90% of them through the real pipeline", async () => {
    const report = await evaluateDir(SCENARIOS);
    const failed = report.results.filter((r) => !r.passed).map((r) => `${r.id}: ${r.failures.join("; ")}`);
    console.log(`eval: ${report.summary.passed}/${report.summary.scenarios} passed`, failed);
    expect(report.summary.scenarios).toBe(readdirSync(SCENARIOS).filter((n) => n.endsWith(".json")).length);
    expect(report.summary.passRate).toBeGreaterThanOrEqual(0.9);
    for (const category of Object.keys(report.summary.categoryAccuracy)) {
      expect(report.summary.categoryAccuracy[category]).toBeGreaterThanOrEqual(0);
    }
  }, 120_000);
});

describe("aiops eval on the held-out scenarios (written without reading the analyzers)", () => {
  it("passes at least 90% of them", async () => {
    const report = await evaluateDir(join(REPO, "test/fixtures/holdout"));
    const failed = report.results.filter((r) => !r.passed).map((r) => `${r.id}: ${r.failures.join("; ")}`);
    expect(failed.length / report.summary.scenarios).toBeLessThanOrEqual(0.1);
    expect(report.summary.scenarios).toBeGreaterThanOrEqual(14);
  }, 120_000);
});

describe.skipIf(!haveScenarios)("the eval command", () => {
  function sample(): string {
    const dir = tempDir("aiops-eval-");
    const files = readdirSync(SCENARIOS)
      .filter((n) => n.endsWith(".json"))
      .slice(0, 3);
    for (const name of files) copyFileSync(join(SCENARIOS, name), join(dir, name));
    writeFileSync(join(dir, "NOTES.md"), "not a scenario");
    return dir;
  }

  it("prints JSON results for machines and ignores files other than *.json", async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    try {
      const code = await run(["node", "aiops", "eval", sample(), "--json"]);
      expect(code).toBe(ExitCode.Ok);
    } finally {
      log.mockRestore();
      process.exitCode = undefined;
    }
    const report = JSON.parse(lines.join("\n"));
    expect(report.summary.scenarios).toBe(3);
    expect(report.results[0]).toHaveProperty("actual.remediation.action");
    expect(report.summary).toHaveProperty("msPerScenario.p50");
  });

  it("exits non-zero below --min-pass", async () => {
    const dir = tempDir("aiops-eval-");
    mkdirSync(dir, { recursive: true });
    const first = readdirSync(SCENARIOS).find((n) => n.endsWith(".json")) as string;
    const scenario = JSON.parse((await import("node:fs")).readFileSync(join(SCENARIOS, first), "utf8"));
    scenario.expected.category = scenario.expected.category === "unknown" ? "oom_killed" : "unknown";
    writeFileSync(join(dir, "wrong.json"), JSON.stringify(scenario));
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(await run(["node", "aiops", "eval", dir, "--min-pass", "0.5"])).toBe(ExitCode.BelowThreshold);
    } finally {
      log.mockRestore();
      error.mockRestore();
      process.exitCode = undefined;
    }
  });

  it("gives a clear error for a truncated scenario file", async () => {
    const dir = tempDir("aiops-eval-");
    writeFileSync(join(dir, "broken.json"), '{"webhook": {"alerts": [');
    const errors: string[] = [];
    const error = vi.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
    try {
      expect(await run(["node", "aiops", "eval", dir])).toBe(ExitCode.DataError);
    } finally {
      error.mockRestore();
      process.exitCode = undefined;
    }
    expect(errors.join("\n")).toContain("broken.json");
  });
});

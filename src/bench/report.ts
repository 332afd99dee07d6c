/** What the benchmarks share: figures, the machine they ran on, targets, results files. */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export interface Target {
  name: string;
  target: string;
  value: string;
  met: boolean;
}

/** The machine line's common part. */
export interface Machine {
  nproc: number;
  cpu: string;
  memGiB: number;
  node: string;
  commit: string;
  /** 1-minute load average at the start and at the end: other work on the machine skews every figure. */
  loadAverage: { start: number; end: number };
}

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function loadAverage(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

export function machine(root: string, loadAtStart: number): Machine {
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root }).toString().trim();
  } catch {
    // not a git checkout
  }
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? "unknown",
    memGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    commit,
    loadAverage: { start: loadAtStart, end: loadAverage() },
  };
}

/** The version of an installed package, "unknown" when it is not where expected. */
export function packageVersion(root: string, name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as {
      version: string;
    };
    return pkg.version;
  } catch {
    return "unknown";
  }
}

/** The "Targets" section of a results file. */
export function targetsSection(targets: readonly Target[]): string[] {
  return [
    "## Targets",
    "",
    "| target | wanted | this run | met |",
    "| --- | --- | --- | --- |",
    ...targets.map((t) => `| ${t.name} | ${t.target} | ${t.value} | ${t.met ? "yes" : "**no**"} |`),
  ];
}

/** The summary lines of targets. */
export function targetLines(targets: readonly Target[]): string[] {
  return targets.map((t) => `target  ${t.name} ${t.target}: ${t.value} ${t.met ? "met" : "NOT MET"}`);
}

/** Writes a results file as the repository's Prettier would format it (`prettier --check .` stays clean). */
export async function writeFormatted(file: string, text: string): Promise<void> {
  let out = `${text}\n`;
  try {
    const prettier = await import("prettier");
    const config = (await prettier.resolveConfig(file)) ?? {};
    out = await prettier.format(text, { ...config, filepath: file });
  } catch {
    // Prettier is a devDependency; without it the file is written as generated.
  }
  writeFileSync(file, out);
}

/** Runs a benchmark when its module is the program (`node dist/bench/<name>.js`) and prints its summary. */
export function runIfMain<R>(
  moduleUrl: string,
  run: () => Promise<R>,
  summarise: (report: R) => string[],
): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  run()
    .then((report) => {
      for (const line of summarise(report)) console.log(line);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}

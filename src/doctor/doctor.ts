/**
 * `aiops doctor`: every configured backend is tried the way the system will use it, and
 * each answer says what works, what does not, and what to do about it.
 */

export interface CheckResult {
  ok: boolean;
  /** What was found: a version, a count, the error. */
  detail: string;
  /** For a failure: the most likely fix, as a command or a setting. */
  fix?: string;
  /** A working backend with something worth knowing (a missing model, no kube-state-metrics). */
  warning?: string;
}

export interface Check {
  /** The backend, e.g. "nats", "chroma", "prometheus". */
  name: string;
  /** Where: a URL or a path. */
  target: string;
  run(signal: AbortSignal): Promise<CheckResult>;
}

export interface DoctorReport {
  results: (CheckResult & { name: string; target: string; ms: number })[];
  ok: boolean;
}

/** Runs the checks concurrently, each bounded by `timeoutMs`; a thrown error is a failed check. */
export async function runDoctor(checks: readonly Check[], timeoutMs = 10_000): Promise<DoctorReport> {
  const results = await Promise.all(
    checks.map(async (check) => {
      const started = performance.now();
      const signal = AbortSignal.timeout(timeoutMs);
      let result: CheckResult;
      try {
        result = await Promise.race([
          check.run(signal),
          new Promise<CheckResult>((resolve) =>
            signal.addEventListener("abort", () =>
              resolve({
                ok: false,
                detail: `no answer within ${timeoutMs} ms`,
                fix: "check that it runs and is reachable from here",
              }),
            ),
          ),
        ]);
      } catch (error) {
        result = { ok: false, detail: (error as Error).message };
      }
      return {
        name: check.name,
        target: check.target,
        ms: Math.round(performance.now() - started),
        ...result,
      };
    }),
  );
  return { results, ok: results.every((r) => r.ok) };
}

/** The report as aligned text lines: one per backend, then its fix or warning indented. */
export function formatReport(report: DoctorReport): string[] {
  const width = Math.max(...report.results.map((r) => r.name.length), 4);
  const lines: string[] = [];
  for (const r of report.results) {
    lines.push(`${r.ok ? "ok  " : "FAIL"}  ${r.name.padEnd(width)}  ${r.target}  ${r.detail}`);
    if (!r.ok && r.fix) lines.push(`${" ".repeat(width + 8)}fix: ${r.fix}`);
    if (r.warning) lines.push(`${" ".repeat(width + 8)}note: ${r.warning}`);
  }
  const failed = report.results.filter((r) => !r.ok).length;
  lines.push(
    failed === 0
      ? `all ${report.results.length} backends work`
      : `${failed} of ${report.results.length} backends do not work`,
  );
  return lines;
}

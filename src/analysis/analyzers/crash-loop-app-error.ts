import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import {
  clip,
  conf,
  containersOf,
  incidentLogs,
  incidentPods,
  isJobWorkload,
  logLines,
  terminations,
} from "../facts.js";

/** Lines that say the application itself gave up: exceptions, panics, fatal errors, usage errors. */
const APP_ERROR =
  /(\b[\w.$]*(Exception|Error)\b(?!\s+from server)|^panic:|\bpanic\b|\bfatal\b|\bFATAL\b|Traceback|Caused by:|flag provided but not defined|Usage of |\bERR_[A-Z_]+\b|Application run failed|APPLICATION FAILED TO START|startup failed|invalid (value|argument|configuration)|segmentation fault|SIGSEGV|unhandled|uncaught|cannot|could not|aborted)/i;

/** Exit codes that are signals sent from outside (SIGKILL, SIGTERM): not the app's own exit. */
const SIGNAL_EXITS = new Set([137, 143]);

/**
 * crash_loop_app_error: a long-running container keeps exiting on its own, with a
 * non-signal exit code and the application's error in its log. This is a symptom
 * category: a more specific cause (OOM, an unreachable dependency, a bad new
 * revision, a node) outranks it, so its confidence stays moderate.
 */
export const crashLoopAppErrorAnalyzer: Analyzer = {
  name: "crash-loop-app-error",
  category: Category.CrashLoopAppError,
  analyze(e: Evidence): Finding[] {
    if (isJobWorkload(e.workload)) return [];
    const byContainer = new Map<string, { pods: string[]; exitCodes: Set<number>; crashLoop: boolean }>();
    for (const { pod, container } of containersOf(incidentPods(e), { init: false })) {
      const crashLoop = container.waitingReason === "CrashLoopBackOff";
      const last = terminations(container).find((t) => t.exitCode !== undefined || t.reason !== undefined);
      if (!last || last.reason === "OOMKilled") continue;
      if (!crashLoop && container.restartCount < 3) continue;
      const c = byContainer.get(container.name) ?? {
        pods: [],
        exitCodes: new Set<number>(),
        crashLoop: false,
      };
      c.pods.push(pod.name);
      if (last.exitCode !== undefined) c.exitCodes.add(last.exitCode);
      c.crashLoop ||= crashLoop;
      byContainer.set(container.name, c);
    }
    const findings: Finding[] = [];
    for (const [name, c] of byContainer) {
      const logs = incidentLogs(e).filter((l) => l.container === name);
      const errors = logs.flatMap((l) => logLines(l).filter((line) => APP_ERROR.test(line)));
      const codes = [...c.exitCodes];
      const onlySignals = codes.length > 0 && codes.every((x) => SIGNAL_EXITS.has(x));
      // Killed from outside with nothing in the log: not evidence of an application error.
      if (onlySignals && errors.length === 0) continue;
      let confidence = 0.45;
      if (codes.some((x) => x !== 0 && !SIGNAL_EXITS.has(x))) confidence += 0.1;
      if (errors.length > 0) confidence += 0.15;
      if (c.crashLoop) confidence += 0.05;
      const evidence = [
        `container ${name} ${c.crashLoop ? "in CrashLoopBackOff" : "restarting"} in ${c.pods.length} pod(s), last exit code(s) ${codes.join(", ") || "unknown"}`,
        ...errors.slice(0, 3).map((l) => `log: ${clip(l)}`),
      ];
      findings.push({
        analyzer: "crash-loop-app-error",
        category: Category.CrashLoopAppError,
        confidence: conf(confidence),
        summary: `Container ${name} exits with an application error${codes.length ? ` (exit ${codes.join(", ")})` : ""}.`,
        evidence,
        container: name,
        data: { exitCodes: codes, pods: c.pods, errorLines: errors.slice(0, 5) },
      });
    }
    return findings;
  },
};

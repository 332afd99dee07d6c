import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { clip, conf, containersOf, incidentLogs, incidentPods, logLines, terminations } from "../facts.js";

const JOB_FAILURE_REASONS =
  /^(BackoffLimitExceeded|DeadlineExceeded|PodFailurePolicy|MaxFailedIndexesExceeded)$/;

/**
 * job_failed: a Job ran out of retries (BackoffLimitExceeded) or exceeded
 * activeDeadlineSeconds (DeadlineExceeded). A symptom category: when the pods show
 * a more specific cause (OOMKilled), that cause outranks this finding.
 */
export const jobFailedAnalyzer: Analyzer = {
  name: "job-failed",
  category: Category.JobFailed,
  analyze(e: Evidence): Finding[] {
    const w = e.workload;
    const jobAlert = /^KubeJob(Failed|NotCompleted|Completion)/.test(e.subject.alertname);
    const isJob = w?.ref.kind === "Job" || w?.ref.kind === "CronJob";
    if (!isJob && !jobAlert) return [];
    const jobName = w?.ref.kind === "Job" ? w.ref.name : (e.subject.labels["job_name"] ?? e.subject.job);
    const condition = w?.conditions.find((c) => c.type === "Failed" && c.status === "True");
    const events = e.events.filter(
      (ev) =>
        ev.involved.kind === "Job" &&
        JOB_FAILURE_REASONS.test(ev.reason) &&
        (!jobName || ev.involved.name === jobName),
    );
    const reason = condition?.reason ?? events[0]?.reason;
    const failedCount = w?.job?.failed ?? 0;
    if (!reason && failedCount === 0 && !jobAlert) return [];
    const exitCodes = [
      ...new Set(
        containersOf(incidentPods(e), { init: false })
          .flatMap(({ container }) => terminations(container).map((t) => t.exitCode))
          .filter((x): x is number => x !== undefined && x !== 0),
      ),
    ];
    const errors = incidentLogs(e)
      .flatMap((l) => logLines(l))
      .filter((l) => /error|exception|fatal|mismatch|denied|refused|failed/i.test(l));
    const cronJob = w?.owner?.kind === "CronJob" ? w.owner : e.ownerChain.find((r) => r.kind === "CronJob");
    return [
      {
        analyzer: "job-failed",
        category: Category.JobFailed,
        confidence: conf(0.6 + (reason ? 0.1 : 0) + (jobAlert ? 0.05 : 0)),
        summary: `Job ${jobName ?? "?"} failed${reason ? ` (${reason})` : ""}${cronJob ? `; it was created by CronJob ${cronJob.name}` : ""}.`,
        evidence: [
          ...(jobAlert ? [`alert ${e.subject.alertname} for job ${jobName ?? "?"}`] : []),
          ...(reason
            ? [`Job condition Failed: ${reason}${condition?.message ? ` (${condition.message})` : ""}`]
            : []),
          ...(failedCount
            ? [
                `${failedCount} failed pod(s)${w?.job?.backoffLimit !== undefined ? `, backoffLimit ${w.job.backoffLimit}` : ""}`,
              ]
            : []),
          ...(w?.job?.activeDeadlineSeconds !== undefined
            ? [`activeDeadlineSeconds ${w.job.activeDeadlineSeconds}`]
            : []),
          ...(exitCodes.length ? [`pod exit code(s) ${exitCodes.join(", ")}`] : []),
          ...errors.slice(0, 2).map((l) => `log: ${clip(l)}`),
        ],
        ...(incidentPods(e)[0]?.containers.find((c) => !c.init)?.name
          ? { container: incidentPods(e)[0]?.containers.find((c) => !c.init)?.name as string }
          : {}),
        data: {
          ...(jobName ? { job: jobName } : {}),
          ...(reason ? { reason } : {}),
          ...(cronJob ? { cronJob } : {}),
          ...(w?.job?.activeDeadlineSeconds !== undefined
            ? { activeDeadlineSeconds: w.job.activeDeadlineSeconds }
            : {}),
          ...(w?.job?.backoffLimit !== undefined ? { backoffLimit: w.job.backoffLimit } : {}),
          exitCodes,
        },
      },
    ];
  },
};

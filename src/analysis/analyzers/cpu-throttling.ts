import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import {
  alertedContainer,
  conf,
  containerSpec,
  mainContainerNames,
  metricsNamed,
  queryConcernsContainer,
  safeCpu,
  seriesValues,
} from "../facts.js";

/**
 * cpu_throttling: the container hits its CPU limit and CFS throttles it. The
 * CPUThrottlingHigh alert (kubernetes-mixin) or a throttled-periods ratio from
 * cAdvisor metrics is the evidence; usage close to the limit corroborates it.
 */
export const cpuThrottlingAnalyzer: Analyzer = {
  name: "cpu-throttling",
  category: Category.CpuThrottling,
  analyze(e: Evidence): Finding[] {
    const alert = /CPUThrottling/i.test(e.subject.alertname);
    const container =
      alertedContainer(e) ??
      mainContainerNames(e).find((n) => containerSpec(e, n)?.resources.limits["cpu"] !== undefined) ??
      mainContainerNames(e)[0];
    let ratio: number | undefined;
    for (const m of metricsNamed(e, /cfs_throttled/)) {
      if (!queryConcernsContainer(m.query, container)) continue;
      // A ratio query divides throttled by total periods; a bare rate is not a ratio.
      if (!/\//.test(m.query)) continue;
      for (const { value } of seriesValues(m))
        if (value <= 1 && (ratio === undefined || value > ratio)) ratio = value;
    }
    let usage: number | undefined;
    for (const m of metricsNamed(e, /container_cpu_usage_seconds_total/)) {
      if (!queryConcernsContainer(m.query, container) || /\//.test(m.query)) continue;
      for (const { value } of seriesValues(m)) if (usage === undefined || value > usage) usage = value;
    }
    const alertRatio = Number(
      /(\d+(?:\.\d+)?)\s*%\s*throttling/i.exec(e.subject.annotations["description"] ?? "")?.[1],
    );
    if (ratio === undefined && Number.isFinite(alertRatio)) ratio = alertRatio / 100;
    if (!alert && (ratio === undefined || ratio < 0.25)) return [];
    const limit = containerSpec(e, container)?.resources.limits["cpu"];
    const limitCores = safeCpu(limit);
    const evidence: string[] = [];
    if (alert)
      evidence.push(`alert ${e.subject.alertname} for container ${e.subject.container ?? container ?? "?"}`);
    if (ratio !== undefined) evidence.push(`${(ratio * 100).toFixed(0)}% of CFS periods throttled`);
    evidence.push(limit ? `cpu limit ${limit}` : "no cpu limit set");
    if (usage !== undefined && limitCores)
      evidence.push(
        `cpu usage ${usage.toFixed(3)} cores (${((usage / limitCores) * 100).toFixed(0)}% of the limit)`,
      );
    let confidence = alert ? 0.85 : 0.7;
    if (ratio !== undefined && ratio >= 0.25) confidence += 0.05;
    if (usage !== undefined && limitCores && usage >= 0.85 * limitCores) confidence += 0.03;
    return [
      {
        analyzer: "cpu-throttling",
        category: Category.CpuThrottling,
        confidence: conf(confidence),
        summary: `Container ${container ?? "?"} is throttled against its CPU limit${limit ? ` of ${limit}` : ""}.`,
        evidence,
        ...(container ? { container } : {}),
        data: {
          ...(limit ? { limit, limitCores } : {}),
          ...(ratio !== undefined ? { throttledRatio: ratio } : {}),
          ...(usage !== undefined ? { usageCores: usage } : {}),
        },
      },
    ];
  },
};

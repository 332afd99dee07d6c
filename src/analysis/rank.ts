/**
 * Ranks findings into a Diagnosis. Confidence already encodes how direct each
 * finding's evidence is (a kubelet-reported reason near 0.95, a symptom such as a
 * crash loop or a failed Job at most ~0.75), so a specific cause outranks the
 * symptom it produces by construction. Ties break towards the more specific
 * category. Below MIN_CONFIDENCE nothing is proven and the diagnosis is `unknown`.
 */
import type { Diagnosis, Finding } from "../core/diagnosis.js";
import type { Evidence } from "../core/evidence.js";
import { Category } from "../core/vocabulary.js";
import { explain } from "./explain.js";

export const MIN_CONFIDENCE = 0.5;

/** Lower is more specific: root causes, then failure modes, then symptoms. */
const SPECIFICITY: Record<Category, number> = {
  oom_killed: 1,
  missing_config: 1,
  image_pull_error: 1,
  insufficient_resources: 1,
  unschedulable_constraints: 1,
  volume_error: 1,
  node_not_ready: 1,
  dependency_unavailable: 1,
  disk_filling: 1,
  hpa_maxed_out: 1,
  cpu_throttling: 1,
  evicted: 2,
  init_container_failure: 2,
  liveness_probe_failure: 2,
  readiness_probe_failure: 2,
  bad_rollout: 2,
  crash_loop_app_error: 3,
  job_failed: 3,
  unknown: 9,
};

export function rankFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      b.confidence - a.confidence ||
      SPECIFICITY[a.category] - SPECIFICITY[b.category] ||
      a.analyzer.localeCompare(b.analyzer),
  );
}

export function rank(evidence: Evidence, findings: readonly Finding[], now: Date = new Date()): Diagnosis {
  const ranked = rankFindings(findings);
  const top = ranked[0];
  const decided = top !== undefined && top.confidence >= MIN_CONFIDENCE;
  return {
    category: decided ? top.category : Category.Unknown,
    confidence: decided ? top.confidence : 0.5,
    summary: explain(evidence, decided ? top : undefined, ranked),
    findings: ranked,
    decidedBy: "analyzers",
    createdAt: now.toISOString(),
  };
}

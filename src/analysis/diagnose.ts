/**
 * Rules-only diagnosis: every analyzer reads the evidence, ranking decides. An
 * analyzer that throws on odd evidence is skipped rather than failing the incident.
 */
import type { Diagnosis, Finding } from "../core/diagnosis.js";
import type { Evidence } from "../core/evidence.js";
import type { Analyzer } from "./analyzer.js";
import { ANALYZERS } from "./analyzers/index.js";
import { rank } from "./rank.js";

export function runAnalyzers(evidence: Evidence, analyzers: readonly Analyzer[] = ANALYZERS): Finding[] {
  const findings: Finding[] = [];
  for (const a of analyzers) {
    try {
      findings.push(...a.analyze(evidence));
    } catch {
      // A broken analyzer must not hide what the others found.
    }
  }
  return findings;
}

export function diagnose(evidence: Evidence, now: Date = new Date()): Diagnosis {
  return rank(evidence, runAnalyzers(evidence), now);
}

/**
 * The incident's history, built from the timestamps it carries (the API keeps no event
 * log): opening, alerts, diagnosis, plan, proposal steps, decisions, feedback, apply,
 * outcome and resolution, oldest first.
 */
import type { Incident } from "../../../src/core/incident.js";
import { formatDuration, percent } from "./time.js";
import { humanize } from "./vocabulary.js";

export interface TimelineEntry {
  at: string;
  /** What happened, in a few words. */
  label: string;
  detail?: string;
}

function alertName(labels: Record<string, string> | undefined, fallback: string): string {
  const name = labels?.["alertname"] ?? fallback;
  const pod = labels?.["pod"];
  return pod ? `${name} (pod ${pod})` : name;
}

function by(who: string | undefined): string {
  return who ? ` by ${who}` : "";
}

/** Entries sorted by time; entries with a missing or unreadable time are left out. */
export function buildTimeline(incident: Incident): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const add = (at: string | undefined, label: string, detail?: string): void => {
    if (!at || Number.isNaN(Date.parse(at))) return;
    entries.push(detail ? { at, label, detail } : { at, label });
  };

  add(incident.openedAt, "Incident opened", incident.alertname);
  for (const alert of incident.alerts ?? []) {
    const name = alertName(alert.labels, incident.alertname);
    add(alert.firstSeenAt, "Alert first seen", name);
    add(alert.resolvedAt, "Alert resolved", name);
  }
  const diagnosis = incident.diagnosis;
  if (diagnosis) {
    add(
      diagnosis.createdAt,
      "Diagnosed",
      `${humanize(diagnosis.category)}, ${percent(diagnosis.confidence)} confidence, decided by ${diagnosis.decidedBy}`,
    );
  }
  const plan = incident.plan;
  if (plan) {
    add(
      plan.createdAt,
      "Remediation planned",
      `${humanize(plan.action)} on ${plan.target.kind}/${plan.target.name}`,
    );
  }
  const proposal = incident.proposal;
  if (proposal) {
    const pr = proposal.pullRequest;
    add(
      proposal.updatedAt,
      `Proposal ${humanize(proposal.state)}`,
      pr
        ? `pull request #${pr.number} (${pr.state})`
        : proposal.branch
          ? `branch ${proposal.branch}`
          : undefined,
    );
    if (proposal.dryRun) {
      add(
        proposal.dryRun.at,
        proposal.dryRun.ok ? "Dry-run passed" : "Dry-run failed",
        proposal.dryRun.message,
      );
    }
    if (proposal.apply) {
      add(
        proposal.apply.at,
        proposal.apply.ok ? `Applied${by(proposal.apply.by)}` : `Apply failed${by(proposal.apply.by)}`,
        proposal.apply.message,
      );
    }
    if (proposal.decision) {
      const verb = proposal.decision.verdict === "approved" ? "Approved" : "Rejected";
      add(proposal.decision.at, `${verb}${by(proposal.decision.by)}`, proposal.decision.note);
    }
  }
  for (const feedback of incident.feedback ?? []) {
    const correction = [feedback.category, feedback.action].filter(Boolean).map((v) => humanize(v ?? ""));
    const label =
      feedback.verdict === "confirm"
        ? `Diagnosis confirmed${by(feedback.by)}`
        : `Diagnosis corrected${by(feedback.by)}${correction.length ? `: ${correction.join(", ")}` : ""}`;
    add(feedback.at, label, feedback.note);
  }
  if (incident.applied) {
    const verb = incident.applied.via === "merged" ? "Remediation merged" : "Remediation applied";
    add(incident.applied.at, `${verb}${by(incident.applied.by)}`, incident.applied.ref);
  }
  if (incident.outcome) {
    const { result, afterMs } = incident.outcome;
    add(
      incident.outcome.at,
      result === "resolved" ? "Outcome: alerts resolved" : "Outcome: alerts not resolved",
      result === "resolved" && afterMs !== undefined
        ? `${formatDuration(afterMs)} after the remediation`
        : undefined,
    );
  }
  add(
    incident.resolvedAt,
    "Incident resolved",
    incident.timeToResolveMs !== undefined ? `after ${formatDuration(incident.timeToResolveMs)}` : undefined,
  );
  // Stable: entries with the same time keep the order of the lifecycle above.
  return entries
    .map((entry, index) => ({ entry, index, time: Date.parse(entry.at) }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .map(({ entry }) => entry);
}

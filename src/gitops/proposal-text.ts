/**
 * The words of a proposal: the commit message (diagnosis, evidence summary, incident
 * link) and the pull request's title and body (the same, plus the diff). Pure.
 */
import { consoleIncidentUrl } from "../core/links.js";
import type { RemediationPlan } from "../core/diagnosis.js";
import type { Incident } from "../core/incident.js";

const MAX_DIFF = 60_000;

function targetText(plan: RemediationPlan): string {
  const t = plan.target;
  return `${t.kind} ${t.namespace ? `${t.namespace}/` : ""}${t.name}${t.container ? ` (container ${t.container})` : ""}`;
}

/** The link to the incident's page in the console at `consoleUrl`, when one is configured. */
export function incidentLink(consoleUrl: string | undefined, incidentId: string): string | undefined {
  return consoleUrl ? consoleIncidentUrl(consoleUrl, incidentId) : undefined;
}

export function proposalTitle(incident: Incident, plan: RemediationPlan): string {
  return `aiops: ${plan.action} on ${targetText(plan)} (${incident.alertname})`;
}

function evidenceLines(incident: Incident, max = 8): string[] {
  return (incident.diagnosis?.findings[0]?.evidence ?? []).slice(0, max);
}

/** Strips what would break a single line (alert text is untrusted). */
function line(s: string): string {
  return s.replace(/[\r\n]+/g, " ").trim();
}

export function commitMessage(incident: Incident, plan: RemediationPlan, link?: string): string {
  const d = incident.diagnosis;
  return [
    proposalTitle(incident, plan),
    "",
    ...(d ? [`Diagnosis: ${d.category} (confidence ${d.confidence.toFixed(2)})`, line(d.summary), ""] : []),
    "Evidence:",
    ...evidenceLines(incident).map((e) => `- ${line(e)}`),
    "",
    `Change: ${line(plan.rationale)}`,
    "",
    `Aiops-Incident: ${incident.id}`,
    ...(link ? [`Aiops-Incident-Link: ${link}`] : []),
    "",
  ].join("\n");
}

/** Markdown fence that the content cannot close. */
function fence(content: string): string {
  let ticks = "```";
  while (content.includes(ticks)) ticks += "`";
  return ticks;
}

export function pullRequestBody(
  incident: Incident,
  plan: RemediationPlan,
  change: { diff: string; location: string },
  link?: string,
): string {
  const d = incident.diagnosis;
  const diff =
    change.diff.length > MAX_DIFF ? `${change.diff.slice(0, MAX_DIFF)}\n... (diff truncated)` : change.diff;
  const f = fence(diff);
  const params = Object.entries(plan.params)
    .map(([k, v]) => `\`${k}\` = \`${typeof v === "string" ? v : JSON.stringify(v)}\``)
    .join(", ");
  return [
    `## Diagnosis`,
    "",
    d
      ? `**${d.category}** (confidence ${d.confidence.toFixed(2)}, decided by ${d.decidedBy})\n\n${d.summary}`
      : "(no diagnosis)",
    "",
    `### Evidence`,
    "",
    ...evidenceLines(incident).map((e) => `- ${line(e)}`),
    "",
    `## Remediation`,
    "",
    `- action: \`${plan.action}\` on ${targetText(plan)}`,
    ...(params ? [`- params: ${params}`] : []),
    `- risk: ${plan.risk}`,
    `- where: ${change.location}`,
    "",
    plan.rationale,
    "",
    `## Diff`,
    "",
    `${f}diff`,
    diff.trimEnd(),
    f,
    "",
    `Incident \`${incident.id}\` (${incident.alertname})${link ? `: ${link}` : ""}`,
    "",
  ].join("\n");
}

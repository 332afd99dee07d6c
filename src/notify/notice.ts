/**
 * What a notification says about an incident, independent of the channel: whether it is
 * worth a message yet, a digest of its material facts (a message is sent or updated only
 * when the digest changes), and a neutral view that each channel renders in its markup.
 * Pure: no I/O, no clock.
 */
import { consoleIncidentUrl } from "../core/links.js";
import { createHash } from "node:crypto";
import type { Incident, IncidentSummary, NoticeRecord } from "../core/incident.js";
import { toIncidentSummary } from "../store/incident-query.js";

export const NoticePhase = { Active: "active", Resolved: "resolved", Failed: "failed" } as const;
export type NoticePhase = (typeof NoticePhase)[keyof typeof NoticePhase];

/** Most evidence lines shown, and the length of each. */
export const MAX_EVIDENCE_LINES = 5;
export const MAX_EVIDENCE_LINE = 300;
/** The diagnosis summary is cut here before any channel limit applies. */
export const MAX_SUMMARY = 2_000;

export function noticePhase(incident: Incident): NoticePhase {
  if (incident.state === "resolved") return NoticePhase.Resolved;
  if (incident.state === "failed") return NoticePhase.Failed;
  return NoticePhase.Active;
}

/**
 * The material facts of an incident, as a stable digest; undefined while it is not worth
 * a message: open (or resolved) with no diagnosis yet. A failed incident always is. Repeat
 * notifications, `lastSeenAt`, `updatedAt` and the notices themselves are left out, so
 * that an alert firing again does not produce a message.
 */
export function noticeDigest(incident: Incident): string | undefined {
  if (incident.state !== "failed" && incident.diagnosis === undefined) return undefined;
  const p = incident.proposal;
  const facts = [
    incident.state,
    incident.category ?? null,
    incident.diagnosis ? Math.round(incident.diagnosis.confidence * 100) / 100 : null,
    incident.plan?.action ?? null,
    p?.state ?? null,
    p?.pullRequest?.url ?? null,
    p?.pullRequest?.state ?? null,
    p?.decision?.verdict ?? null,
    incident.applied?.via ?? null,
    incident.outcome?.result ?? null,
    incident.resolvedAt ?? null,
  ];
  return createHash("sha256").update(JSON.stringify(facts)).digest("hex").slice(0, 16);
}

/** What to do on one channel, given what it was last sent. */
export type NoticeDecision = "post" | "update" | "none";

/**
 * The per-channel policy. Nothing recorded: post. Same digest: nothing. A channel that can
 * edit its message: update it. One that cannot (Slack incoming webhook, Teams): a single
 * follow-up message when the incident reaches resolved or failed, nothing in between.
 */
export function decideNotice(
  record: NoticeRecord | undefined,
  digest: string,
  phase: NoticePhase,
  editable: boolean,
): NoticeDecision {
  if (record === undefined) return "post";
  if (record.digest === digest) return "none";
  if (editable) return "update";
  return record.phase === NoticePhase.Active && phase !== NoticePhase.Active ? "post" : "none";
}

/** A channel-neutral view of an incident. Text fields are raw (untrusted): channels escape them. */
export interface IncidentNoticeView {
  incidentId: string;
  phase: NoticePhase;
  /** e.g. `[resolved] KubePodOOMKilled shop/checkout` */
  title: string;
  alertname: string;
  state: Incident["state"];
  severity?: string;
  namespace?: string;
  /** `Deployment shop/checkout` */
  subject?: string;
  category?: string;
  confidence?: number;
  decidedBy?: string;
  summary?: string;
  /** The top finding's evidence lines, at most MAX_EVIDENCE_LINES, each cut to MAX_EVIDENCE_LINE. */
  evidence: string[];
  plan?: { action: string; target: string; risk: string };
  pullRequest?: { number: number; url: string; state: string };
  /** What became of the proposal, in a few words (`approved by alice`, `merged`). */
  status?: string;
  /** Why processing failed. */
  error?: string;
  /** The incident's page in the console, when its public URL is configured. */
  consoleUrl?: string;
  openedAt: string;
  resolvedAt?: string;
  /** The raw list-view fields, for machine receivers (the generic webhook). */
  facts: IncidentSummary;
}

/** The labelled facts every chat channel shows, in order (raw text: the channel escapes and cuts). */
export function noticeFacts(view: IncidentNoticeView): [label: string, value: string][] {
  const facts: [string, string][] = [["State", view.state]];
  if (view.severity) facts.push(["Severity", view.severity]);
  if (view.subject) facts.push(["Subject", view.subject]);
  else if (view.namespace) facts.push(["Namespace", view.namespace]);
  if (view.category) {
    const how =
      view.confidence !== undefined ? ` (${view.confidence.toFixed(2)}, ${view.decidedBy ?? "?"})` : "";
    facts.push(["Category", `${view.category}${how}`]);
  }
  if (view.plan) facts.push(["Plan", `${view.plan.action} on ${view.plan.target}, risk ${view.plan.risk}`]);
  if (view.status) facts.push(["Status", view.status]);
  if (view.pullRequest)
    facts.push(["Pull request", `#${view.pullRequest.number} (${view.pullRequest.state})`]);
  return facts;
}

/** Cuts text to `max` code points, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const points = [...text];
  if (points.length <= max) return text;
  return `${points.slice(0, Math.max(max - 1, 0)).join("")}…`;
}

/** An http(s) URL as given, or undefined: anything else is never rendered as a link. */
export function safeUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function subjectOf(incident: Incident): string | undefined {
  const s = incident.subject;
  if (!s) return undefined;
  return `${s.kind} ${s.namespace ? `${s.namespace}/` : ""}${s.name}`;
}

function statusOf(incident: Incident): string | undefined {
  const p = incident.proposal;
  const parts: string[] = [];
  if (p?.decision) parts.push(`${p.decision.verdict}${p.decision.by ? ` by ${p.decision.by}` : ""}`);
  if (incident.applied) parts.push(incident.applied.via);
  else if (p && !p.decision) parts.push(p.state.replace("_", " "));
  if (incident.outcome)
    parts.push(incident.outcome.result === "resolved" ? "fix worked" : "fix did not resolve");
  return parts.length > 0 ? parts.join(", ") : undefined;
}

export function incidentNoticeView(incident: Incident, consoleUrl?: string): IncidentNoticeView {
  const phase = noticePhase(incident);
  const where = [incident.subject?.namespace ?? incident.namespace, incident.subject?.name]
    .filter(Boolean)
    .join("/");
  const d = incident.diagnosis;
  const top = d?.findings[0];
  const base = safeUrl(consoleUrl)?.replace(/\/+$/, "");
  const pr = incident.proposal?.pullRequest;
  const prUrl = safeUrl(pr?.url);
  const view: IncidentNoticeView = {
    incidentId: incident.id,
    phase,
    title: `[${incident.state}] ${incident.alertname}${where ? ` ${where}` : ""}`,
    alertname: incident.alertname,
    state: incident.state,
    evidence: (top?.evidence ?? []).slice(0, MAX_EVIDENCE_LINES).map((l) => truncate(l, MAX_EVIDENCE_LINE)),
    openedAt: incident.openedAt,
    facts: toIncidentSummary(incident),
  };
  if (incident.severity) view.severity = incident.severity;
  if (incident.namespace) view.namespace = incident.namespace;
  const subject = subjectOf(incident);
  if (subject) view.subject = subject;
  const category = d?.category ?? incident.category;
  if (category) view.category = category;
  if (d) {
    view.confidence = Math.round(d.confidence * 100) / 100;
    view.decidedBy = d.decidedBy;
    view.summary = truncate(d.summary, MAX_SUMMARY);
  }
  const plan = incident.plan;
  if (plan) {
    const t = plan.target;
    view.plan = {
      action: plan.action,
      target: `${t.kind} ${t.namespace ? `${t.namespace}/` : ""}${t.name}${t.container ? ` (container ${t.container})` : ""}`,
      risk: plan.risk,
    };
  }
  if (pr && prUrl) view.pullRequest = { number: pr.number, url: prUrl, state: pr.state };
  const status = statusOf(incident);
  if (status) view.status = status;
  if (incident.error) view.error = truncate(incident.error, MAX_EVIDENCE_LINE * 2);
  if (base) view.consoleUrl = consoleIncidentUrl(base, incident.id);
  if (incident.resolvedAt) view.resolvedAt = incident.resolvedAt;
  return view;
}

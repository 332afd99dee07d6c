import type { AlertInstance } from "./alertmanager.js";
import type { Diagnosis, RemediationPlan } from "./diagnosis.js";
import type { Evidence, ObjectRef } from "./evidence.js";
import type { Action, Category } from "./vocabulary.js";

/**
 * An incident groups the notifications of one problem: repeat notifications of the
 * same alert, and alerts of the same alertname on pods of the same workload.
 */
export const IncidentState = {
  /** Accepted; evidence is being gathered. */
  Open: "open",
  /** The RCA has concluded. */
  Diagnosed: "diagnosed",
  /** A remediation plan exists. */
  Planned: "planned",
  /** Every alert of the incident resolved. */
  Resolved: "resolved",
  /** Processing failed after retries; the reason is recorded. */
  Failed: "failed",
} as const;
export type IncidentState = (typeof IncidentState)[keyof typeof IncidentState];

export interface IncidentAlert extends AlertInstance {
  firstSeenAt: string;
  lastSeenAt: string;
  notifications: number;
  resolvedAt?: string;
}

export interface Incident {
  id: string;
  /** alertname + namespace + workload (or the best subject available). */
  correlationKey: string;
  state: IncidentState;
  alertname: string;
  severity?: string;
  namespace?: string;
  /** The workload or object the incident is about. */
  subject?: ObjectRef;
  alerts: IncidentAlert[];
  notifications: number;
  openedAt: string;
  updatedAt: string;
  resolvedAt?: string;
  /** From the first alert's startsAt to the resolution of the last alert. */
  timeToResolveMs?: number;
  category?: Category;
  evidence?: Evidence;
  diagnosis?: Diagnosis;
  plan?: RemediationPlan;
  /** Feedback from people, oldest first; the last one counts. */
  feedback?: Feedback[];
  /** When the remediation was put into effect (applied to the cluster, or merged). */
  applied?: RemediationApplied;
  /** What the alert did after the remediation was put into effect. */
  outcome?: RemediationOutcome;
  /** The plan as a GitOps proposal and what the apply policy did with it. */
  proposal?: Proposal;
  error?: string;
  /**
   * What each notification channel was last sent about this incident, by channel name.
   * Bookkeeping of the notifier: writing it does not change `updatedAt`.
   */
  notices?: Record<string, NoticeRecord>;
  /**
   * The notifier replica sending this incident's messages now, so that replicas do not
   * both post the first message (or both the follow-up). Bookkeeping, like `notices`.
   */
  notifying?: NoticeClaim;
}

/** A notifier's lease on an incident's messages, renewed while it sends. */
export interface NoticeClaim {
  /** The holding notifier (one id per process). */
  by: string;
  /** The lease ends then unless renewed: a crashed holder's claim lapses by itself. */
  until: string;
}

/** One channel's messages about an incident: what was sent last, and where it lives. */
export interface NoticeRecord {
  /** Where the message lives on a channel that can edit it (Slack: `<channel>:<ts>`). */
  ref?: string;
  /** The digest of the incident's material facts when the last message went out. */
  digest: string;
  phase: "active" | "resolved" | "failed";
  /** Messages sent or updated on this channel for the incident. */
  messages: number;
  firstAt: string;
  lastAt: string;
}

/**
 * What became of the plan: the branch and commit in the GitOps repository, its pull
 * request, a server-side dry-run, an automatic apply, a person's approval or rejection.
 * Each step is recorded once, so that a redelivered message finds it done.
 */
export interface Proposal {
  /** The apply mode the policy chose for this action and namespace. */
  mode: "propose" | "dry-run" | "auto";
  /** proposed: in the repository (or only on the incident); no_change: nothing to edit; skipped: no patch. */
  state: "proposed" | "no_change" | "skipped" | "applied" | "rejected";
  branch?: string;
  commit?: string;
  files?: string[];
  /** Where the change went (file, and why there). */
  location?: string;
  diff?: string;
  pullRequest?: { forge: string; number: number; url: string; state: "open" | "merged" | "closed" };
  /** When the branch was deleted from the remote (on rejection). */
  branchDeleted?: string;
  /** The server-side dry-run of the patch against the cluster. */
  dryRun?: { ok: boolean; at: string; message: string };
  /** An automatic or approved apply to the cluster. */
  apply?: { ok: boolean; at: string; by: string; message: string };
  /** Why an `auto` apply did not happen (not allow-listed, rate limit). */
  autoRefused?: string;
  decision?: { verdict: "approved" | "rejected"; at: string; by?: string; note?: string };
  reason?: string;
  updatedAt: string;
}

/** What a person said about a diagnosis: it was right, or what it should have been. */
export interface Feedback {
  verdict: "confirm" | "correct";
  /** For `correct`: the right category and/or action. */
  category?: Category;
  action?: Action;
  note?: string;
  by?: string;
  at: string;
}

/** A remediation put into effect: applied to the cluster, or merged in the GitOps repository. */
export interface RemediationApplied {
  via: "applied" | "merged";
  at: string;
  by?: string;
  /** Where: a commit, a pull request, a change ticket. */
  ref?: string;
}

/**
 * The learning signal of a remediation: the incident's alerts resolved within the
 * window after it was put into effect, or they did not.
 */
export interface RemediationOutcome {
  result: "resolved" | "not_resolved";
  /** When the outcome was decided. */
  at: string;
  /** From the remediation to the resolution, when it resolved. */
  afterMs?: number;
  windowMs: number;
}

/** What a list view leaves out of an incident: the bulky parts and the bookkeeping. */
export const SUMMARY_OMITTED = [
  "evidence",
  "diagnosis",
  "plan",
  "alerts",
  "feedback",
  "notices",
  "notifying",
] as const;

/** A short view for lists. */
export type IncidentSummary = Omit<Incident, (typeof SUMMARY_OMITTED)[number]> & {
  alertCount: number;
  action?: string;
  confidence?: number;
};

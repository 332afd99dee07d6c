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
  error?: string;
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

/** A short view for lists. */
export type IncidentSummary = Omit<Incident, "evidence" | "diagnosis" | "plan" | "alerts" | "feedback"> & {
  alertCount: number;
  action?: string;
  confidence?: number;
};

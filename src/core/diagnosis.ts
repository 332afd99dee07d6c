import type { ObjectRef } from "./evidence.js";
import type { Action, Category, RiskLevel } from "./vocabulary.js";

/** One analyzer's conclusion, with the facts it rests on. */
export interface Finding {
  analyzer: string;
  category: Category;
  /** 0..1: how strongly the evidence supports this category. */
  confidence: number;
  summary: string;
  /** Human-readable facts cited from the evidence ("container app last terminated: OOMKilled, exit 137"). */
  evidence: string[];
  /** The container the finding is about, where it is per container. */
  container?: string;
  /** Structured facts the planner uses (e.g. peakBytes, limitBytes, dependency ref). */
  data?: Record<string, unknown>;
}

export const DecidedBy = { Analyzers: "analyzers", Memory: "memory", Model: "model" } as const;
export type DecidedBy = (typeof DecidedBy)[keyof typeof DecidedBy];

/** A similar past incident shown beside a diagnosis. */
export interface SimilarIncidentRef {
  incidentId: string;
  /** Cosine similarity of the incident signatures, 0..1. */
  similarity: number;
  category: Category;
  action?: Action;
  /** How it was really resolved: unknown, confirmed, corrected, resolved, not_resolved. */
  outcome: string;
}

export interface Diagnosis {
  category: Category;
  confidence: number;
  /** A readable explanation built from the evidence. */
  summary: string;
  /** Findings ranked best first; the first decides the category unless overridden. */
  findings: Finding[];
  decidedBy: DecidedBy;
  createdAt: string;
  /** The most similar past incidents with their outcomes, most similar first. */
  similar?: SimilarIncidentRef[];
  /** The action a person chose on the near-identical incident that decided this diagnosis. */
  memoryAction?: Action;
}

/** What a remediation changes: never a bare Pod. */
export interface TargetRef extends ObjectRef {
  container?: string;
}

export interface RemediationPlan {
  action: Action;
  target: TargetRef;
  params: Record<string, unknown>;
  /** A strategic-merge patch for the target object; absent for manual and restart-free plans. */
  patch?: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    name: string;
    body: Record<string, unknown>;
  };
  /** The equivalent kubectl command, for people. */
  kubectl?: string;
  risk: RiskLevel;
  rationale: string;
  /** For `manual`: what a person must do, precisely. */
  reason?: string;
  createdAt: string;
}

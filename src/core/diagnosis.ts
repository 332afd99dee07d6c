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
  /** What the language model said about this incident, and what the system made of it. */
  model?: ModelOpinion;
}

/**
 * How the model's answer was used: it `decided` (analyzers unsure), `overruled` a
 * strong finding with evidence against it, `agreed`, was `disregarded` (a strong
 * finding stands), or `failed` (no valid answer; the analyzers' diagnosis stands).
 */
export const ModelVerdict = {
  Decided: "decided",
  Overruled: "overruled",
  Agreed: "agreed",
  Disregarded: "disregarded",
  Failed: "failed",
} as const;
export type ModelVerdict = (typeof ModelVerdict)[keyof typeof ModelVerdict];

/** The model's proposal, never planned as such: the planner re-plans and validates. */
export interface ModelActionProposal {
  action: string;
  params: Record<string, unknown>;
  target?: TargetRef;
  /** Whether the proposal passed the planner's checks (catalogue, incident scope, bounds). */
  accepted: boolean;
  /** Why it was refused. */
  problem?: string;
}

export interface ModelOpinion {
  /** `<adapter>/<model>`, e.g. `ollama/mistral`. */
  model: string;
  verdict: ModelVerdict;
  /** Why the answer was not used (failed, disregarded), e.g. `timeout`, `invalid answer: ...`. */
  reason?: string;
  summary?: string;
  category?: Category;
  confidence?: number;
  /** Evidence items the model cites, as the prompt listed them (`E3: ...`). */
  cited?: string[];
  /** Evidence items the model cites against the analyzers' finding. */
  contradicting?: string[];
  proposal?: ModelActionProposal;
  /** Model calls made for this incident (one, two with a repair; zero from the cache). */
  calls: number;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  cached?: boolean;
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

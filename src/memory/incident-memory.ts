/**
 * The incident memory as the agents use it: remember what an incident's evidence said
 * and how it was resolved, and recall the most similar past incidents for a new one.
 */
import type { Diagnosis, RemediationPlan } from "../core/diagnosis.js";
import type { Evidence } from "../core/evidence.js";
import { NotFoundError } from "../core/errors.js";
import type { Feedback, Incident, RemediationOutcome } from "../core/incident.js";
import { isCategory } from "../core/vocabulary.js";
import type { Embedder } from "./embedder.js";
import { incidentSignature } from "./signature.js";
import { Outcome, type SimilarIncident, type VectorSpace, type VectorStore } from "./vector-store.js";

export interface IncidentMemoryOptions {
  embedder: Embedder;
  store: VectorStore;
  /** How many past incidents to recall. */
  k?: number;
  clock?: () => Date;
}

export interface Recollection {
  signature: string;
  vector: Float32Array;
  similar: SimilarIncident[];
}

export class IncidentMemory {
  readonly #embedder: Embedder;
  readonly #store: VectorStore;
  readonly #k: number;
  readonly #clock: () => Date;

  constructor(options: IncidentMemoryOptions) {
    this.#embedder = options.embedder;
    this.#store = options.store;
    this.#k = options.k ?? 5;
    this.#clock = options.clock ?? (() => new Date());
  }

  get name(): string {
    return `${this.#store.name}/${this.#embedder.model}`;
  }

  async #space(): Promise<VectorSpace> {
    return { model: this.#embedder.model, dimension: await this.#embedder.dimension() };
  }

  /** The k most similar past incidents (never the incident itself). */
  async recall(incidentId: string, evidence: Evidence): Promise<Recollection> {
    const signature = incidentSignature(evidence);
    const [vector] = await this.#embedder.embed([signature]);
    if (!vector) throw new Error("the embedder returned no vector");
    const found = await this.#store.query(await this.#space(), vector, this.#k + 1);
    return { signature, vector, similar: found.filter((s) => s.incidentId !== incidentId).slice(0, this.#k) };
  }

  /** Stores (or replaces) what the incident was diagnosed as; `rememberPlan` adds the plan. */
  async remember(
    incidentId: string,
    recollection: Pick<Recollection, "signature" | "vector">,
    diagnosis: Diagnosis,
  ): Promise<void> {
    await this.#store.upsert(await this.#space(), [
      {
        vector: recollection.vector,
        record: {
          incidentId,
          signature: recollection.signature,
          category: diagnosis.category,
          outcome: Outcome.Unknown,
          updatedAt: this.#clock().toISOString(),
        },
      },
    ]);
  }

  /** Adds the planned action to the remembered incident. */
  async rememberPlan(incidentId: string, plan: RemediationPlan): Promise<void> {
    await this.#store.updateRecord(await this.#space(), incidentId, {
      action: plan.action,
      targetKind: plan.target.kind,
      updatedAt: this.#clock().toISOString(),
    });
  }

  /** A person's verdict becomes the incident's outcome; a correction replaces category and action. */
  async learn(incidentId: string, feedback: Feedback): Promise<void> {
    const patch =
      feedback.verdict === "confirm"
        ? { outcome: Outcome.Confirmed }
        : {
            outcome: Outcome.Corrected,
            ...(feedback.category && isCategory(feedback.category) ? { category: feedback.category } : {}),
            ...(feedback.action ? { action: feedback.action, actionByPerson: true } : {}),
          };
    await this.#store.updateRecord(await this.#space(), incidentId, {
      ...patch,
      updatedAt: this.#clock().toISOString(),
    });
  }

  /**
   * A remediation's outcome becomes the incident's remembered outcome, unless a person
   * already gave a verdict on it (that outranks what the alerts did). An incident that
   * was never remembered (diagnosed while the memory was off) is skipped.
   */
  async learnOutcome(incident: Incident, outcome: RemediationOutcome): Promise<void> {
    if ((incident.feedback ?? []).length > 0) return;
    try {
      await this.#store.updateRecord(await this.#space(), incident.id, {
        outcome: outcome.result === "resolved" ? Outcome.Resolved : Outcome.NotResolved,
        updatedAt: this.#clock().toISOString(),
      });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  async close(): Promise<void> {
    await this.#store.close();
  }
}

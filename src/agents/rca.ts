import type { Logger } from "pino";
import { InputError } from "../core/errors.js";
import type { Diagnosis } from "../core/diagnosis.js";
import type { Evidence } from "../core/evidence.js";
import { IncidentState } from "../core/incident.js";
import { advance } from "../core/incident-lifecycle.js";
import type { IncidentStore } from "../store/incident-store.js";
import type { Bus, Subscription } from "../transport/bus.js";
import { envelope, readEnvelope } from "../transport/messages.js";
import { Stage } from "../transport/subjects.js";
import { instrumented, type MemoryMetrics, type StageMetrics } from "./stage.js";
import { adviseFromMemory } from "../analysis/memory-advice.js";
import type { IncidentMemory, Recollection } from "../memory/incident-memory.js";
import type { ModelDiagnosis } from "../llm/model-diagnosis.js";

export interface RcaDeps {
  bus: Bus;
  store: IncidentStore;
  metrics: StageMetrics & MemoryMetrics;
  logger: Logger;
  diagnose: (evidence: Evidence, now: Date) => Diagnosis | Promise<Diagnosis>;
  /** Recalls similar past incidents and remembers this one; the RCA works without it. */
  memory?: IncidentMemory;
  /**
   * The language model's say on each diagnosis (analysis/model/combine.ts decides how much);
   * without it the analyzers and memory decide alone. It never rejects.
   */
  model?: ModelDiagnosis;
  clock?: () => Date;
  maxDeliver?: number;
  /** How often a running handler tells the bus it is still working (below the ack wait). */
  workingIntervalMs?: number;
}

/** The RCA agent: evidence in, diagnosis out. A redelivered message never diagnoses twice. */
export function createRcaAgent(deps: RcaDeps) {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.logger.child({ agent: "rca" });
  let subscription: Subscription | undefined;

  /** Memory is an aid: when it fails, the analyzers' diagnosis stands and the reason is logged. */
  async function recall(incidentId: string, evidence: Evidence): Promise<Recollection | undefined> {
    if (!deps.memory) return undefined;
    try {
      return await deps.memory.recall(incidentId, evidence);
    } catch (error) {
      deps.metrics.memoryFailures.inc({ operation: "recall" });
      log.warn({ err: error, incidentId }, "incident memory unavailable; diagnosing without it");
      return undefined;
    }
  }

  async function remember(
    incidentId: string,
    recollection: Recollection,
    diagnosis: Diagnosis,
  ): Promise<void> {
    try {
      await deps.memory?.remember(incidentId, recollection, diagnosis);
    } catch (error) {
      deps.metrics.memoryFailures.inc({ operation: "remember" });
      log.warn({ err: error, incidentId }, "could not remember the incident");
    }
  }

  async function handle(incidentId: string): Promise<void> {
    const incident = await deps.store.get(incidentId);
    if (!incident) throw new InputError(`unknown incident ${incidentId}`);
    let diagnosis = incident.diagnosis;
    if (!diagnosis) {
      if (!incident.evidence) throw new InputError(`incident ${incidentId} has no evidence to diagnose`);
      diagnosis = await deps.diagnose(incident.evidence, clock());
      const recollection = await recall(incidentId, incident.evidence);
      if (recollection) diagnosis = adviseFromMemory(diagnosis, recollection.similar);
      if (deps.model)
        diagnosis = await deps.model.refine({ incidentId, evidence: incident.evidence, diagnosis });
      const decided = diagnosis;
      // A redelivered copy handled at the same time may have stored its diagnosis first:
      // then this one is dropped, and not logged or remembered as if it counted.
      let stored = false;
      await deps.store.update(incidentId, (i) => {
        stored = !i.diagnosis;
        return i.diagnosis
          ? i
          : {
              ...i,
              diagnosis: decided,
              category: decided.category,
              state: advance(i, IncidentState.Diagnosed),
              updatedAt: clock().toISOString(),
            };
      });
      if (stored)
        log.info(
          {
            incidentId,
            category: diagnosis.category,
            confidence: diagnosis.confidence,
            decidedBy: diagnosis.decidedBy,
            similar: diagnosis.similar?.length ?? 0,
            ...(diagnosis.model
              ? {
                  model: diagnosis.model.model,
                  modelVerdict: diagnosis.model.verdict,
                  modelReason: diagnosis.model.reason,
                }
              : {}),
          },
          "incident diagnosed",
        );
      if (stored && recollection) await remember(incidentId, recollection, diagnosis);
    }
    // Published again on redelivery: the bus drops the duplicate by its key.
    await deps.bus.publish(
      Stage.Diagnoses,
      envelope(
        Stage.Diagnoses,
        { incidentId, category: diagnosis.category },
        `diagnosis:${incidentId}`,
        clock(),
      ),
    );
  }

  return {
    async start(): Promise<void> {
      subscription = await deps.bus.consume(
        Stage.Incidents,
        instrumented(
          "diagnose",
          deps.metrics,
          log,
          async (env) => {
            await handle(readEnvelope(Stage.Incidents, env).payload.incidentId);
          },
          deps.workingIntervalMs,
        ),
        { durable: "rca", concurrency: 4, maxDeliver: deps.maxDeliver },
      );
    },
    async stop(): Promise<void> {
      await subscription?.drain();
    },
  };
}

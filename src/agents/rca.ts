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
import { instrumented, type StageMetrics } from "./stage.js";

export interface RcaDeps {
  bus: Bus;
  store: IncidentStore;
  metrics: StageMetrics;
  logger: Logger;
  diagnose: (evidence: Evidence, now: Date) => Diagnosis | Promise<Diagnosis>;
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

  async function handle(incidentId: string): Promise<void> {
    const incident = await deps.store.get(incidentId);
    if (!incident) throw new InputError(`unknown incident ${incidentId}`);
    let diagnosis = incident.diagnosis;
    if (!diagnosis) {
      if (!incident.evidence) throw new InputError(`incident ${incidentId} has no evidence to diagnose`);
      diagnosis = await deps.diagnose(incident.evidence, clock());
      const decided = diagnosis;
      await deps.store.update(incidentId, (i) =>
        i.diagnosis
          ? i
          : {
              ...i,
              diagnosis: decided,
              category: decided.category,
              state: advance(i, IncidentState.Diagnosed),
              updatedAt: clock().toISOString(),
            },
      );
      log.info(
        { incidentId, category: diagnosis.category, confidence: diagnosis.confidence },
        "incident diagnosed",
      );
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

import type { Logger } from "pino";
import { InputError } from "../core/errors.js";
import type { Diagnosis, RemediationPlan } from "../core/diagnosis.js";
import type { Evidence } from "../core/evidence.js";
import { IncidentState } from "../core/incident.js";
import { advance } from "../core/incident-lifecycle.js";
import type { IncidentStore } from "../store/incident-store.js";
import type { Bus, Subscription } from "../transport/bus.js";
import { envelope, readEnvelope } from "../transport/messages.js";
import { Stage } from "../transport/subjects.js";
import { instrumented, type MemoryMetrics, type StageMetrics } from "./stage.js";
import type { IncidentMemory } from "../memory/incident-memory.js";

export interface RemediatorDeps {
  bus: Bus;
  store: IncidentStore;
  metrics: StageMetrics & MemoryMetrics;
  logger: Logger;
  plan: (evidence: Evidence, diagnosis: Diagnosis, now: Date) => RemediationPlan | Promise<RemediationPlan>;
  /** Remembers the planned action with the incident, when a memory is configured. */
  memory?: IncidentMemory;
  clock?: () => Date;
  maxDeliver?: number;
  /** How often a running handler tells the bus it is still working (below the ack wait). */
  workingIntervalMs?: number;
}

/**
 * The remediator: diagnosis in, a validated remediation plan out (one per incident,
 * however often the diagnosis message is delivered).
 */
export function createRemediator(deps: RemediatorDeps) {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.logger.child({ agent: "remediator" });
  let subscription: Subscription | undefined;

  async function handle(incidentId: string): Promise<void> {
    const incident = await deps.store.get(incidentId);
    if (!incident) throw new InputError(`unknown incident ${incidentId}`);
    let plan = incident.plan;
    if (!plan) {
      if (!incident.evidence || !incident.diagnosis) {
        throw new InputError(`incident ${incidentId} has no diagnosis to plan from`);
      }
      plan = await deps.plan(incident.evidence, incident.diagnosis, clock());
      const planned = plan;
      // Remembered before the plan is visible: feedback on a planned incident then finds
      // the plan in memory, and this write cannot overwrite the feedback's.
      await deps.memory?.rememberPlan(incidentId, plan).catch((error: unknown) => {
        deps.metrics.memoryFailures.inc({ operation: "remember_plan" });
        log.warn({ err: error, incidentId }, "could not remember the plan");
      });
      // A copy handled at the same time may have stored its plan first: then this one is not logged as stored.
      let stored = false;
      await deps.store.update(incidentId, (i) => {
        stored = !i.plan;
        return i.plan
          ? i
          : {
              ...i,
              plan: planned,
              state: advance(i, IncidentState.Planned),
              updatedAt: clock().toISOString(),
            };
      });
      if (stored)
        log.info(
          { incidentId, action: plan.action, target: plan.target, risk: plan.risk },
          "remediation proposed",
        );
    }
    await deps.bus.publish(
      Stage.Remediations,
      envelope(Stage.Remediations, { incidentId, action: plan.action }, `remediation:${incidentId}`, clock()),
    );
  }

  return {
    async start(): Promise<void> {
      subscription = await deps.bus.consume(
        Stage.Diagnoses,
        instrumented(
          "plan",
          deps.metrics,
          log,
          async (env) => {
            await handle(readEnvelope(Stage.Diagnoses, env).payload.incidentId);
          },
          deps.workingIntervalMs,
        ),
        { durable: "remediator", concurrency: 4, maxDeliver: deps.maxDeliver },
      );
    },
    async stop(): Promise<void> {
      await subscription?.drain();
    },
  };
}

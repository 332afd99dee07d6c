import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { AlertInstance } from "../core/alertmanager.js";
import { ConflictError } from "../core/errors.js";
import type { Evidence } from "../core/evidence.js";
import type { Incident } from "../core/incident.js";
import { IncidentState } from "../core/incident.js";
import {
  correlationKey,
  decideFiring,
  newIncident,
  withFiring,
  withResolved,
} from "../core/incident-lifecycle.js";
import type { ContextBundle, ContextSource } from "../context/context-source.js";
import { extractEvidence } from "../context/evidence.js";
import { redactBundle } from "../context/redaction.js";
import { subjectFromAlerts } from "../context/subject.js";
import type { IncidentStore } from "../store/incident-store.js";
import type { Bus, Subscription } from "../transport/bus.js";
import { envelope, readEnvelope } from "../transport/messages.js";
import { Stage } from "../transport/subjects.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { instrumented, type StageMetrics } from "./stage.js";

export interface CollectorDeps {
  bus: Bus;
  store: IncidentStore;
  context: ContextSource;
  metrics: StageMetrics;
  logger: Logger;
  clock?: () => Date;
  newId?: () => string;
  maxDeliver?: number;
  /** How often a running handler tells the bus it is still working (below the ack wait). */
  workingIntervalMs?: number;
  /** Bound on how long evidence gathering may take before it becomes a gap. */
  gatherTimeoutMs?: number;
  /** Told of each resolved incident, to judge the outcome of a remediation in effect. */
  outcomes?: { onResolved(incident: Incident): Promise<void> };
}

/** Incident ids sort by time and are safe in URLs, file and branch names. */
export function newIncidentId(now: Date = new Date()): string {
  return `inc-${now.getTime().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/**
 * The collector agent: turns alert messages into incidents (dedupe, correlate,
 * resolve), gathers evidence for new incidents and hands them to the RCA.
 */
export function createCollector(deps: CollectorDeps) {
  const clock = deps.clock ?? (() => new Date());
  const newId = deps.newId ?? (() => newIncidentId(clock()));
  const mutex = new KeyedMutex();
  const log = deps.logger.child({ agent: "collector" });

  async function onFiring(alert: AlertInstance, attempt = 1): Promise<void> {
    const now = clock().toISOString();
    const byFingerprint = await deps.store.findByFingerprint(alert.fingerprint);
    const byKey = await deps.store.findOpenByKey(correlationKey(alert));
    const decision = decideFiring(alert, byFingerprint, byKey);
    if (decision.kind === "open") {
      const incident = newIncident(newId(), alert, now);
      try {
        await deps.store.create(incident);
      } catch (error) {
        // Another collector replica opened the incident for this key first: join it.
        if (error instanceof ConflictError && attempt < 3) return onFiring(alert, attempt + 1);
        throw error;
      }
      log.info({ incidentId: incident.id, key: incident.correlationKey }, "incident opened");
      await investigate(incident);
      return;
    }
    const updated = await deps.store.update(decision.incident.id, (i) => withFiring(i, alert, now));
    log.info(
      { incidentId: updated.id, fingerprint: alert.fingerprint, decision: decision.kind },
      decision.kind === "repeat" ? "repeat notification" : "alert joined incident",
    );
    // An incident opened by a delivery that crashed before investigating is picked up here.
    if (updated.state === IncidentState.Open && !updated.evidence) await investigate(updated);
  }

  async function onResolved(alert: AlertInstance): Promise<void> {
    const incident = await deps.store.findByFingerprint(alert.fingerprint);
    if (!incident || incident.state === IncidentState.Resolved) {
      log.info({ fingerprint: alert.fingerprint }, "resolved notification with no open incident");
      // A redelivery after a failed outcome step: the incident is resolved, its outcome maybe not yet.
      if (incident) await deps.outcomes?.onResolved(incident);
      return;
    }
    const updated = await deps.store.update(incident.id, (i) =>
      withResolved(i, alert, clock().toISOString()),
    );
    if (updated.state === IncidentState.Resolved) {
      log.info({ incidentId: updated.id, timeToResolveMs: updated.timeToResolveMs }, "incident resolved");
      await deps.outcomes?.onResolved(updated);
    }
  }

  async function investigate(incident: Incident): Promise<void> {
    const subject = subjectFromAlerts(incident.alerts);
    // Credentials never reach the store, the memory or a model.
    const bundle = redactBundle(await gather(subject));
    const evidence: Evidence = extractEvidence(subject, bundle, clock());
    await deps.store.update(incident.id, (i) => ({
      ...i,
      evidence,
      subject: evidence.workload?.ref ?? i.subject,
      updatedAt: clock().toISOString(),
    }));
    await deps.bus.publish(
      Stage.Incidents,
      envelope(Stage.Incidents, { incidentId: incident.id }, `incident:${incident.id}`, clock()),
    );
  }

  async function gather(subject: ReturnType<typeof subjectFromAlerts>): Promise<ContextBundle> {
    const timeoutMs = deps.gatherTimeoutMs ?? 20_000;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return await deps.context.gather(subject, signal);
    } catch (error) {
      // A failing source is a gap in the evidence, never a failed incident.
      return {
        objects: [],
        logs: [],
        metrics: [],
        gaps: [{ source: deps.context.name, reason: (error as Error).message }],
      };
    }
  }

  let subscription: Subscription | undefined;
  return {
    async start(): Promise<void> {
      subscription = await deps.bus.consume(
        Stage.Alerts,
        instrumented(
          "collect",
          deps.metrics,
          log,
          async (env) => {
            const { alert } = readEnvelope(Stage.Alerts, env).payload;
            if (alert.status === "resolved") return onResolved(alert);
            return mutex.run(correlationKey(alert), () => onFiring(alert));
          },
          deps.workingIntervalMs,
        ),
        { durable: "collector", concurrency: 4, maxDeliver: deps.maxDeliver },
      );
    },
    async stop(): Promise<void> {
      await subscription?.drain();
    },
  };
}

/**
 * The messages between agents: one schema each, validated on receipt so that a
 * malformed message is terminated as poison instead of crashing a handler.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { InputError } from "../core/errors.js";
import { ACTIONS, CATEGORIES } from "../core/vocabulary.js";
import { ENVELOPE_VERSION, type Envelope } from "./bus.js";
import { Stage } from "./subjects.js";

const alertInstance = z.object({
  fingerprint: z.string().min(1),
  fingerprintDerived: z.boolean(),
  status: z.enum(["firing", "resolved"]),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
});

export const payloadSchemas = {
  [Stage.Alerts]: z.object({
    alert: alertInstance,
    receivedAt: z.string(),
    receiver: z.string().optional(),
    groupKey: z.string().optional(),
    externalURL: z.string().optional(),
  }),
  [Stage.Incidents]: z.object({ incidentId: z.string().min(1) }),
  [Stage.Diagnoses]: z.object({
    incidentId: z.string().min(1),
    category: z.enum(CATEGORIES as [string, ...string[]]),
  }),
  [Stage.Remediations]: z.object({
    incidentId: z.string().min(1),
    action: z.enum(ACTIONS as [string, ...string[]]),
  }),
  /** `digest`: the material state people are to be told about (see notify/notice.ts). */
  [Stage.Notifications]: z.object({ incidentId: z.string().min(1), digest: z.string().min(1) }),
} as const;

export type AlertMessage = z.infer<(typeof payloadSchemas)["alerts"]>;
export type IncidentMessage = z.infer<(typeof payloadSchemas)["incidents"]>;
export type DiagnosisMessage = z.infer<(typeof payloadSchemas)["diagnoses"]>;
export type RemediationMessage = z.infer<(typeof payloadSchemas)["remediations"]>;
export type NotificationMessage = z.infer<(typeof payloadSchemas)["notifications"]>;

export interface PayloadFor {
  alerts: AlertMessage;
  incidents: IncidentMessage;
  diagnoses: DiagnosisMessage;
  remediations: RemediationMessage;
  notifications: NotificationMessage;
}

const envelopeSchema = z.object({
  v: z.literal(ENVELOPE_VERSION),
  type: z.enum(Object.values(Stage) as [Stage, ...Stage[]]),
  id: z.string().min(1),
  idempotencyKey: z.string().min(1),
  incidentId: z.string().optional(),
  publishedAt: z.string(),
  payload: z.unknown(),
});

export function envelope<S extends Stage>(
  stage: S,
  payload: PayloadFor[S],
  idempotencyKey: string,
  now: Date = new Date(),
): Envelope<PayloadFor[S]> {
  const incidentId = "incidentId" in payload ? payload.incidentId : undefined;
  return {
    v: ENVELOPE_VERSION,
    type: stage,
    id: randomUUID(),
    idempotencyKey,
    incidentId,
    publishedAt: now.toISOString(),
    payload,
  };
}

/** Validates an envelope received for `stage`; InputError (poison) when it does not match. */
export function readEnvelope<S extends Stage>(stage: S, value: unknown): Envelope<PayloadFor[S]> {
  const env = envelopeSchema.safeParse(value);
  if (!env.success) throw new InputError(`malformed envelope: ${env.error.issues[0]?.message ?? "invalid"}`);
  if (env.data.type !== stage) throw new InputError(`envelope of type ${env.data.type} on stage ${stage}`);
  const payload = payloadSchemas[stage].safeParse(env.data.payload);
  if (!payload.success) {
    const issue = payload.error.issues[0];
    throw new InputError(
      `malformed ${stage} payload: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`,
    );
  }
  return { ...env.data, type: stage, payload: payload.data as PayloadFor[S] };
}

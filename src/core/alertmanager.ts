import { createHash } from "node:crypto";
import { z } from "zod";
import { InputError } from "./errors.js";

/**
 * Alertmanager's webhook payload (version 4), as documented in Alertmanager's
 * configuration reference (`webhook_config`). Real senders differ from the documented
 * shape (older Alertmanager with version "3" and no fingerprint, KubeSphere with an
 * empty status and null commonAnnotations, Grafana with extra fields), so only what an
 * incident cannot do without is required: `alerts[]` with `status`, `labels` and
 * `startsAt`. Unknown fields are kept.
 */

const labelSet = z.record(z.string(), z.string());
const timestamp = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: "must be an RFC 3339 timestamp" });

export const alertStatusSchema = z.enum(["firing", "resolved"]);
export type AlertStatus = z.infer<typeof alertStatusSchema>;

export const webhookAlertSchema = z.looseObject({
  status: alertStatusSchema,
  labels: labelSet,
  annotations: labelSet.nullish().transform((v) => v ?? {}),
  startsAt: timestamp,
  endsAt: timestamp.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().max(256).optional(),
});

export const webhookPayloadSchema = z.looseObject({
  version: z.string().optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  // "" is what KubeSphere sends; the per-alert status is authoritative.
  status: z.enum(["firing", "resolved", ""]).optional(),
  receiver: z.string().optional(),
  groupLabels: labelSet.nullish().transform((v) => v ?? {}),
  commonLabels: labelSet.nullish().transform((v) => v ?? {}),
  commonAnnotations: labelSet.nullish().transform((v) => v ?? {}),
  externalURL: z.string().optional(),
  alerts: z.array(webhookAlertSchema).min(1, { message: "must hold at least one alert" }),
});

export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;
export type WebhookAlert = z.infer<typeof webhookAlertSchema>;

/** One alert as the system keeps it: normalised, with a fingerprint always present. */
export interface AlertInstance {
  fingerprint: string;
  /** true when the sender gave no fingerprint and we derived one from the labels. */
  fingerprintDerived: boolean;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface NormalisedWebhook {
  receiver?: string;
  groupKey?: string;
  externalURL?: string;
  alerts: AlertInstance[];
}

function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || "(body)";
}

/** Parses a webhook body; throws InputError naming the first offending field. */
export function parseWebhook(body: unknown): NormalisedWebhook {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new InputError("the webhook body must be a JSON object", "(body)");
  }
  const result = webhookPayloadSchema.safeParse(body);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: issuePath(i.path), message: i.message }));
    const first = issues[0] ?? { path: "(body)", message: "invalid" };
    throw new InputError(`invalid webhook: ${first.path}: ${first.message}`, first.path, issues);
  }
  const payload = result.data;
  return {
    receiver: payload.receiver,
    groupKey: payload.groupKey,
    externalURL: payload.externalURL,
    alerts: payload.alerts.map(normaliseAlert),
  };
}

const ZERO_TIME = /^0001-01-01T00:00:00/;

function normaliseAlert(alert: WebhookAlert): AlertInstance {
  // A blank fingerprint (spaces, a line separator) identifies nothing: derive one, as for none.
  const given =
    alert.fingerprint !== undefined && /\S/.test(alert.fingerprint) ? alert.fingerprint : undefined;
  const derived = given === undefined;
  return {
    fingerprint: given ?? labelFingerprint(alert.labels),
    fingerprintDerived: derived,
    status: alert.status,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: new Date(alert.startsAt).toISOString(),
    endsAt: alert.endsAt && !ZERO_TIME.test(alert.endsAt) ? new Date(alert.endsAt).toISOString() : undefined,
    generatorURL: alert.generatorURL || undefined,
  };
}

/** Whether `s` holds a separator of the label encoding below. */
const holdsSeparator = (s: string) => s.includes("\u0000") || s.includes("\u0001");

/** A stable fingerprint of a label set, for senders that do not send one (Alertmanager before 0.20). */
export function labelFingerprint(labels: Record<string, string>): string {
  const hash = createHash("sha256");
  const keys = Object.keys(labels).sort();
  if (keys.some((key) => holdsSeparator(key) || holdsSeparator(labels[key] ?? ""))) {
    // A label holding a separator would make `a="x\u0001b\u0000y"` hash like `a="x",b="y"`.
    // Such label sets are hashed as JSON instead, which holds no NUL byte, so it can meet
    // neither another such set nor the encoding of ordinary ones (kept for their stable ids).
    hash.update(`\u0002${JSON.stringify(keys.map((key) => [key, labels[key]]))}`);
  } else {
    for (const key of keys) hash.update(`${key}\u0000${labels[key]}\u0001`);
  }
  return hash.digest("hex").slice(0, 16);
}

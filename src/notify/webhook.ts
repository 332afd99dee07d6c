/**
 * A generic JSON webhook for machines: every change of the incident's digest is POSTed,
 * and the receiver upserts by `incidentId`. Headers: `Idempotency-Key:
 * <incidentId>:<digest>` (a redelivery carries the same key), an optional Bearer token,
 * and an optional HMAC: `X-Aiops-Signature: sha256=<hex HMAC-SHA256(secret,
 * "<X-Aiops-Timestamp>.<body>")>`, the timestamp in Unix seconds, so a receiver can
 * refuse replays.
 */
import { createHmac } from "node:crypto";
import type { NotificationChannel, SendContext } from "./channel.js";
import type { HttpSender } from "./http.js";
import type { IncidentNoticeView } from "./notice.js";

export type WebhookEvent = "incident.notified" | "incident.updated" | "incident.resolved" | "incident.failed";

/** The body of a generic webhook delivery. */
export interface WebhookBody {
  version: 1;
  event: WebhookEvent;
  incidentId: string;
  digest: string;
  sentAt: string;
  /** The view, with the raw list-view fields under `facts`. */
  incident: IncidentNoticeView;
}

function webhookEvent(view: IncidentNoticeView, kind: SendContext["kind"]): WebhookEvent {
  if (view.phase === "resolved") return "incident.resolved";
  if (view.phase === "failed") return "incident.failed";
  return kind === "post" ? "incident.notified" : "incident.updated";
}

/** `sha256=<hex>` over `<timestamp>.<body>`. */
function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export interface WebhookOptions {
  url: string;
  token?: string;
  secret?: string;
  send: HttpSender;
  clock?: () => Date;
}

export function createWebhookChannel(options: WebhookOptions): NotificationChannel {
  const clock = options.clock ?? (() => new Date());
  async function deliver(view: IncidentNoticeView, context: SendContext): Promise<{ ref?: string }> {
    const now = clock();
    const payload: WebhookBody = {
      version: 1,
      event: webhookEvent(view, context.kind),
      incidentId: view.incidentId,
      digest: context.digest,
      sentAt: now.toISOString(),
      incident: view,
    };
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "idempotency-key": `${view.incidentId}:${context.digest}`,
    };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.secret) {
      const timestamp = String(Math.floor(now.getTime() / 1000));
      headers["x-aiops-timestamp"] = timestamp;
      headers["x-aiops-signature"] = webhookSignature(options.secret, timestamp, body);
    }
    await options.send({
      channel: "webhook",
      url: options.url,
      headers,
      body,
      ...(context.working ? { working: context.working } : {}),
    });
    return {};
  }
  return {
    name: "webhook",
    // The receiver upserts by incidentId: every change is an update of the same record.
    editable: true,
    post: deliver,
    update: (_ref, view, context) => deliver(view, context),
  };
}

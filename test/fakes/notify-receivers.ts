/**
 * Fakes of the notification endpoints, on one loopback server, answering as the real ones
 * document:
 *
 * - Slack incoming webhook `POST /services/T000/B000/XXXX`: 200 `ok` (text/plain); 400
 *   `invalid_payload` for a body that is not JSON, 400 `no_text` without text or blocks;
 *   404 `no_service` for any other /services/ path.
 * - Slack Web API `POST /api/chat.postMessage` and `/api/chat.update`: HTTP 200 with
 *   `{ok: false, error}` for `not_authed`/`invalid_auth`, `channel_not_found`, `no_text`,
 *   `message_not_found`; `{ok: true, channel, ts, message}` otherwise, with a fresh ts
 *   per posted message. A channel given by name answers with its id.
 * - Teams Workflows `POST /workflows/<id>/triggers/manual/paths/invoke?api-version=…&sig=…`:
 *   401 without the right `sig`, 400 unless the body is a `message` whose attachments are
 *   Adaptive Cards; 202 Accepted with an empty body.
 * - Generic webhook `POST /hook`: 401 when a secret is set and the HMAC does not match; 204.
 *
 * Every accepted message is recorded (`messages`), every request too (`requests`).
 * Faults: the next N requests (optionally of one receiver) answer a status (with
 * Retry-After), drop the connection, or wait.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Incident } from "../../src/core/incident.js";

export type Receiver = "slack-webhook" | "slack-api" | "teams" | "webhook";

export interface ReceivedMessage {
  receiver: Receiver;
  kind: "post" | "update";
  /** Slack Web API: the channel id and ts of the message. */
  channel?: string;
  ts?: string;
  body: unknown;
  headers: IncomingMessage["headers"];
}

export interface ReceivedRequest {
  receiver: Receiver | "unknown";
  method: string;
  path: string;
  status: number;
  headers: IncomingMessage["headers"];
  text: string;
}

export interface Fault {
  /** How many requests it applies to. Default 1. */
  times?: number;
  /** Only requests to this receiver. */
  receiver?: Receiver;
  status?: number;
  /** Retry-After header value. */
  retryAfter?: string;
  body?: string;
  /** Close the socket without answering. */
  drop?: boolean;
  /** Wait before answering (or dropping). */
  delayMs?: number;
}

export interface FakeNotifyReceivers {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly slackWebhookUrl: string;
  readonly slackApiUrl: string;
  readonly slackToken: string;
  /** The channel id Slack knows; `#alerts` names it. */
  readonly slackChannel: string;
  readonly teamsUrl: string;
  readonly webhookUrl: string;
  readonly messages: ReceivedMessage[];
  readonly requests: ReceivedRequest[];
  /** Slack Web API messages by `<channel>:<ts>`, as last posted or updated. */
  readonly slackMessages: Map<string, { text?: unknown; blocks?: unknown; updates: number }>;
  fault(fault: Fault): void;
  /** Deletes a Slack message, as a person could (chat.update then answers message_not_found). */
  deleteSlackMessage(channel: string, ts: string): void;
  close(): Promise<void>;
}

export interface FakeNotifyReceiversOptions {
  /** HMAC secret the generic webhook checks; no check without it. */
  webhookSecret?: string;
}

const SLACK_TOKEN = "xoxb-fake-0123456789";
const SLACK_CHANNEL = "C0ALERTS";
const WEBHOOK_PATH = "/services/T000/B000/XXXX";
const TEAMS_PATH = "/workflows/0f1e2d3c/triggers/manual/paths/invoke";
const TEAMS_SIG = "fake-sig-abc";

function receiverOf(path: string): Receiver | "unknown" {
  if (path.startsWith("/services/")) return "slack-webhook";
  if (path.startsWith("/api/")) return "slack-api";
  if (path.startsWith("/workflows/")) return "teams";
  if (path === "/hook") return "webhook";
  return "unknown";
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

interface Answer {
  status: number;
  body?: string;
  type?: string;
  message?: Omit<ReceivedMessage, "headers" | "receiver">;
}

export async function startFakeNotifyReceivers(
  options: FakeNotifyReceiversOptions = {},
): Promise<FakeNotifyReceivers> {
  const messages: ReceivedMessage[] = [];
  const requests: ReceivedRequest[] = [];
  const faults: (Fault & { times: number })[] = [];
  const slackMessages = new Map<string, { text?: unknown; blocks?: unknown; updates: number }>();
  const sockets = new Set<Socket>();
  let seq = 0;

  const slackOk = (body: Record<string, unknown>): Answer => ({
    status: 200,
    type: "application/json; charset=utf-8",
    body: JSON.stringify({ ok: true, ...body }),
  });
  const slackError = (error: string): Answer => ({
    status: 200,
    type: "application/json; charset=utf-8",
    body: JSON.stringify({ ok: false, error }),
  });

  function slackWebhook(path: string, text: string): Answer {
    if (path !== WEBHOOK_PATH) return { status: 404, body: "no_service" };
    const parsed = parseJson(text);
    if (!parsed.ok || !isObject(parsed.value)) return { status: 400, body: "invalid_payload" };
    const b = parsed.value;
    const hasText = typeof b.text === "string" && b.text.length > 0;
    const hasBlocks = Array.isArray(b.blocks) && b.blocks.length > 0;
    if (!hasText && !hasBlocks) return { status: 400, body: "no_text" };
    if (hasBlocks && (b.blocks as unknown[]).length > 50) return { status: 400, body: "invalid_blocks" };
    return { status: 200, body: "ok", message: { kind: "post", body: b } };
  }

  function slackApi(path: string, headers: IncomingMessage["headers"], text: string): Answer {
    const auth = headers.authorization;
    if (auth === undefined) return slackError("not_authed");
    if (auth !== `Bearer ${SLACK_TOKEN}`) return slackError("invalid_auth");
    const parsed = parseJson(text);
    if (!parsed.ok || !isObject(parsed.value)) return slackError("invalid_json");
    const b = parsed.value;
    const channel = b.channel === SLACK_CHANNEL || b.channel === "#alerts" ? SLACK_CHANNEL : undefined;
    if (!channel) return slackError("channel_not_found");
    if (typeof b.text !== "string" && !Array.isArray(b.blocks)) return slackError("no_text");
    if (path === "/api/chat.postMessage") {
      seq++;
      const ts = `${1_700_000_000 + seq}.${String(seq).padStart(6, "0")}`;
      slackMessages.set(`${channel}:${ts}`, { text: b.text, blocks: b.blocks, updates: 0 });
      return {
        ...slackOk({ channel, ts, message: { type: "message", text: b.text, blocks: b.blocks, ts } }),
        message: { kind: "post", channel, ts, body: b },
      };
    }
    if (path === "/api/chat.update") {
      const ts = typeof b.ts === "string" ? b.ts : "";
      const existing = slackMessages.get(`${channel}:${ts}`);
      if (!existing) return slackError("message_not_found");
      existing.text = b.text;
      if (b.blocks !== undefined) existing.blocks = b.blocks;
      existing.updates++;
      return {
        ...slackOk({ channel, ts, text: b.text, message: { text: b.text, blocks: existing.blocks } }),
        message: { kind: "update", channel, ts, body: b },
      };
    }
    return {
      status: 404,
      type: "application/json",
      body: JSON.stringify({ ok: false, error: "unknown_method" }),
    };
  }

  function teams(path: string, query: URLSearchParams, text: string): Answer {
    const err = (status: number, code: string, message: string): Answer => ({
      status,
      type: "application/json",
      body: JSON.stringify({ error: { code, message } }),
    });
    if (path !== TEAMS_PATH) return err(404, "WorkflowNotFound", "The workflow was not found.");
    if (query.get("sig") !== TEAMS_SIG || !query.get("api-version")) {
      return err(401, "DirectApiAuthorizationRequired", "The request must be authenticated.");
    }
    const parsed = parseJson(text);
    if (!parsed.ok || !isObject(parsed.value))
      return err(400, "InvalidRequestContent", "The body is not JSON.");
    const b = parsed.value;
    const attachments = b.attachments;
    const valid =
      b.type === "message" &&
      Array.isArray(attachments) &&
      attachments.length > 0 &&
      attachments.every(
        (a) =>
          isObject(a) &&
          a.contentType === "application/vnd.microsoft.card.adaptive" &&
          isObject(a.content) &&
          a.content.type === "AdaptiveCard" &&
          Array.isArray(a.content.body),
      );
    if (!valid)
      return err(400, "InvalidRequestContent", "Expected a message with Adaptive Card attachments.");
    if (Buffer.byteLength(text) > 28 * 1024) return err(413, "MessageTooLarge", "The message exceeds 28 KB.");
    return { status: 202, message: { kind: "post", body: b } };
  }

  function hook(headers: IncomingMessage["headers"], text: string): Answer {
    if (options.webhookSecret !== undefined) {
      const timestamp = String(headers["x-aiops-timestamp"] ?? "");
      const presented = Buffer.from(String(headers["x-aiops-signature"] ?? ""));
      const expected = Buffer.from(
        `sha256=${createHmac("sha256", options.webhookSecret).update(`${timestamp}.${text}`).digest("hex")}`,
      );
      if (!timestamp || presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
        return { status: 401, type: "application/json", body: JSON.stringify({ error: "bad signature" }) };
      }
    }
    const parsed = parseJson(text);
    if (!parsed.ok || !isObject(parsed.value)) return { status: 400, body: "not JSON" };
    const event = parsed.value.event;
    return {
      status: 204,
      message: { kind: event === "incident.notified" ? "post" : "update", body: parsed.value },
    };
  }

  function answer(req: IncomingMessage, text: string): Answer {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    if (req.method !== "POST") return { status: 405, body: "method not allowed" };
    switch (receiverOf(path)) {
      case "slack-webhook":
        return slackWebhook(path, text);
      case "slack-api":
        return slackApi(path, req.headers, text);
      case "teams":
        return teams(path, url.searchParams, text);
      case "webhook":
        return hook(req.headers, text);
      default:
        return { status: 404, body: "not found" };
    }
  }

  function takeFault(receiver: Receiver | "unknown"): Fault | undefined {
    const index = faults.findIndex((f) => f.receiver === undefined || f.receiver === receiver);
    if (index < 0) return undefined;
    const fault = faults[index] as Fault & { times: number };
    fault.times--;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const path = new URL(req.url ?? "/", "http://fake").pathname;
      const receiver = receiverOf(path);
      const fault = takeFault(receiver);
      const reply = (): void => {
        if (fault?.drop) {
          requests.push({ receiver, method: req.method ?? "", path, status: 0, headers: req.headers, text });
          req.socket.destroy();
          return;
        }
        let a: Answer;
        const headers: Record<string, string> = {};
        if (fault?.status !== undefined) {
          a = { status: fault.status, body: fault.body ?? "" };
          if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
        } else {
          a = answer(req, text);
          if (a.message && receiver !== "unknown")
            messages.push({ ...a.message, receiver, headers: req.headers });
        }
        requests.push({
          receiver,
          method: req.method ?? "",
          path,
          status: a.status,
          headers: req.headers,
          text,
        });
        if (res.destroyed) return;
        headers["content-type"] = a.type ?? "text/plain; charset=utf-8";
        res.writeHead(a.status, headers);
        res.end(a.body ?? "");
      };
      if (fault?.delayMs) setTimeout(reply, fault.delayMs);
      else reply();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    slackWebhookUrl: `${base}${WEBHOOK_PATH}`,
    slackApiUrl: `${base}/api`,
    slackToken: SLACK_TOKEN,
    slackChannel: SLACK_CHANNEL,
    teamsUrl: `${base}${TEAMS_PATH}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${TEAMS_SIG}`,
    webhookUrl: `${base}/hook`,
    messages,
    requests,
    slackMessages,
    fault(fault) {
      faults.push({ ...fault, times: fault.times ?? 1 });
    },
    deleteSlackMessage(channel, ts) {
      slackMessages.delete(`${channel}:${ts}`);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/**
 * A diagnosed and planned OOM incident for notification tests; `overrides` replace top-level
 * fields. Its alert texts are plain; tests put hostile text in where they need it.
 */
export function sampleIncident(overrides: Partial<Incident> = {}): Incident {
  const at = "2026-03-01T10:00:00.000Z";
  const alert = {
    fingerprint: "fp-checkout",
    fingerprintDerived: false,
    status: "firing" as const,
    labels: {
      alertname: "KubePodOOMKilled",
      namespace: "shop",
      pod: "checkout-7d9f-abcde",
      severity: "warning",
    },
    annotations: { summary: "checkout was OOM killed" },
    startsAt: at,
    firstSeenAt: at,
    lastSeenAt: at,
    notifications: 1,
  };
  return {
    id: "inc-20260301-0001",
    correlationKey: "KubePodOOMKilled/shop/Deployment/checkout",
    state: "planned",
    alertname: "KubePodOOMKilled",
    severity: "warning",
    namespace: "shop",
    subject: { kind: "Deployment", namespace: "shop", name: "checkout" },
    alerts: [alert],
    notifications: 1,
    openedAt: at,
    updatedAt: at,
    category: "oom_killed",
    diagnosis: {
      category: "oom_killed",
      confidence: 0.9234,
      summary: "Container app was OOM killed: peak 498Mi against a 512Mi limit.",
      findings: [
        {
          analyzer: "oom",
          category: "oom_killed",
          confidence: 0.92,
          summary: "OOM killed",
          evidence: [
            "container app last terminated: OOMKilled, exit 137",
            "memory limit 512Mi, peak working set 498Mi",
            "3 restarts in 10 minutes",
          ],
        },
      ],
      decidedBy: "analyzers",
      createdAt: at,
    },
    plan: {
      action: "increase_memory_limit",
      target: { kind: "Deployment", namespace: "shop", name: "checkout", container: "app" },
      params: { from: "512Mi", to: "768Mi" },
      risk: "low",
      rationale: "peak near the limit",
      createdAt: at,
    },
    ...overrides,
  };
}

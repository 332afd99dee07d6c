/**
 * Slack, in either of its two documented ways:
 *
 * - an incoming webhook (`https://hooks.slack.com/services/T…/B…/…`): POST `{text, blocks}`;
 *   200 `ok`, or 400 `invalid_payload`/`no_text`, 403 `action_prohibited`, 404
 *   `no_service`/`channel_not_found`, 410 `channel_is_archived`, 429 with Retry-After,
 *   500 `rollup_error`. A webhook cannot edit what it posted.
 * - the Web API with a bot token: `chat.postMessage`, then `chat.update` with the
 *   channel id and `ts` it answered. Errors come as HTTP 200 `{ok: false, error}`;
 *   `ratelimited` also as 429 with Retry-After.
 *
 * The message is Block Kit: a header, fields, the diagnosis, the key evidence, and link
 * buttons to the console and the pull request. Text from alerts and logs is untrusted:
 * mrkdwn control characters are escaped, `verbatim` stops Slack from linking mentions
 * and channel names, and every text is cut to Block Kit's limits.
 */
import { isRetryableStatus } from "../core/http-status.js";
import { type NotificationChannel, type PostOnlyWebhookOptions, postOnlyWebhookChannel } from "./channel.js";
import { type HttpAnswer, type HttpSender, type Verdict, NotifyError, reasonOf } from "./http.js";
import { type IncidentNoticeView, noticeFacts, truncate } from "./notice.js";

/** Block Kit limits (characters), from Slack's reference. */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3_000,
  fields: 10,
  fieldText: 2_000,
  contextElements: 10,
  buttonText: 75,
  buttonUrl: 3_000,
  /** The top-level `text`, the notification fallback (Slack truncates beyond 40 000; 4 000 is its advice). */
  messageText: 4_000,
} as const;

/** Escapes text for mrkdwn: &, < and > (so no `<!channel>`, `<@U…>` or `<url|text>` can be formed). */
export function escapeMrkdwn(text: string): string {
  return (
    text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      // A bare @here/@channel/@everyone is not a mention in verbatim text, but the fallback
      // `text` may be parsed: a zero-width joiner keeps it from ever becoming one.
      .replace(/@(here|channel|everyone)\b/gi, "@\u2060$1")
  );
}

/** Escapes, then cuts to `max` without leaving half an entity at the end. */
export function mrkdwn(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  const cut = truncate(escaped, max);
  return cut === escaped ? cut : cut.replace(/&[a-z]{0,4}…$/, "…");
}

type Text =
  { type: "mrkdwn"; text: string; verbatim: true } | { type: "plain_text"; text: string; emoji: false };
type Block =
  | { type: "header"; text: Text }
  | { type: "section"; text?: Text; fields?: Text[] }
  | { type: "context"; elements: Text[] }
  | { type: "divider" }
  | {
      type: "actions";
      elements: { type: "button"; action_id: string; text: Text; url: string; style?: "primary" }[];
    };

const md = (text: string): Text => ({ type: "mrkdwn", text, verbatim: true });
const plain = (text: string, max: number): Text => ({
  type: "plain_text",
  text: truncate(text, max),
  emoji: false,
});

const PHASE_ICON = { active: ":rotating_light:", resolved: ":white_check_mark:", failed: ":x:" } as const;

/** The Slack message for an incident: fallback `text` plus Block Kit `blocks`, within limits. */
export function slackMessage(view: IncidentNoticeView): { text: string; blocks: Block[] } {
  const field = (label: string, value: string) =>
    md(`*${label}*\n${mrkdwn(value, SLACK_LIMITS.fieldText - label.length - 4)}`);
  const fields = noticeFacts(view).map(([label, value]) => field(label, value));

  const blocks: Block[] = [
    { type: "header", text: plain(view.title, SLACK_LIMITS.headerText) },
    { type: "section", fields: fields.slice(0, SLACK_LIMITS.fields) },
  ];
  if (view.summary) {
    blocks.push({
      type: "section",
      text: md(`*Diagnosis*\n${mrkdwn(view.summary, SLACK_LIMITS.sectionText - 20)}`),
    });
  }
  if (view.error) {
    blocks.push({
      type: "section",
      text: md(`*Failed*\n${mrkdwn(view.error, SLACK_LIMITS.sectionText - 20)}`),
    });
  }
  if (view.evidence.length > 0) {
    blocks.push({ type: "section", text: md("*Key evidence*") });
    blocks.push({
      type: "context",
      elements: view.evidence
        .slice(0, SLACK_LIMITS.contextElements)
        .map((line) => md(`• ${mrkdwn(line, SLACK_LIMITS.sectionText - 2)}`)),
    });
  }
  const buttons: Extract<Block, { type: "actions" }>["elements"] = [];
  if (view.consoleUrl && view.consoleUrl.length <= SLACK_LIMITS.buttonUrl) {
    buttons.push({
      type: "button",
      action_id: "open_console",
      text: plain("Open in console", SLACK_LIMITS.buttonText),
      url: view.consoleUrl,
      style: "primary",
    });
  }
  if (view.pullRequest && view.pullRequest.url.length <= SLACK_LIMITS.buttonUrl) {
    buttons.push({
      type: "button",
      action_id: "open_pull_request",
      text: plain(`Pull request #${view.pullRequest.number}`, SLACK_LIMITS.buttonText),
      url: view.pullRequest.url,
    });
  }
  if (buttons.length > 0) blocks.push({ type: "actions", elements: buttons });

  const fallback = [view.title, view.summary].filter(Boolean).join(": ");
  return {
    text: `${PHASE_ICON[view.phase]} ${mrkdwn(fallback, SLACK_LIMITS.messageText - 30)}`,
    blocks: blocks.slice(0, SLACK_LIMITS.blocks),
  };
}

/** Slack through an incoming webhook: one message, and one follow-up at resolution (no edits). */
export function createSlackWebhookChannel(options: PostOnlyWebhookOptions): NotificationChannel {
  return postOnlyWebhookChannel("slack", options, slackMessage);
}

export interface SlackApiOptions {
  botToken: string;
  /** A channel id (`C0123…`) or name; the ref keeps the id Slack answers with. */
  channel: string;
  /** Default https://slack.com/api */
  apiUrl?: string;
  send: HttpSender;
}

/** Web API errors that a later attempt may not get. */
const TRANSIENT_API_ERRORS = new Set([
  "ratelimited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
]);
/** chat.update errors after which posting a fresh message is the way to show the change. */
const MESSAGE_GONE = new Set(["message_not_found", "cant_update_message", "edit_window_closed"]);

interface ApiOk {
  channel: string;
  ts: string;
}

/** Reads a Web API answer: HTTP errors by status, then `ok: false` by its error code. */
export function readSlackApi(answer: HttpAnswer): Verdict<ApiOk> {
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(answer.text);
    if (typeof parsed === "object" && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // not JSON: judged by status
  }
  if (answer.status < 200 || answer.status >= 300 || body === undefined) {
    return { ok: false, retryable: isRetryableStatus(answer.status), reason: reasonOf(answer) };
  }
  if (body.ok !== true) {
    const error = typeof body.error === "string" ? body.error : "unknown_error";
    return { ok: false, retryable: TRANSIENT_API_ERRORS.has(error), reason: error };
  }
  if (typeof body.channel !== "string" || typeof body.ts !== "string") {
    return { ok: false, retryable: false, reason: "answer without channel or ts" };
  }
  return { ok: true, value: { channel: body.channel, ts: body.ts } };
}

function parseRef(ref: string | undefined): ApiOk | undefined {
  if (!ref) return undefined;
  const at = ref.indexOf(":");
  if (at <= 0 || at === ref.length - 1) return undefined;
  return { channel: ref.slice(0, at), ts: ref.slice(at + 1) };
}

/** Slack through the Web API with a bot token: one message per incident, edited in place. */
export function createSlackApiChannel(options: SlackApiOptions): NotificationChannel {
  const base = (options.apiUrl ?? "https://slack.com/api").replace(/\/+$/, "");
  const headers = {
    authorization: `Bearer ${options.botToken}`,
    "content-type": "application/json; charset=utf-8",
  };
  const call = (method: string, body: Record<string, unknown>, working?: () => void) =>
    options.send(
      {
        channel: "slack",
        url: `${base}/${method}`,
        headers,
        body: JSON.stringify(body),
        ...(working ? { working } : {}),
      },
      readSlackApi,
    );
  const post = async (view: IncidentNoticeView, working?: () => void) => {
    const message = slackMessage(view);
    const sent = await call(
      "chat.postMessage",
      { channel: options.channel, ...message, unfurl_links: false, unfurl_media: false },
      working,
    );
    return { ref: `${sent.channel}:${sent.ts}` };
  };
  return {
    name: "slack",
    editable: true,
    post: (view, context) => post(view, context.working),
    async update(ref, view, context) {
      const at = parseRef(ref);
      if (!at) return post(view, context.working);
      try {
        await call("chat.update", { channel: at.channel, ts: at.ts, ...slackMessage(view) }, context.working);
        return { ref: `${at.channel}:${at.ts}` };
      } catch (error) {
        // The message was deleted (or can no longer be edited): a new one carries the change.
        if (error instanceof NotifyError && MESSAGE_GONE.has(error.reason)) {
          return post(view, context.working);
        }
        throw error;
      }
    },
  };
}

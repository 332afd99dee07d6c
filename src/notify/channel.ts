import type { HttpSender } from "./http.js";
import type { IncidentNoticeView } from "./notice.js";

/** Per send: hooks of the caller. */
export interface SendContext {
  /** Called before each HTTP attempt (a bus consumer extends its ack deadline with it). */
  working?: () => void;
  /** Why this message is sent: the first one, or a change of one already sent. */
  kind: "post" | "update";
  /** The incident's digest when the message was built (idempotency keys). */
  digest: string;
}

/**
 * A place people (or machines) are told about incidents. `post` sends a new message and
 * returns where it lives when the channel can edit it; `update` replaces that message
 * (and may return a new ref when the old message is gone). Both throw NotifyError.
 */
export interface NotificationChannel {
  readonly name: string;
  /** Whether a sent message can be changed in place (otherwise: one follow-up at the end). */
  readonly editable: boolean;
  post(view: IncidentNoticeView, context: SendContext): Promise<{ ref?: string }>;
  update?(ref: string | undefined, view: IncidentNoticeView, context: SendContext): Promise<{ ref?: string }>;
}

/** Where a post-only webhook channel sends, and how. */
export interface PostOnlyWebhookOptions {
  webhookUrl: string;
  send: HttpSender;
}

/**
 * A channel that can only post (Slack incoming webhooks, Teams workflows): each message is
 * a new one, so the notifier sends one and a single follow-up at the end.
 */
export function postOnlyWebhookChannel(
  name: string,
  options: PostOnlyWebhookOptions,
  render: (view: IncidentNoticeView) => unknown,
): NotificationChannel {
  return {
    name,
    editable: false,
    async post(view, context) {
      await options.send({
        channel: name,
        url: options.webhookUrl,
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify(render(view)),
        ...(context.working ? { working: context.working } : {}),
      });
      return {};
    },
  };
}

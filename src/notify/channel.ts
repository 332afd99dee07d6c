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

/**
 * The `notify` section of the configuration, its environment variables, and the channels
 * it selects. A channel is on when its URL (or Slack bot token) is set; none by default.
 */
import { z } from "zod";
import type { NotificationChannel } from "./channel.js";
import { createHttpSender, type HttpDeps } from "./http.js";
import { createSlackApiChannel, createSlackWebhookChannel } from "./slack.js";
import { createTeamsChannel } from "./teams.js";
import { createWebhookChannel } from "./webhook.js";

const httpUrl = z.url({ protocol: /^https?$/, error: "an http(s) URL" });
const secret = z.string().trim().min(1);

export const notifyConfigSchema = z
  .strictObject({
    slack: z
      .strictObject({
        /** Incoming webhook URL (a secret: it embeds the key). Cannot edit: one message, one follow-up. */
        webhookUrl: httpUrl.optional(),
        /** A bot token (xoxb-…) with chat:write: one message per incident, edited in place. */
        botToken: secret.optional(),
        /** The channel id (C0123…) or name the bot posts to; required with botToken. */
        channel: z.string().trim().min(1).optional(),
        apiUrl: httpUrl.default("https://slack.com/api"),
      })
      .prefault({})
      .refine((s) => s.botToken === undefined || s.channel !== undefined, {
        message: "slack.channel is required with slack.botToken",
        path: ["channel"],
      })
      .refine((s) => s.botToken === undefined || s.webhookUrl === undefined, {
        message: "set slack.webhookUrl or slack.botToken, not both (each would post its own message)",
        path: ["webhookUrl"],
      }),
    teams: z
      .strictObject({
        /** A Teams Workflows webhook URL (a secret: it carries a signature). */
        webhookUrl: httpUrl.optional(),
      })
      .prefault({}),
    webhook: z
      .strictObject({
        url: httpUrl.optional(),
        /** Sent as `Authorization: Bearer <token>`. */
        token: secret.optional(),
        /** HMAC-SHA256 key for `X-Aiops-Signature`. */
        secret: z.string().min(16, "at least 16 characters").optional(),
      })
      .prefault({})
      .refine((w) => w.url !== undefined || (w.token === undefined && w.secret === undefined), {
        message: "webhook.token and webhook.secret need webhook.url",
        path: ["url"],
      }),
    /** Per HTTP attempt. */
    timeoutMs: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /** Attempts per message, the first included. */
    maxAttempts: z.coerce.number().int().min(1).max(10).default(4),
    minDelayMs: z.coerce.number().int().min(0).default(500),
    maxDelayMs: z.coerce.number().int().min(0).default(30_000),
  })
  .prefault({})
  .refine((n) => n.minDelayMs <= n.maxDelayMs, {
    message: "minDelayMs must not exceed maxDelayMs",
    path: ["minDelayMs"],
  });

export type NotifyConfig = z.infer<typeof notifyConfigSchema>;

/** Environment variables of the `notify` section; each also reads `<NAME>_FILE`. Paths from the root config. */
export const NOTIFY_ENV_KEYS: readonly { env: string; path: string; secret?: boolean }[] = [
  { env: "AIOPS_SLACK_WEBHOOK_URL", path: "notify.slack.webhookUrl", secret: true },
  { env: "AIOPS_SLACK_BOT_TOKEN", path: "notify.slack.botToken", secret: true },
  { env: "AIOPS_SLACK_CHANNEL", path: "notify.slack.channel" },
  { env: "AIOPS_SLACK_API_URL", path: "notify.slack.apiUrl" },
  { env: "AIOPS_TEAMS_WEBHOOK_URL", path: "notify.teams.webhookUrl", secret: true },
  { env: "AIOPS_NOTIFY_WEBHOOK_URL", path: "notify.webhook.url" },
  { env: "AIOPS_NOTIFY_WEBHOOK_TOKEN", path: "notify.webhook.token", secret: true },
  { env: "AIOPS_NOTIFY_WEBHOOK_SECRET", path: "notify.webhook.secret", secret: true },
  { env: "AIOPS_NOTIFY_TIMEOUT_MS", path: "notify.timeoutMs" },
  { env: "AIOPS_NOTIFY_MAX_ATTEMPTS", path: "notify.maxAttempts" },
];

export interface ChannelDeps extends HttpDeps {
  clock?: () => Date;
}

/** The channels the configuration turns on, in a fixed order (Slack, Teams, webhook). */
export function createChannels(config: NotifyConfig, deps: ChannelDeps = {}): NotificationChannel[] {
  const send = createHttpSender(
    {
      timeoutMs: config.timeoutMs,
      maxAttempts: config.maxAttempts,
      minDelayMs: config.minDelayMs,
      maxDelayMs: config.maxDelayMs,
    },
    deps,
  );
  const channels: NotificationChannel[] = [];
  const { slack, teams, webhook } = config;
  if (slack.botToken !== undefined && slack.channel !== undefined) {
    channels.push(
      createSlackApiChannel({ botToken: slack.botToken, channel: slack.channel, apiUrl: slack.apiUrl, send }),
    );
  } else if (slack.webhookUrl !== undefined) {
    channels.push(createSlackWebhookChannel({ webhookUrl: slack.webhookUrl, send }));
  }
  if (teams.webhookUrl !== undefined)
    channels.push(createTeamsChannel({ webhookUrl: teams.webhookUrl, send }));
  if (webhook.url !== undefined) {
    channels.push(
      createWebhookChannel({
        url: webhook.url,
        send,
        ...(webhook.token !== undefined ? { token: webhook.token } : {}),
        ...(webhook.secret !== undefined ? { secret: webhook.secret } : {}),
        ...(deps.clock ? { clock: deps.clock } : {}),
      }),
    );
  }
  return channels;
}

import { describe, expect, it } from "vitest";
import { NOTIFY_ENV_KEYS, createChannels, notifyConfigSchema } from "./config.js";

describe("notifyConfigSchema", () => {
  it("defaults to no channel, with the retry defaults", () => {
    const config = notifyConfigSchema.parse(undefined);
    expect(config).toMatchObject({ timeoutMs: 10_000, maxAttempts: 4, minDelayMs: 500, maxDelayMs: 30_000 });
    expect(config.slack.apiUrl).toBe("https://slack.com/api");
    expect(createChannels(config)).toEqual([]);
  });

  it("reads numbers from env strings and refuses unknown keys", () => {
    expect(notifyConfigSchema.parse({ maxAttempts: "2", timeoutMs: "500" })).toMatchObject({
      maxAttempts: 2,
      timeoutMs: 500,
    });
    expect(notifyConfigSchema.safeParse({ slack: { webhook: "x" } }).success).toBe(false);
  });

  it("requires a channel with a bot token, and one Slack mode only", () => {
    const noChannel = notifyConfigSchema.safeParse({ slack: { botToken: "xoxb-1" } });
    expect(noChannel.success).toBe(false);
    expect(noChannel.error?.issues[0]?.path).toEqual(["slack", "channel"]);
    const both = notifyConfigSchema.safeParse({
      slack: { botToken: "xoxb-1", channel: "C1", webhookUrl: "https://hooks.slack.com/services/T/B/X" },
    });
    expect(both.success).toBe(false);
    expect(notifyConfigSchema.safeParse({ teams: { webhookUrl: "ftp://x" } }).success).toBe(false);
    expect(notifyConfigSchema.safeParse({ webhook: { secret: "0123456789abcdef" } }).success).toBe(false);
  });

  it("builds the configured channels in order, editable where the API allows", () => {
    const config = notifyConfigSchema.parse({
      slack: { botToken: "xoxb-1", channel: "C1" },
      teams: { webhookUrl: "https://example.com/workflows/x" },
      webhook: { url: "https://example.com/hook" },
    });
    expect(createChannels(config).map((c) => [c.name, c.editable])).toEqual([
      ["slack", true],
      ["teams", false],
      ["webhook", true],
    ]);
    const hook = notifyConfigSchema.parse({
      slack: { webhookUrl: "https://hooks.slack.com/services/T/B/X" },
    });
    expect(createChannels(hook).map((c) => [c.name, c.editable])).toEqual([["slack", false]]);
  });

  it("marks the URLs and tokens that are secrets", () => {
    const secrets = NOTIFY_ENV_KEYS.filter((k) => k.secret).map((k) => k.env);
    expect(secrets).toEqual([
      "AIOPS_SLACK_WEBHOOK_URL",
      "AIOPS_SLACK_BOT_TOKEN",
      "AIOPS_TEAMS_WEBHOOK_URL",
      "AIOPS_NOTIFY_WEBHOOK_TOKEN",
      "AIOPS_NOTIFY_WEBHOOK_SECRET",
    ]);
    expect(NOTIFY_ENV_KEYS.every((k) => k.path.startsWith("notify."))).toBe(true);
  });
});

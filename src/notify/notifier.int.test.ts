/**
 * The test: with fakes of the documented receivers and a real (SQLite) incident
 * store, each receiver gets exactly one message per incident, then its update; repeat
 * notifications send nothing, and a transient failure is retried without repeating the
 * channels that already went out.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  sampleIncident,
  startFakeNotifyReceivers,
  type FakeNotifyReceivers,
  type ReceivedMessage,
} from "../../test/fakes/notify-receivers.js";
import type { Incident } from "../core/incident.js";
import { createLogger } from "../observability/logger.js";
import { SqliteIncidentStore } from "../store/sqlite/sqlite-incident-store.js";
import { createChannels, notifyConfigSchema } from "./config.js";
import { NotifyFailedError } from "./http.js";
import { createNotifier, type Notifier } from "./notifier.js";
import type { WebhookBody } from "./webhook.js";

const SECRET = "whsec-0123456789abcdef";
const logger = createLogger({ level: "silent" });

let fake: FakeNotifyReceivers;
let store: SqliteIncidentStore;
let sent: string[];
beforeEach(async () => {
  fake = await startFakeNotifyReceivers({ webhookSecret: SECRET });
  store = SqliteIncidentStore.open(":memory:");
  sent = [];
});
afterEach(async () => {
  await fake.close();
  await store.close();
});

function notifierFor(notify: Record<string, unknown>): Notifier {
  const config = notifyConfigSchema.parse({ maxAttempts: 2, ...notify });
  return createNotifier({
    store,
    channels: createChannels(config, { sleep: async () => {} }),
    consoleUrl: "https://aiops.example.com",
    logger,
    clock: () => new Date("2026-03-01T12:00:00.000Z"),
    metrics: { sent: (channel, kind, result) => void sent.push(`${channel}:${kind}:${result}`) },
  });
}

const of = (receiver: ReceivedMessage["receiver"]) => fake.messages.filter((m) => m.receiver === receiver);

/** The incident's life: open → diagnosed → planned → repeats → PR → resolved. */
const steps = {
  open(): Incident {
    const { diagnosis: _d, plan: _p, category: _c, ...open } = sampleIncident({ state: "open" });
    return open;
  },
  diagnosed: (i: Incident): Incident => ({
    ...i,
    state: "diagnosed",
    category: "oom_killed",
    diagnosis: sampleIncident().diagnosis!,
    updatedAt: "2026-03-01T10:01:00.000Z",
  }),
  planned: (i: Incident): Incident => ({
    ...i,
    state: "planned",
    plan: sampleIncident().plan!,
    updatedAt: "2026-03-01T10:02:00.000Z",
  }),
  repeated: (i: Incident, n: number): Incident => {
    const at = `2026-03-01T10:1${n}:00.000Z`;
    return {
      ...i,
      notifications: i.notifications + 1,
      updatedAt: at,
      alerts: i.alerts.map((a) => ({ ...a, notifications: a.notifications + 1, lastSeenAt: at })),
    };
  },
  pullRequest: (i: Incident): Incident => ({
    ...i,
    proposal: {
      mode: "propose",
      state: "proposed",
      branch: "aiops/inc-20260301-0001",
      pullRequest: {
        forge: "github",
        number: 42,
        url: "https://github.com/acme/gitops/pull/42",
        state: "open",
      },
      updatedAt: "2026-03-01T10:20:00.000Z",
    },
    updatedAt: "2026-03-01T10:20:00.000Z",
  }),
  resolved: (i: Incident): Incident => ({
    ...i,
    state: "resolved",
    resolvedAt: "2026-03-01T11:00:00.000Z",
    updatedAt: "2026-03-01T11:00:00.000Z",
  }),
};

async function change(id: string, step: (i: Incident) => Incident): Promise<void> {
  await store.update(id, step);
}

describe("notifier with the fake receivers", () => {
  it("Slack (bot), Teams and the generic webhook: one message each, then updates; repeats send nothing; a failure is retried alone", async () => {
    const notifier = notifierFor({
      slack: { botToken: fake.slackToken, channel: "#alerts", apiUrl: fake.slackApiUrl },
      teams: { webhookUrl: fake.teamsUrl },
      webhook: { url: fake.webhookUrl, token: "hook-token", secret: SECRET },
    });
    const incident = steps.open();
    const id = incident.id;
    await store.create(incident);

    // Open without a diagnosis: not worth a message yet.
    expect((await notifier.notify(id)).digest).toBeUndefined();
    expect(fake.requests).toHaveLength(0);

    await change(id, steps.diagnosed);
    await notifier.notify(id);
    expect(of("slack-api").map((m) => m.kind)).toEqual(["post"]);
    expect(of("teams")).toHaveLength(1);
    expect(of("webhook")).toHaveLength(1);
    const ts = of("slack-api")[0]!.ts;
    const stored = await store.get(id);
    expect(stored?.notices?.slack).toMatchObject({
      ref: `${fake.slackChannel}:${ts}`,
      messages: 1,
      phase: "active",
    });
    // Bookkeeping does not touch updatedAt.
    expect(stored?.updatedAt).toBe("2026-03-01T10:01:00.000Z");

    await change(id, steps.planned);
    await notifier.notify(id);
    for (let n = 1; n <= 3; n++) {
      await change(id, (i) => steps.repeated(i, n));
      const result = await notifier.notify(id);
      expect(result.channels.map((c) => c.action)).toEqual(["none", "none", "none"]);
    }
    expect(of("slack-api").map((m) => m.kind)).toEqual(["post", "update"]);
    expect(of("teams")).toHaveLength(1);
    expect(of("webhook")).toHaveLength(2);

    // The PR opens; the webhook receiver is down for both attempts: Slack's update went out
    // and is recorded, the webhook's failure is thrown as retryable.
    await change(id, steps.pullRequest);
    fake.fault({ receiver: "webhook", status: 503, times: 2 });
    const error = await notifier.notify(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotifyFailedError);
    expect((error as NotifyFailedError).retryable).toBe(true);
    expect((error as NotifyFailedError).message).toMatch(/webhook failed \(503/);
    expect(of("slack-api").map((m) => m.kind)).toEqual(["post", "update", "update"]);
    // The bus redelivers: only the webhook is sent again.
    const retry = await notifier.notify(id);
    expect(retry.channels).toEqual([
      { channel: "slack", action: "none" },
      { channel: "teams", action: "none" },
      { channel: "webhook", action: "update" },
    ]);
    expect(of("slack-api")).toHaveLength(3);
    expect(of("webhook")).toHaveLength(3);

    await change(id, steps.resolved);
    await notifier.notify(id);
    await notifier.notify(id);

    const slack = of("slack-api");
    expect(slack.map((m) => m.kind)).toEqual(["post", "update", "update", "update"]);
    expect(new Set(slack.map((m) => `${m.channel}:${m.ts}`))).toEqual(
      new Set([`${fake.slackChannel}:${ts}`]),
    );
    expect(fake.slackMessages.size).toBe(1);
    const last = fake.slackMessages.get(`${fake.slackChannel}:${ts}`);
    expect(JSON.stringify(last?.blocks)).toContain("[resolved] KubePodOOMKilled shop/checkout");
    expect(JSON.stringify(last?.blocks)).toContain("https://github.com/acme/gitops/pull/42");

    // Teams cannot edit: exactly two cards, the second on resolution.
    const teams = of("teams");
    expect(teams).toHaveLength(2);
    expect(JSON.stringify(teams[0]!.body)).toContain("[diagnosed]");
    expect(JSON.stringify(teams[1]!.body)).toContain("[resolved]");

    // The webhook: one delivery per digest change, one incident, distinct idempotency keys.
    const hooks = of("webhook").map((m) => ({ body: m.body as WebhookBody, headers: m.headers }));
    expect(hooks.map((h) => h.body.event)).toEqual([
      "incident.notified",
      "incident.updated",
      "incident.updated",
      "incident.resolved",
    ]);
    expect(new Set(hooks.map((h) => h.body.incidentId))).toEqual(new Set([id]));
    expect(new Set(hooks.map((h) => h.headers["idempotency-key"])).size).toBe(4);
    expect(hooks.every((h) => h.headers.authorization === "Bearer hook-token")).toBe(true);
    expect(hooks[3]!.body.incident.pullRequest?.url).toBe("https://github.com/acme/gitops/pull/42");

    expect((await store.get(id))?.notices).toMatchObject({
      slack: { messages: 4, phase: "resolved" },
      teams: { messages: 2, phase: "resolved" },
      webhook: { messages: 4, phase: "resolved" },
    });
    expect(sent.filter((s) => s.endsWith(":retryable"))).toEqual(["webhook:update:retryable"]);
  });

  it("Slack incoming webhook: exactly two messages, the second on resolution", async () => {
    const notifier = notifierFor({ slack: { webhookUrl: fake.slackWebhookUrl } });
    const incident = steps.open();
    await store.create(incident);
    await notifier.notify(incident.id);
    for (const step of [
      steps.diagnosed,
      steps.planned,
      (i: Incident) => steps.repeated(i, 1),
      steps.pullRequest,
    ]) {
      await change(incident.id, step);
      await notifier.notify(incident.id);
    }
    expect(of("slack-webhook")).toHaveLength(1);
    // A 429 with Retry-After on the follow-up is retried within the call.
    fake.fault({ receiver: "slack-webhook", status: 429, retryAfter: "0" });
    await change(incident.id, steps.resolved);
    await notifier.notify(incident.id);
    await notifier.notify(incident.id);
    const messages = of("slack-webhook");
    expect(messages).toHaveLength(2);
    const [first, second] = messages.map((m) => m.body as { text: string });
    expect(first!.text).toContain("[diagnosed]");
    expect(second!.text).toContain("[resolved]");
  });

  it("posts a new Slack message when the old one was deleted, and keeps its ref", async () => {
    const notifier = notifierFor({
      slack: { botToken: fake.slackToken, channel: fake.slackChannel, apiUrl: fake.slackApiUrl },
    });
    const incident = steps.diagnosed(steps.open());
    await store.create(incident);
    await notifier.notify(incident.id);
    const first = of("slack-api")[0]!;
    fake.deleteSlackMessage(first.channel!, first.ts!);
    await change(incident.id, steps.planned);
    await notifier.notify(incident.id);
    const posts = of("slack-api").filter((m) => m.kind === "post");
    expect(posts).toHaveLength(2);
    expect((await store.get(incident.id))?.notices?.slack?.ref).toBe(`${fake.slackChannel}:${posts[1]!.ts}`);
  });

  it("a permanent failure (wrong token) is thrown as non-retryable, naming the channel and reason", async () => {
    const notifier = notifierFor({
      slack: { botToken: "xoxb-wrong", channel: fake.slackChannel, apiUrl: fake.slackApiUrl },
    });
    const incident = steps.diagnosed(steps.open());
    await store.create(incident);
    const error = (await notifier.notify(incident.id).catch((e: unknown) => e)) as NotifyFailedError;
    expect(error).toBeInstanceOf(NotifyFailedError);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("slack failed permanently (invalid_auth)");
    expect(error.message).not.toContain("xoxb-wrong");
    expect((await store.get(incident.id))?.notices).toBeUndefined();
  });

  it("does nothing for an incident that does not exist", async () => {
    const notifier = notifierFor({ teams: { webhookUrl: fake.teamsUrl } });
    expect(await notifier.notify("missing")).toEqual({
      incidentId: "missing",
      channels: [{ channel: "teams", action: "none" }],
    });
    expect(fake.requests).toHaveLength(0);
  });
});

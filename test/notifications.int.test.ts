/**
 * Notifications through the whole pipeline: Alertmanager webhooks in, one message per
 * incident and channel out (fakes of Slack's Web API and incoming webhooks, a Teams
 * workflow and a generic webhook), then its update on resolution; repeat notifications
 * of the alert send nothing, and a receiver that fails is retried by the bus.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { System } from "../src/main.js";
import { startFakeNotifyReceivers, type FakeNotifyReceivers } from "./fakes/notify-receivers.js";
import { REPO, postWebhook, readJson, startSystem, waitForIncident } from "./helpers/system.js";

const FIRING = readJson(join(REPO, "examples/webhooks/crashloop-firing.json"));
const RESOLVED = readJson(join(REPO, "examples/webhooks/crashloop-resolved.json"));
const SECRET = "notify-test-secret-0123456789";

async function until(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("notifications through the pipeline", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()?.();
  });

  async function start(receivers: FakeNotifyReceivers, slack: "api" | "webhook"): Promise<System> {
    const system = await startSystem({
      server: { publicUrl: "https://aiops.example.com" },
      notify: {
        slack:
          slack === "api"
            ? {
                botToken: receivers.slackToken,
                channel: receivers.slackChannel,
                apiUrl: receivers.slackApiUrl,
              }
            : { webhookUrl: receivers.slackWebhookUrl },
        teams: { webhookUrl: receivers.teamsUrl },
        webhook: { url: receivers.webhookUrl, secret: SECRET },
        minDelayMs: 10,
        maxDelayMs: 50,
      },
    });
    closers.push(() => system.close());
    return system;
  }

  it("sends one message per incident and channel, nothing on repeats, then its update on resolution", async () => {
    const receivers = await startFakeNotifyReceivers({ webhookSecret: SECRET });
    closers.push(() => receivers.close());
    const system = await start(receivers, "api");

    expect((await postWebhook(system, FIRING)).statusCode).toBe(202);
    const incident = await waitForIncident(system, (i) => i.plan !== undefined);
    const of = (receiver: string) => receivers.messages.filter((m) => m.receiver === receiver);
    await until("the first messages", () => of("slack-api").length > 0 && of("teams").length > 0);
    await until("the planned state on every channel", async () => {
      const current = await system.store.get(incident.id);
      return current?.notices?.webhook !== undefined;
    });

    // The alert repeats, as Alertmanager does every repeat_interval: nothing new goes out.
    const before = receivers.messages.length;
    expect((await postWebhook(system, FIRING)).statusCode).toBe(202);
    await waitForIncident(system, (i) => i.id === incident.id && i.notifications === 2);
    expect((await postWebhook(system, RESOLVED)).statusCode).toBe(202);
    await waitForIncident(system, (i) => i.id === incident.id && i.state === "resolved");
    await until("the resolution on every channel", () => of("teams").length === 2);
    await until("the resolved webhook", () =>
      of("webhook").some((m) => (m.body as { event?: string }).event === "incident.resolved"),
    );
    await until("the Slack update", () =>
      of("slack-api").some((m) => m.kind === "update" && JSON.stringify(m.body).includes("resolved")),
    );
    expect(receivers.messages.length).toBeGreaterThan(before);

    // Slack (Web API): one message, only edited afterwards, always the same one.
    const slack = of("slack-api");
    expect(slack.filter((m) => m.kind === "post")).toHaveLength(1);
    expect(new Set(slack.map((m) => m.ts))).toEqual(new Set([slack[0]?.ts]));
    // Teams cannot edit: the first card, then exactly one on resolution.
    const teams = of("teams");
    expect(teams).toHaveLength(2);
    expect(JSON.stringify(teams[1]?.body)).toContain("resolved");
    // The generic webhook: every change of the same incident, keyed by it, ending resolved.
    const hooks = of("webhook").map((m) => m.body as { event: string; incidentId: string });
    expect(new Set(hooks.map((h) => h.incidentId))).toEqual(new Set([incident.id]));
    expect(hooks[0]?.event).toBe("incident.notified");
    expect(hooks.at(-1)?.event).toBe("incident.resolved");
    // Links lead to the console's page of the incident.
    expect(JSON.stringify(slack[0]?.body)).toContain(
      `https://aiops.example.com/#/incidents/${encodeURIComponent(incident.id)}`,
    );
    const metrics = await system.app.inject({ url: "/metrics" });
    expect(metrics.body).toMatch(/aiops_notifications_total\{channel="slack",kind="post",result="ok"\} 1/);
  });

  it("retries a receiver that fails, without repeating the channels that already got the message", async () => {
    const receivers = await startFakeNotifyReceivers({ webhookSecret: SECRET });
    closers.push(() => receivers.close());
    // The generic webhook is down for longer than one delivery's own retries (4 attempts).
    receivers.fault({ receiver: "webhook", status: 503, times: 6 });
    const system = await start(receivers, "webhook");

    expect((await postWebhook(system, FIRING)).statusCode).toBe(202);
    const incident = await waitForIncident(system, (i) => i.plan !== undefined);
    await until(
      "the webhook delivered after the bus retried",
      async () => (await system.store.get(incident.id))?.notices?.webhook !== undefined,
      30_000,
    );
    const of = (receiver: string) => receivers.messages.filter((m) => m.receiver === receiver);
    expect(of("slack-webhook")).toHaveLength(1);
    expect(of("teams")).toHaveLength(1);
    expect(receivers.requests.filter((r) => r.receiver === "webhook" && r.status === 503).length).toBe(6);
    const stored = await system.store.get(incident.id);
    expect(Object.keys(stored?.notices ?? {}).sort()).toEqual(["slack", "teams", "webhook"]);
  }, 40_000);
});

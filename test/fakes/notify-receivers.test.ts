import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeNotifyReceivers, type FakeNotifyReceivers } from "./notify-receivers.js";

/** The fake answers as the documented endpoints do, and its faults apply as asked. */

let fake: FakeNotifyReceivers;
beforeAll(async () => {
  fake = await startFakeNotifyReceivers({ webhookSecret: "0123456789abcdef-secret" });
});
afterAll(() => fake.close());

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
const json = (value: unknown) => JSON.stringify(value);

describe("Slack incoming webhook", () => {
  it("answers 200 ok to text or blocks, 400 invalid_payload / no_text otherwise, 404 no_service elsewhere", async () => {
    const ok = await post(fake.slackWebhookUrl, json({ text: "hi" }));
    expect([ok.status, await ok.text()]).toEqual([200, "ok"]);
    const bad = await post(fake.slackWebhookUrl, "{not json");
    expect([bad.status, await bad.text()]).toEqual([400, "invalid_payload"]);
    const empty = await post(fake.slackWebhookUrl, json({ username: "x" }));
    expect([empty.status, await empty.text()]).toEqual([400, "no_text"]);
    const gone = await post(`${fake.url}/services/T000/B000/WRONG`, json({ text: "hi" }));
    expect([gone.status, await gone.text()]).toEqual([404, "no_service"]);
  });
});

describe("Slack Web API", () => {
  const api = (method: string, body: unknown, token = fake.slackToken) =>
    post(`${fake.slackApiUrl}/${method}`, json(body), { authorization: `Bearer ${token}` }).then(
      (r) => r.json() as Promise<Record<string, unknown>>,
    );

  it("posts with a fresh ts, updates by channel id and ts, and answers ok:false errors with HTTP 200", async () => {
    const first = await api("chat.postMessage", { channel: "#alerts", text: "one" });
    const second = await api("chat.postMessage", { channel: fake.slackChannel, text: "two" });
    expect(first).toMatchObject({ ok: true, channel: fake.slackChannel });
    expect(second.ts).not.toBe(first.ts);
    expect(
      await api("chat.update", { channel: fake.slackChannel, ts: first.ts, text: "one'" }),
    ).toMatchObject({
      ok: true,
      ts: first.ts,
    });
    expect(fake.slackMessages.get(`${fake.slackChannel}:${String(first.ts)}`)).toMatchObject({
      text: "one'",
      updates: 1,
    });
    expect(await api("chat.update", { channel: fake.slackChannel, ts: "1.000000", text: "x" })).toEqual({
      ok: false,
      error: "message_not_found",
    });
    expect(await api("chat.postMessage", { channel: "#nowhere", text: "x" })).toEqual({
      ok: false,
      error: "channel_not_found",
    });
    expect(await api("chat.postMessage", { channel: "#alerts", text: "x" }, "xoxb-wrong")).toEqual({
      ok: false,
      error: "invalid_auth",
    });
  });
});

describe("Teams workflow", () => {
  const card = {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: { type: "AdaptiveCard", version: "1.4", body: [] },
      },
    ],
  };
  it("accepts an Adaptive Card message with 202, refuses other shapes with 400 and a wrong sig with 401", async () => {
    expect((await post(fake.teamsUrl, json(card))).status).toBe(202);
    expect((await post(fake.teamsUrl, json({ text: "plain" }))).status).toBe(400);
    expect((await post(fake.teamsUrl.replace(/sig=[^&]+/, "sig=wrong"), json(card))).status).toBe(401);
  });
});

describe("generic webhook", () => {
  it("checks the HMAC over timestamp.body", async () => {
    const body = json({ event: "incident.notified", incidentId: "i1" });
    const ts = "1700000000";
    const sig = `sha256=${createHmac("sha256", "0123456789abcdef-secret").update(`${ts}.${body}`).digest("hex")}`;
    expect(
      (await post(fake.webhookUrl, body, { "x-aiops-timestamp": ts, "x-aiops-signature": sig })).status,
    ).toBe(204);
    expect(
      (await post(fake.webhookUrl, body, { "x-aiops-timestamp": ts, "x-aiops-signature": "sha256=00" }))
        .status,
    ).toBe(401);
  });
});

describe("faults", () => {
  it("answers the injected status with Retry-After for the next N requests of a receiver, then recovers", async () => {
    fake.fault({ receiver: "teams", status: 429, retryAfter: "3", times: 2 });
    const card = json({
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          content: { type: "AdaptiveCard", body: [] },
        },
      ],
    });
    const slack = await post(fake.slackWebhookUrl, json({ text: "unaffected" }));
    expect(slack.status).toBe(200);
    const a = await post(fake.teamsUrl, card);
    const b = await post(fake.teamsUrl, card);
    const c = await post(fake.teamsUrl, card);
    expect([a.status, a.headers.get("retry-after"), b.status, c.status]).toEqual([429, "3", 429, 202]);
  });

  it("drops the connection", async () => {
    fake.fault({ drop: true });
    await expect(post(fake.slackWebhookUrl, json({ text: "x" }))).rejects.toThrow();
    expect((await post(fake.slackWebhookUrl, json({ text: "x" }))).status).toBe(200);
  });
});

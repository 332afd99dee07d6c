import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeNotifyReceivers, type FakeNotifyReceivers } from "../../test/fakes/notify-receivers.js";
import { BackendError } from "../core/errors.js";
import { NotifyError, backoff, createHttpSender, redactUrl } from "./http.js";

let fake: FakeNotifyReceivers;
beforeAll(async () => {
  fake = await startFakeNotifyReceivers();
});
afterAll(() => fake.close());

let slept: number[];
beforeEach(() => {
  slept = [];
});

/** A sender that records its waits instead of sleeping; jitter fixed at its ceiling. */
const sender = (maxAttempts = 4) =>
  createHttpSender(
    { maxAttempts, minDelayMs: 100, maxDelayMs: 1_000, timeoutMs: 2_000 },
    { sleep: async (ms) => void slept.push(ms), random: () => 1 },
  );

const slackPost = (text: string) => ({
  channel: "slack",
  url: fake.slackWebhookUrl,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ text }),
});

const attemptsOf = (text: string) => fake.requests.filter((r) => r.text.includes(text)).length;

describe("createHttpSender", () => {
  it("retries 429 after the Retry-After it was given, and 503 with backoff, then delivers", async () => {
    fake.fault({ receiver: "slack-webhook", status: 429, retryAfter: "2" });
    fake.fault({ receiver: "slack-webhook", status: 503, body: "rollup_error" });
    const answer = await sender()(slackPost("retry-me"));
    expect(answer.status).toBe(200);
    expect(attemptsOf("retry-me")).toBe(3);
    expect(slept).toEqual([2_000, 200]);
  });

  it("stops at once on a 400 and says why, without the URL's secret path", async () => {
    const error = await sender()({ ...slackPost("x"), body: "{broken" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotifyError);
    const e = error as NotifyError;
    expect(e).toBeInstanceOf(BackendError);
    expect([e.permanent, e.retryable, e.status, e.reason]).toEqual([true, false, 400, "400 invalid_payload"]);
    expect(e.message).toContain(fake.url);
    expect(e.message).not.toContain("/services/");
    expect(e.message).not.toContain("XXXX");
    expect(slept).toEqual([]);
  });

  it("gives up after maxAttempts on transient failures, as a retryable error", async () => {
    fake.fault({ receiver: "slack-webhook", status: 500, times: 3 });
    const error = (await sender(3)(slackPost("always-down")).catch((e: unknown) => e)) as NotifyError;
    expect(error.permanent).toBe(false);
    expect(error.message).toMatch(/after 3 attempts/);
    expect(attemptsOf("always-down")).toBe(3);
  });

  it("retries a dropped connection and names no URL path in the reason", async () => {
    fake.fault({ receiver: "slack-webhook", drop: true });
    const answer = await sender()(slackPost("dropped"));
    expect(answer.status).toBe(200);
    expect(slept).toHaveLength(1);
    fake.fault({ receiver: "slack-webhook", drop: true, times: 2 });
    const error = (await sender(2)(slackPost("dropped-twice")).catch((e: unknown) => e)) as NotifyError;
    expect(error.reason).toMatch(/^network error/);
    expect(error.message).not.toContain("XXXX");
  });

  it("does not wait out a Retry-After beyond the cap: fails as retryable, with the wait for the caller", async () => {
    fake.fault({ receiver: "slack-webhook", status: 429, retryAfter: "600" });
    const error = (await sender()(slackPost("long-wait")).catch((e: unknown) => e)) as NotifyError;
    expect([error.permanent, error.retryAfterMs]).toEqual([false, 600_000]);
    expect(slept).toEqual([]);
  });

  it("times out a slow receiver per attempt and retries", async () => {
    // The fast attempt must fit in the timeout even on a starved machine; the slow one never does.
    fake.fault({ receiver: "slack-webhook", delayMs: 20_000 });
    const send = createHttpSender(
      { maxAttempts: 2, timeoutMs: 2_000, minDelayMs: 1 },
      { sleep: async (ms) => void slept.push(ms) },
    );
    expect((await send(slackPost("slow"))).status).toBe(200);
    // The first attempt was abandoned at 2 s (the fake records it only when it answers).
    expect(slept).toHaveLength(1);
  });
});

describe("helpers", () => {
  it("redacts a URL to its origin", () => {
    expect(redactUrl("https://hooks.slack.com/services/T1/B2/secret?x=1")).toBe("https://hooks.slack.com");
    expect(redactUrl("not a url")).toBe("(invalid URL)");
  });
  it("backs off exponentially with full jitter under the ceiling", () => {
    expect([1, 2, 3, 10].map((n) => backoff(n, 100, 1_000, () => 1))).toEqual([100, 200, 400, 1_000]);
    expect(backoff(3, 100, 1_000, () => 0)).toBe(0);
  });
});

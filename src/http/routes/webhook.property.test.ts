import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  mutatedWebhook,
  namesPath,
  nastyString,
  webhookFixtures,
  type Json,
} from "../../../test/helpers/webhook-mutations.js";
import type { NormalisedWebhook } from "../../core/alertmanager.js";
import { createLogger } from "../../observability/logger.js";
import { createMetrics } from "../../observability/metrics.js";
import { buildApp, type Intake } from "../app.js";

/** The server's default (server.bodyLimitBytes). */
const BODY_LIMIT = 1024 * 1024;
const fixtures = webhookFixtures();
const valid = JSON.stringify(fixtures.find((f) => f.name === "crashloop-firing.json")?.body);

class RecordingIntake implements Intake {
  readonly calls: NormalisedWebhook[] = [];
  async accept(webhook: NormalisedWebhook) {
    this.calls.push(webhook);
    return { accepted: webhook.alerts.length };
  }
}

let app: FastifyInstance;
const intake = new RecordingIntake();

beforeAll(async () => {
  app = await buildApp({
    intake,
    metrics: createMetrics(),
    logger: createLogger({ level: "silent" }),
    bodyLimitBytes: BODY_LIMIT,
    readiness: async () => ({ ready: true, checks: {} }),
  });
});
afterAll(async () => {
  await app.close();
});

function post(payload: string | Buffer, contentType = "application/json") {
  return app.inject({
    method: "POST",
    url: "/alert",
    headers: contentType ? { "content-type": contentType } : {},
    payload,
  });
}

/** 202, or a 4xx whose JSON body says what is wrong; never a 5xx. Returns the error body of a 4xx. */
function expectClearAnswer(res: LightMyRequestResponse): { error: string; message: string; field?: string } {
  expect(res.statusCode, res.body).not.toBeGreaterThanOrEqual(500);
  if (res.statusCode === 202) return { error: "", message: "" };
  expect(res.statusCode).toBeGreaterThanOrEqual(400);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  const body = res.json<{ error: string; message: string; field?: string }>();
  expect(body.error).toMatch(/^[a-z_]+$/);
  expect(body.message).toMatch(/\S/);
  if (res.statusCode === 400) expect(body.field).toMatch(/\S/);
  return body;
}

/** The service still takes a valid webhook. */
async function expectStillServing(): Promise<void> {
  expect((await post(valid)).statusCode).toBe(202);
}

describe("webhook route on any input", () => {
  it("any JSON value is 202 or a 4xx naming the field, and the next valid webhook is 202", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        expectClearAnswer(await post(JSON.stringify(value)));
        await expectStillServing();
      }),
      { numRuns: 300 },
    );
  });

  it("any object with arbitrary keys is 202 or a 4xx naming the field", async () => {
    const anyObject = fc.dictionary(fc.oneof(fc.string(), nastyString), fc.jsonValue());
    await fc.assert(
      fc.asyncProperty(anyObject, async (value) => {
        expectClearAnswer(await post(JSON.stringify(value)));
        await expectStillServing();
      }),
      { numRuns: 300 },
    );
  });

  it("a real webhook with one field changed is 202, or 400 naming that field", async () => {
    await fc.assert(
      fc.asyncProperty(mutatedWebhook(fixtures), async ({ path, body }) => {
        const res = await post(JSON.stringify(body));
        const error = expectClearAnswer(res);
        if (res.statusCode !== 202) {
          expect(res.statusCode).toBe(400);
          expect(namesPath(error.field, path), error.message).toBe(true);
        }
        await expectStillServing();
      }),
      { numRuns: 400 },
    );
  });

  it("any bytes as a JSON body are 202 or a clear 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        expectClearAnswer(await post(Buffer.from(bytes)));
        await expectStillServing();
      }),
      { numRuns: 300 },
    );
  });
});

/** The crashloop webhook with its first alert's labels and annotations replaced. */
function webhookWith(labels: Record<string, string>, annotations: Record<string, string> = {}): string {
  const body = JSON.parse(valid) as { alerts: Record<string, Json>[] };
  const alert = body.alerts[0] as Record<string, Json>;
  alert.labels = labels;
  alert.annotations = annotations;
  return JSON.stringify(body);
}

describe("webhook route: hostile values", () => {
  it.each([
    ["NUL", "a\u0000b"],
    ["an escape sequence", "\u001b[2J\u001b]0;owned\u0007"],
    ["CR/LF", "line\r\nInjected: header"],
    ["path traversal", "../../etc/passwd"],
    ["shell metacharacters", "$(reboot); `id` | tee /tmp/x && rm -rf /"],
    ["YAML metacharacters", "key: value\n- !!binary x\n*alias &anchor {a: [b]}"],
  ])("label and annotation values with %s are accepted and kept verbatim", async (_name, value) => {
    intake.calls.length = 0;
    const res = await post(
      webhookWith({ alertname: "X", namespace: value, pod: value, deployment: value }, { summary: value }),
    );
    expect(res.statusCode).toBe(202);
    const alert = intake.calls[0]?.alerts[0];
    expect(alert?.labels).toMatchObject({ namespace: value, pod: value, deployment: value });
    expect(alert?.annotations).toEqual({ summary: value });
  });

  it("a label value that does not fit the 1 MiB body limit is 413; one that fits is taken", async () => {
    const over = await post(webhookWith({ alertname: "X", big: "x".repeat(BODY_LIMIT) }));
    expect(over.statusCode).toBe(413);
    expect(over.json()).toMatchObject({ error: "payload_too_large" });
    // A label of 1,000,000 characters still fits in 1 MiB with the rest of the webhook.
    intake.calls.length = 0;
    const under = await post(webhookWith({ alertname: "X", big: "x".repeat(1_000_000) }));
    expect(under.statusCode).toBe(202);
    expect(intake.calls[0]?.alerts[0]?.labels.big).toHaveLength(1_000_000);
    await expectStillServing();
  });

  it("a body that is not valid UTF-8 is 400 naming the body", async () => {
    const text = webhookWith({ alertname: "X", namespace: "NS" });
    const at = text.indexOf("NS");
    // 0xC3 0x28 is an invalid two-byte sequence; 0xFF never occurs in UTF-8.
    for (const bad of [Buffer.from([0xc3, 0x28]), Buffer.from([0xff]), Buffer.from([0xed, 0xa0, 0x80])]) {
      intake.calls.length = 0;
      const body = Buffer.concat([Buffer.from(text.slice(0, at)), bad, Buffer.from(text.slice(at + 2))]);
      const res = await post(body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: "invalid_webhook", field: "(body)" });
      expect(res.json<{ message: string }>().message).toMatch(/UTF-8/);
      expect(intake.calls).toHaveLength(0);
    }
    // Valid multi-byte UTF-8 (and a BOM) are fine.
    const unicode = Buffer.from(`\ufeff${webhookWith({ alertname: "Überlast ✓", namespace: "ns" })}`);
    expect((await post(unicode)).statusCode).toBe(202);
  });

  it("duplicate keys: the last one wins, as in JSON.parse, every time", async () => {
    const text = webhookWith({ alertname: "X", namespace: "first" });
    const duplicated = text.replace('"namespace":"first"', '"namespace":"first","namespace":"second"');
    expect(duplicated).not.toBe(text);
    for (let i = 0; i < 3; i++) {
      intake.calls.length = 0;
      expect((await post(duplicated)).statusCode).toBe(202);
      expect(intake.calls[0]?.alerts[0]?.labels.namespace).toBe("second");
    }
    const twoAlertLists = `{"alerts":"not a list",${text.slice(1)}`;
    expect((await post(twoAlertLists)).statusCode).toBe(202);
  });

  it("deeply nested JSON is answered without a crash", async () => {
    const depth = 200_000;
    const nested = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    for (const body of [nested, `{"alerts":${nested}}`, `{"extra":${nested},${valid.slice(1)}}`]) {
      expectClearAnswer(await post(body));
    }
    const res = await post(`{"alerts":${nested}}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: expect.stringMatching(/^alerts/) });
    await expectStillServing();
  });

  it.each([
    ["text/plain", 415],
    ["application/x-www-form-urlencoded", 415],
    ["multipart/form-data; boundary=x", 415],
    ["application/yaml", 415],
    ["", 415],
  ])("content type %j is %i with a JSON error", async (type, status) => {
    const res = await post(valid, type);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ error: "unsupported_media_type" });
  });

  it("an empty body is 400 naming the body", async () => {
    const res = await post("");
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: "(body)" });
  });

  it("prototype pollution keys are refused, naming where they are", async () => {
    for (const [body, field] of [
      [`{"__proto__":{"polluted":1},${valid.slice(1)}`, "__proto__"],
      [`{"constructor":{"prototype":{"polluted":1}},${valid.slice(1)}}`.replace(/}}$/, "}"), "constructor"],
      // Found by a random seed of the mutation property above: a nested key named no field.
      [
        JSON.stringify({ ...(JSON.parse(valid) as object), receiver: {} }).replace(
          `"receiver":{}`,
          `"receiver":{"__proto__":""}`,
        ),
        "receiver.__proto__",
      ],
    ]) {
      const res = await post(body as string);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ field });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

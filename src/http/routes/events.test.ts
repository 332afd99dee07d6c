import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterEach, describe, expect, it } from "vitest";
import type { Incident } from "../../core/incident.js";
import { createLogger } from "../../observability/logger.js";
import { createMetrics } from "../../observability/metrics.js";
import { LocalIncidentFeed } from "../../store/incident-feed.js";
import { buildApp, type AppDeps } from "../app.js";
import { CONSOLE_CSP } from "./console.js";

const TOKEN = "events-test-token";
const incident: Incident = {
  id: "inc-live-1",
  correlationKey: "k",
  state: "planned",
  alertname: "KubePodOOMKilled",
  alerts: [],
  notifications: 3,
  openedAt: "2026-11-26T00:00:00.000Z",
  updatedAt: "2026-11-26T00:00:05.000Z",
  evidence: { collectedAt: "2026-11-26T00:00:01.000Z" } as unknown as Incident["evidence"],
};

let apps: FastifyInstance[] = [];
afterEach(async () => {
  // fetch opens a spare connection beside a streamed one; without a request on it the
  // server would wait for its headers timeout before closing.
  for (const app of apps) app.server.closeAllConnections();
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

async function serve(deps: Partial<AppDeps>): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApp({
    metrics: createMetrics(),
    logger: createLogger({ level: "silent" }),
    bodyLimitBytes: 1024,
    readiness: async () => ({ ready: true, checks: {} }),
    auth: { bearerToken: TOKEN },
    ...deps,
  });
  apps.push(app);
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { app, url };
}

/** Reads server-sent events from a fetch body until `until` says stop. */
async function readEvents(
  response: Response,
  until: (events: EventSourceMessage[]) => boolean,
): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  await reader.cancel();
  return events;
}

describe("GET /api/events", () => {
  it("streams incidents as they change, as list summaries, behind auth", async () => {
    const feed = new LocalIncidentFeed();
    const { url } = await serve({ feed });
    const denied = await fetch(`${url}/api/events`);
    expect(denied.status).toBe(401);
    await denied.text();
    expect(feed.subscribers).toBe(0);

    const response = await fetch(`${url}/api/events`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(feed.subscribers).toBe(1);
    setTimeout(() => feed.publish(incident), 20);
    const events = await readEvents(response, (e) => e.some((x) => x.event === "incident"));
    expect(events.map((e) => e.event)).toEqual(["ready", "incident"]);
    const summary = JSON.parse(events[1]?.data ?? "{}") as Record<string, unknown>;
    expect(summary).toMatchObject({ id: "inc-live-1", state: "planned", alertCount: 0, notifications: 3 });
    expect(summary).not.toHaveProperty("evidence");
    // The client went away: its subscription goes with it.
    for (const deadline = Date.now() + 10_000; feed.subscribers > 0 && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 10));
    expect(feed.subscribers).toBe(0);
  });

  it("answers 503 beyond the subscriber bound and when the watch cannot start", async () => {
    const feed = new LocalIncidentFeed({ maxSubscribers: 1 });
    const { url } = await serve({ feed });
    const headers = { authorization: `Bearer ${TOKEN}` };
    const first = await fetch(`${url}/api/events`, { headers });
    expect(first.status).toBe(200);
    const second = await fetch(`${url}/api/events`, { headers });
    expect(second.status).toBe(503);
    await second.text();
    await first.body?.cancel();

    const broken = new LocalIncidentFeed({
      source: async () => {
        throw new Error("KV watch refused");
      },
    });
    const other = await serve({ feed: broken });
    const failed = await fetch(`${other.url}/api/events`, { headers });
    expect(failed.status).toBe(503);
    expect(await failed.text()).toMatch(/the event stream is unavailable/);
    expect(broken.subscribers).toBe(0);
  });

  it("lets the server close while streams are open", async () => {
    const feed = new LocalIncidentFeed();
    const { app, url } = await serve({ feed });
    const response = await fetch(`${url}/api/events`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    await app.close();
    apps = [];
    // The stream ends instead of holding the server open.
    const text = await response.text();
    expect(text).toContain("event: ready");
  });
});

describe("the console's files", () => {
  it("serves index.html and assets without credentials, with a strict CSP, and nothing else", async () => {
    const root = mkdtempSync(join(tmpdir(), "aiops-console-"));
    writeFileSync(join(root, "index.html"), "<!doctype html><title>aiops</title>");
    mkdirSync(join(root, "assets"));
    writeFileSync(join(root, "assets", "app-1234.js"), "console.log(1)");
    writeFileSync(join(root, ".secret"), "no");
    const { app } = await serve({ consoleDir: root, feed: new LocalIncidentFeed() });

    const index = await app.inject({ url: "/" });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain("<title>aiops</title>");
    expect(index.headers["content-security-policy"]).toBe(CONSOLE_CSP);
    expect(index.headers["cache-control"]).toBe("no-cache");
    const asset = await app.inject({ url: "/assets/app-1234.js" });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["cache-control"]).toMatch(/immutable/);
    expect((await app.inject({ url: "/.secret" })).statusCode).not.toBe(200);
    expect((await app.inject({ url: "/../package.json" })).statusCode).not.toBe(200);
    expect((await app.inject({ url: "/assets/" })).statusCode).not.toBe(200);
    // The data stays behind auth.
    expect((await app.inject({ url: "/api/events" })).statusCode).toBe(401);
  });
});

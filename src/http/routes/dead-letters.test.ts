import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import type { ReplaySelection } from "../../agents/dead-letters.js";
import { createLogger } from "../../observability/logger.js";
import { createMetrics } from "../../observability/metrics.js";
import { buildApp } from "../app.js";

const TOKEN = "dead-letter-route-token";
let apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

async function harness() {
  const calls: ReplaySelection[] = [];
  const app = await buildApp({
    metrics: createMetrics(),
    logger: createLogger({ level: "silent" }),
    bodyLimitBytes: 4096,
    readiness: async () => ({ ready: true, checks: {} }),
    auth: { bearerToken: TOKEN },
    deadLetters: async () => [],
    replayDeadLetters: async (selection) => {
      calls.push(selection);
      return { replayed: [], notFound: [...(selection.ids ?? [])], skipped: [] };
    },
  });
  apps.push(app);
  const post = (payload: unknown, token: string | null = TOKEN) =>
    app.inject({
      method: "POST",
      url: "/api/dead-letters/replay",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      payload: JSON.stringify(payload),
    });
  return { calls, post };
}

describe("POST /api/dead-letters/replay", () => {
  it("replays by ids or all, behind auth", async () => {
    const { calls, post } = await harness();
    expect((await post({ all: true }, null)).statusCode).toBe(401);
    const byIds = await post({ ids: ["m1", "m2"] });
    expect(byIds.statusCode).toBe(200);
    expect(byIds.json()).toEqual({ replayed: [], notFound: ["m1", "m2"], skipped: [] });
    expect((await post({ all: true })).statusCode).toBe(200);
    expect(calls).toEqual([{ ids: ["m1", "m2"] }, { all: true }]);
  });

  it.each([
    [{}, "ids"],
    [{ ids: ["m1"], all: true }, "ids"],
    [{ ids: [] }, "ids"],
    [{ all: false }, "all"],
    [{ ids: ["m1"], extra: 1 }, "extra"],
  ])("answers 400 naming the field for %j", async (payload, field) => {
    const { calls, post } = await harness();
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "invalid_replay", field });
    expect(calls).toEqual([]);
  });
});

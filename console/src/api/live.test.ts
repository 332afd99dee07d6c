import { afterEach, describe, expect, it } from "vitest";
import type { IncidentSummary } from "../../../src/core/incident.js";
import { connectLive, type LiveStatus } from "./live.js";

/** A response whose body streams the given chunks, then stays open or ends. */
function stream(chunks: string[], end: boolean): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (end) controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
}

const summary = { id: "inc-1", alertname: "A", state: "open" } as IncidentSummary;

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe("connectLive", () => {
  it("reads incident events split across chunks, with the credentials", async () => {
    const requests: RequestInit[] = [];
    const fetch = (async (_url: unknown, init?: RequestInit) => {
      requests.push(init ?? {});
      const data = JSON.stringify(summary);
      return stream(
        [
          ": ping\n\n",
          "event: ready\ndata: {}\n\n",
          `event: incident\ndata: ${data.slice(0, 5)}`,
          `${data.slice(5)}\n\n`,
        ],
        false,
      );
    }) as typeof globalThis.fetch;
    const incidents: IncidentSummary[] = [];
    const statuses: LiveStatus[] = [];
    const ready: boolean[] = [];
    stop = connectLive({
      authorization: () => "Bearer t",
      onIncident: (s) => incidents.push(s),
      onStatus: (s) => statuses.push(s),
      onReady: (r) => ready.push(r),
      onUnauthorized: () => undefined,
      fetch,
    });
    await until(() => incidents.length === 1);
    expect(incidents[0]).toEqual(summary);
    expect(statuses).toEqual(["connecting", "live"]);
    expect(ready).toEqual([false]);
    expect(new Headers(requests[0]?.headers).get("authorization")).toBe("Bearer t");
  });

  it("reconnects with backoff after the stream ends, and says it was a reconnect", async () => {
    let connections = 0;
    const fetch = (async () => {
      connections++;
      return stream(["event: ready\ndata: {}\n\n"], connections === 1);
    }) as typeof globalThis.fetch;
    const statuses: LiveStatus[] = [];
    const ready: boolean[] = [];
    const delays: number[] = [];
    stop = connectLive({
      authorization: () => undefined,
      onIncident: () => undefined,
      onStatus: (s) => statuses.push(s),
      onReady: (r) => ready.push(r),
      onUnauthorized: () => undefined,
      fetch,
      delay: (attempt) => {
        delays.push(attempt);
        return 1;
      },
    });
    await until(() => ready.length === 2);
    expect(ready).toEqual([false, true]);
    expect(statuses).toEqual(["connecting", "live", "reconnecting", "live"]);
    expect(delays).toEqual([0]);
  });

  it("backs off further while the server keeps failing", async () => {
    let connections = 0;
    const fetch = (async () => {
      connections++;
      return new Response("down", { status: 503 });
    }) as typeof globalThis.fetch;
    const delays: number[] = [];
    stop = connectLive({
      authorization: () => undefined,
      onIncident: () => undefined,
      onStatus: () => undefined,
      onReady: () => undefined,
      onUnauthorized: () => undefined,
      fetch,
      delay: (attempt) => {
        delays.push(attempt);
        return 1;
      },
    });
    await until(() => connections >= 4);
    expect(delays.slice(0, 3)).toEqual([0, 1, 2]);
  });

  it("stops on 401 and reports it", async () => {
    let connections = 0;
    const fetch = (async () => {
      connections++;
      return new Response(JSON.stringify({ error: "unauthorized", message: "authentication required" }), {
        status: 401,
        headers: { "www-authenticate": 'Bearer realm="aiops"' },
      });
    }) as typeof globalThis.fetch;
    const statuses: LiveStatus[] = [];
    const refused: string[] = [];
    stop = connectLive({
      authorization: () => undefined,
      onIncident: () => undefined,
      onStatus: (s) => statuses.push(s),
      onReady: () => undefined,
      onUnauthorized: (e) => refused.push(e.message),
      fetch,
      delay: () => 1,
    });
    await until(() => statuses.includes("stopped"));
    await new Promise((r) => setTimeout(r, 30));
    expect(connections).toBe(1);
    expect(refused).toEqual(["authentication required"]);
  });
});

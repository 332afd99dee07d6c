/**
 * The live event stream (GET /api/events). EventSource cannot send an Authorization
 * header, so the stream is read with fetch and parsed with eventsource-parser; it is
 * reopened with backoff whenever it fails or ends.
 */
import { createParser } from "eventsource-parser";
import type { IncidentSummary } from "../../../src/core/incident.js";
import { reconnectDelay } from "../lib/backoff.js";
import type { ApiError } from "./errors.js";
import { apiErrorOf } from "./errors.js";

export type LiveStatus = "connecting" | "live" | "reconnecting" | "stopped";

export interface LiveOptions {
  authorization: () => string | undefined;
  onIncident: (summary: IncidentSummary) => void;
  onStatus: (status: LiveStatus) => void;
  /** The stream is (re)established; `reconnected` when an earlier connection was lost, so changes may have been missed. */
  onReady: (reconnected: boolean) => void;
  /** A 401: the stream stops until it is started again with credentials. */
  onUnauthorized: (error: ApiError) => void;
  url?: string;
  fetch?: typeof fetch;
  delay?: (attempt: number) => number;
  /** Without a byte for this long (the server pings), the connection is presumed dead. */
  idleTimeoutMs?: number;
}

/** Starts the stream; returns a function that stops it. */
export function connectLive(options: LiveOptions): () => void {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const delay = options.delay ?? reconnectDelay;
  const idleTimeoutMs = options.idleTimeoutMs ?? 75_000;
  let stopped = false;
  let controller: AbortController | undefined;
  let wake: (() => void) | undefined;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function once(connectedBefore: boolean): Promise<{ connected: boolean; unauthorized: boolean }> {
    controller = new AbortController();
    const abort = controller;
    let connected = false;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(), idleTimeoutMs);
    };
    const parser = createParser({
      onEvent(event) {
        if (event.event === "ready") {
          connected = true;
          options.onStatus("live");
          options.onReady(connectedBefore);
        } else if (event.event === "incident") {
          try {
            options.onIncident(JSON.parse(event.data) as IncidentSummary);
          } catch {
            // A malformed event is skipped; the next re-fetch shows the truth.
          }
        }
      },
    });
    try {
      const headers = new Headers({ accept: "text/event-stream" });
      const authorization = options.authorization();
      if (authorization) headers.set("authorization", authorization);
      touch();
      const response = await doFetch(options.url ?? "api/events", {
        headers,
        credentials: "omit",
        cache: "no-store",
        signal: abort.signal,
      });
      if (response.status === 401) {
        options.onUnauthorized(await apiErrorOf(response));
        return { connected, unauthorized: true };
      }
      if (!response.ok || !response.body) return { connected, unauthorized: false };
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        touch();
        parser.feed(value);
      }
    } catch {
      // Network failure, abort or idle timeout: reconnect below.
    } finally {
      clearTimeout(idle);
    }
    return { connected, unauthorized: false };
  }

  async function run(): Promise<void> {
    let attempt = 0;
    let everConnected = false;
    options.onStatus("connecting");
    while (!stopped) {
      const { connected, unauthorized } = await once(everConnected);
      if (stopped) break;
      if (unauthorized) {
        options.onStatus("stopped");
        return;
      }
      if (connected) {
        everConnected = true;
        attempt = 0;
      }
      options.onStatus("reconnecting");
      await sleep(delay(attempt++));
    }
  }

  void run();
  return () => {
    stopped = true;
    controller?.abort();
    wake?.();
  };
}

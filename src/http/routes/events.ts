import type { Socket } from "node:net";
import type { FastifyPluginAsync } from "fastify";
import { BackendError } from "../../core/errors.js";
import type { IncidentSummary } from "../../core/incident.js";
import { TooManySubscribersError, type IncidentFeed } from "../../store/incident-feed.js";

export interface EventRouteOptions {
  feed: IncidentFeed;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
  /** A client that lets this much pile up unread is cut off (it reconnects and re-reads the list). */
  maxBufferedBytes?: number;
}

/** One server-sent event; `data` is one line of JSON, so it needs no further framing. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * GET /api/events: a server-sent event stream of incidents as they change (`event:
 * incident`, the list summary as data), `event: ready` once changes flow, and a comment
 * heartbeat. Clients re-read the list after `ready`, since the stream is not a history.
 */
export const eventRoutes: FastifyPluginAsync<EventRouteOptions> = async (app, opts) => {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  /** Sockets that carry or carried a stream, until they close. */
  const sockets = new Set<Socket>();

  // Streams never end on their own, and a client may keep the socket after one: the server
  // cannot close while they are there.
  app.addHook("preClose", async () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  });

  app.get("/api/events", async (request, reply) => {
    // Changes that arrive before the stream is open wait here, then go out in order.
    const pending: IncidentSummary[] = [];
    let send: (summary: IncidentSummary) => void = (summary) => pending.push(summary);
    let subscription;
    try {
      subscription = opts.feed.subscribe((summary) => send(summary));
    } catch (error) {
      if (error instanceof TooManySubscribersError)
        throw new BackendError(error.message, "the event stream", true);
      throw error;
    }
    try {
      await subscription.live;
    } catch (error) {
      subscription.unsubscribe();
      throw new BackendError(
        `live updates unavailable: ${(error as Error).message}`,
        "the event stream",
        true,
      );
    }

    reply.hijack();
    const raw = reply.raw;
    const socket = raw.socket;
    if (socket) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    }
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      // The stream is this connection's last use: when it ends, the socket goes with it.
      connection: "close",
      // nginx and similar proxies buffer responses unless told not to.
      "x-accel-buffering": "no",
    });
    const write = (chunk: string): void => {
      if (raw.writableEnded) return;
      if (raw.writableLength > maxBuffered) {
        // A reader this far behind would only ever see stale rows; it reconnects and re-reads.
        raw.end();
        return;
      }
      raw.write(chunk);
    };
    write(`retry: 3000\n\n${sseEvent("ready", {})}`);
    send = (summary) => write(sseEvent("incident", summary));
    for (const summary of pending.splice(0)) send(summary);
    const heartbeat = setInterval(() => write(": ping\n\n"), heartbeatMs);
    heartbeat.unref();

    const stop = () => {
      clearInterval(heartbeat);
      subscription.unsubscribe();
      if (!raw.writableEnded) raw.end();
    };
    request.raw.on("close", stop);
    raw.on("close", stop);
  });
};

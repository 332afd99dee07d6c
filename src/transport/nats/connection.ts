/**
 * One NATS connection for a process, with the behaviour an agent in a cluster needs:
 * starting while NATS is not up yet is normal (pods start in any order), so the first
 * connect is retried forever with backoff instead of failing the process, and readiness
 * reports the truth meanwhile. Secrets are read from files when a connection is made
 * (so a rotated credentials file is picked up on the next reconnect) and never logged.
 *
 * Design choice: `connectNats` returns at once with a handle. `connection()` resolves
 * when the first connect succeeds and `isConnected()` tells the current state. nats.js's
 * own `waitOnFirstConnect` was not used because it gives no hook to log each failed
 * attempt, and the caller cannot tell "still trying" from "hung".
 */
import { readFileSync } from "node:fs";
import {
  connect,
  credsAuthenticator,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from "@nats-io/transport-node";
import type { Authenticator, ConnectionOptions, NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { BackendError, ConfigError } from "../../core/errors.js";
import { sleep } from "./sleep.js";

export interface NatsConnectionOptions {
  /** One server URL or a comma-separated list (`nats://a:4222,nats://b:4222`). */
  url: string;
  /** With `pass`: user/password authentication. */
  user?: string;
  pass?: string;
  token?: string;
  /** A file holding an NKey seed (`SU...`), read at each connect. */
  nkeySeedFile?: string;
  /** A `.creds` file (JWT + seed), read at each connect. */
  credsFile?: string;
  /** TLS files; setting any of them enables TLS. `certFile` and `keyFile` go together. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Connection name shown by the server's monitoring. */
  name?: string;
  /** Wait between reconnect attempts, and the first delay of the initial-connect backoff. Default 2000. */
  reconnectWaitMs?: number;
  /** Attempts before giving up, for the first connect and after each disconnect. Default -1: forever. */
  maxReconnectAttempts?: number;
  /** How long one connect attempt may take. Default 5000. */
  connectTimeoutMs?: number;
  /** Ceiling of the initial-connect backoff (it doubles per failed attempt). Default 30 000. */
  maxConnectBackoffMs?: number;
}

/** The state of a process's NATS connection. */
export interface NatsConnectionHandle {
  /** The servers, with any credentials in them masked: safe to log. */
  readonly servers: string;
  /**
   * Resolves with the connection once the first connect succeeds. Rejects with a
   * BackendError when the handle is closed first or the attempts are exhausted.
   */
  connection(): Promise<NatsConnection>;
  /** Resolves when the first connect attempt has ended, connected or not: lets a caller start fast either way. */
  firstAttempt(): Promise<void>;
  /** The connection, once there is one (it may be reconnecting). */
  current(): NatsConnection | undefined;
  /** Connected now (not before the first connect, not while reconnecting, not after close). */
  isConnected(): boolean;
  /**
   * Calls `listener` after the first connect and after each reconnect (streams and
   * consumers may need to be ensured again if the server lost its store). Returns an
   * unsubscribe function.
   */
  onConnect(listener: (nc: NatsConnection) => void): () => void;
  /** Stops retrying, drains and closes the connection. Idempotent. */
  close(): Promise<void>;
}

const DEFAULTS = {
  reconnectWaitMs: 2_000,
  maxReconnectAttempts: -1,
  connectTimeoutMs: 5_000,
  maxConnectBackoffMs: 30_000,
} as const;

/**
 * Starts connecting and returns at once. A failed first connect is logged as one warn
 * line per attempt ("NATS at <url> unreachable: <reason>; retrying in Ns") and retried
 * with exponential backoff from `reconnectWaitMs` up to `maxConnectBackoffMs`. Once
 * connected, nats.js reconnects by itself every `reconnectWaitMs`; disconnects and
 * reconnects are logged. Throws ConfigError only for options that can never work.
 */
export function connectNats(options: NatsConnectionOptions, logger: Logger): NatsConnectionHandle {
  const servers = parseServers(options.url);
  validate(options);
  const shown = servers.map(maskCredentials).join(",");
  const reconnectWaitMs = options.reconnectWaitMs ?? DEFAULTS.reconnectWaitMs;
  const maxReconnectAttempts = options.maxReconnectAttempts ?? DEFAULTS.maxReconnectAttempts;
  const maxBackoffMs = Math.max(options.maxConnectBackoffMs ?? DEFAULTS.maxConnectBackoffMs, reconnectWaitMs);
  const log = logger.child({ component: "nats" });

  let nc: NatsConnection | undefined;
  let connected = false;
  let closing: Promise<void> | undefined;
  const listeners = new Set<(nc: NatsConnection) => void>();
  const stop = new AbortController();
  let attempted!: () => void;
  const firstAttempt = new Promise<void>((resolve) => (attempted = resolve));

  const notify = (conn: NatsConnection): void => {
    for (const listener of listeners) {
      try {
        listener(conn);
      } catch (error) {
        log.error({ err: error }, "NATS connect listener failed");
      }
    }
  };

  const watch = async (conn: NatsConnection): Promise<void> => {
    for await (const status of conn.status()) {
      switch (status.type) {
        case "disconnect":
          connected = false;
          log.warn(
            `NATS disconnected from ${status.server}; reconnecting every ${seconds(reconnectWaitMs)}s`,
          );
          break;
        case "reconnect":
          connected = true;
          log.info(`NATS reconnected to ${status.server}`);
          notify(conn);
          break;
        case "ldm":
          log.warn(`NATS server ${status.server} entered lame duck mode; will move to another server`);
          break;
        case "staleConnection":
          log.warn("NATS connection is stale (pings unanswered)");
          break;
        case "error":
          log.warn(`NATS server error: ${status.error.message}`);
          break;
        default:
          break;
      }
    }
  };

  const first = (async (): Promise<NatsConnection> => {
    for (let attempt = 1; ; attempt++) {
      if (stop.signal.aborted) throw new BackendError("the NATS connection was closed", "nats", false);
      try {
        const conn = await connect(
          connectionOptions(options, servers, reconnectWaitMs, maxReconnectAttempts),
        );
        if (stop.signal.aborted) {
          await conn.close();
          throw new BackendError("the NATS connection was closed", "nats", false);
        }
        nc = conn;
        connected = true;
        log.info(`NATS connected to ${conn.getServer()}${options.name ? ` as ${options.name}` : ""}`);
        void watch(conn).catch((error: unknown) => log.error({ err: error }, "NATS status watch failed"));
        void conn.closed().then((error) => {
          connected = false;
          if (closing) return;
          // Only when reconnect attempts are exhausted (or the server refused us for good).
          log.error(`NATS connection closed${error ? `: ${error.message}` : ""}; not reconnecting`);
        });
        notify(conn);
        attempted();
        return conn;
      } catch (error) {
        if (stop.signal.aborted) throw new BackendError("the NATS connection was closed", "nats", false);
        const reason = error instanceof Error ? error.message : String(error);
        if (maxReconnectAttempts >= 0 && attempt > maxReconnectAttempts) {
          log.error(`NATS at ${shown} unreachable: ${reason}; giving up after ${attempt} attempts`);
          throw new BackendError(`NATS at ${shown} unreachable: ${reason}`, "nats", true, { cause: error });
        }
        attempted();
        const delayMs = Math.min(reconnectWaitMs * 2 ** Math.min(attempt - 1, 20), maxBackoffMs);
        log.warn(`NATS at ${shown} unreachable: ${reason}; retrying in ${seconds(delayMs)}s`);
        await sleep(delayMs, stop.signal);
      }
    }
  })();
  // A caller may never ask for the connection; its failure is logged above.
  void first.catch(() => undefined).finally(attempted);

  return {
    servers: shown,
    connection: () => first,
    firstAttempt: () => firstAttempt,
    current: () => nc,
    isConnected: () => connected && nc !== undefined && !nc.isClosed() && !closing,
    onConnect(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closing ??= (async () => {
        stop.abort();
        listeners.clear();
        connected = false;
        const conn = nc;
        if (!conn || conn.isClosed()) return;
        try {
          await conn.drain();
        } catch {
          // Draining needs the server; when it is gone, close locally.
          await conn.close();
        }
      })();
      return closing;
    },
  };
}

function connectionOptions(
  options: NatsConnectionOptions,
  servers: string[],
  reconnectWaitMs: number,
  maxReconnectAttempts: number,
): ConnectionOptions {
  const authenticator: Authenticator[] = [];
  if (options.user !== undefined && options.pass !== undefined) {
    authenticator.push(usernamePasswordAuthenticator(options.user, options.pass));
  }
  if (options.token !== undefined) authenticator.push(tokenAuthenticator(options.token));
  const seedFile = options.nkeySeedFile;
  if (seedFile !== undefined) {
    authenticator.push(nkeyAuthenticator(() => new TextEncoder().encode(readSecret(seedFile).trim())));
  }
  const credsFile = options.credsFile;
  if (credsFile !== undefined) {
    authenticator.push(credsAuthenticator(() => new TextEncoder().encode(readSecret(credsFile))));
  }
  const tls = options.tls;
  const useTls = tls && (tls.caFile ?? tls.certFile ?? tls.keyFile) !== undefined;
  return {
    servers,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(authenticator.length > 0 ? { authenticator } : {}),
    ...(useTls ? { tls: { ...tls } } : {}),
    reconnect: true,
    maxReconnectAttempts,
    reconnectTimeWait: reconnectWaitMs,
    timeout: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    waitOnFirstConnect: false,
    // nats.js otherwise builds two Error objects (stack traces) per request for its own
    // timeout diagnostics: about a fifth of the collector's CPU under load. Our errors
    // name the operation that failed, so those traces add nothing.
    noAsyncTraces: true,
  };
}

/** Reads a credentials file; the error names the file, never its content. */
function readSecret(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new BackendError(`cannot read NATS credentials file ${file} (${code})`, "nats", true);
  }
}

function parseServers(url: string): string[] {
  const servers = url
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (servers.length === 0) throw new ConfigError("bus.nats.url names no server");
  return servers;
}

function validate(options: NatsConnectionOptions): void {
  if ((options.user === undefined) !== (options.pass === undefined)) {
    throw new ConfigError("NATS user and pass must be set together");
  }
  if (options.tls && (options.tls.certFile === undefined) !== (options.tls.keyFile === undefined)) {
    throw new ConfigError("NATS tls.certFile and tls.keyFile must be set together");
  }
  for (const [name, value] of [
    ["reconnectWaitMs", options.reconnectWaitMs],
    ["connectTimeoutMs", options.connectTimeoutMs],
    ["maxConnectBackoffMs", options.maxConnectBackoffMs],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
      throw new ConfigError(`NATS ${name} must be a positive number`);
    }
  }
  const attempts = options.maxReconnectAttempts;
  if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < -1)) {
    throw new ConfigError("NATS maxReconnectAttempts must be -1 (forever) or a count");
  }
}

/** `nats://user:secret@host:4222` → `nats://***@host:4222`. */
export function maskCredentials(server: string): string {
  return server.replace(
    /^([a-z]+:\/\/)?[^@/]*@/i,
    (_match, scheme: string | undefined) => `${scheme ?? ""}***@`,
  );
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}

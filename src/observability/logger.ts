import { pino } from "pino";
import type { DestinationStream, Logger as PinoLogger } from "pino";
import { ConfigError } from "../core/errors.js";

/** The system's structured logger: pino, one JSON object per line. */
export type Logger = PinoLogger;

export interface LoggerOptions {
  /** pino level name: fatal, error, warn, info, debug, trace or silent. */
  level: string;
  /** Pretty printing is not built in: pipe the JSON through `pino-pretty` when reading it. */
  pretty?: false;
  /** Where lines go; standard output when absent. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

/**
 * Paths that may hold credentials. Fastify's request serializer logs no headers, but a
 * caller that logs a request or a config object must not leak a token.
 */
const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "headers.cookie",
  "*.password",
  "*.token",
  "*.bearerToken",
  "*.apiKey",
];

export function createLogger(opts: LoggerOptions): Logger {
  if (!(opts.level in pino.levels.values) && opts.level !== "silent") {
    throw new ConfigError(`unknown log level "${opts.level}"`);
  }
  const options = {
    level: opts.level,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

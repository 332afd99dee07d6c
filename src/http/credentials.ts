import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigError } from "../core/errors.js";
import type { AuthOptions } from "./auth.js";

export interface AuthConfig {
  bearerToken?: string;
  basicUsername?: string;
  basicPassword?: string;
  disabled: boolean;
  tokenFile?: string;
}

export type ApiCredentials =
  | { kind: "disabled" }
  | { kind: "configured"; auth: AuthOptions }
  /** No credentials were configured: a token was generated (or read back) from `file`. */
  | { kind: "generated"; auth: AuthOptions; file: string };

/** The minimum a token read from a file must have, so a truncated file is not a weak secret. */
const MIN_TOKEN_LENGTH = 16;

/** Where a generated token lives when auth.tokenFile is not set: beside the SQLite file. */
export function defaultTokenFile(storePath: string): string {
  return join(dirname(storePath), "api-token");
}

/**
 * The credentials the console, the API and the webhook require. Auth is off only when
 * explicitly disabled; with nothing configured a random token is generated once and kept
 * in a file readable by its owner only, so a laptop install is never an open API and a
 * restart keeps the same token.
 */
export function resolveApiCredentials(config: AuthConfig, storePath: string): ApiCredentials {
  if (config.disabled) return { kind: "disabled" };
  const basic =
    config.basicUsername && config.basicPassword
      ? { username: config.basicUsername, password: config.basicPassword }
      : undefined;
  if (config.bearerToken || basic) {
    return {
      kind: "configured",
      auth: {
        ...(config.bearerToken ? { bearerToken: config.bearerToken } : {}),
        ...(basic ? { basic } : {}),
      },
    };
  }
  const file = config.tokenFile ?? defaultTokenFile(storePath);
  return { kind: "generated", auth: { bearerToken: readOrCreateToken(file) }, file };
}

/** Reads the token kept in `file`, or creates the file with a new one. */
export function readOrCreateToken(file: string): string {
  const existing = readToken(file);
  if (existing !== undefined) return existing;
  const token = randomBytes(32).toString("base64url");
  try {
    mkdirSync(dirname(file), { recursive: true });
    // `wx`: two processes starting together must not overwrite each other's token.
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: "wx" });
    return token;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return readToken(file) ?? token;
    throw new ConfigError(`cannot write the API token file ${file}: ${(error as Error).message}`);
  }
}

/** The token in `file`; undefined when the file does not exist. */
export function readToken(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigError(`cannot read the API token file ${file}: ${(error as Error).message}`);
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(
      `the API token file ${file} holds ${token.length} characters; it needs at least ${MIN_TOKEN_LENGTH} (delete it to have a new token generated)`,
    );
  }
  return token;
}

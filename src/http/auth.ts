import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AuthError } from "../core/errors.js";

/** Credentials a client must present. With both set, either one passes. */
export interface AuthOptions {
  bearerToken?: string;
  basic?: { username: string; password: string };
}

const REALM = "aiops";

/**
 * Compares two strings in time independent of where they differ. Both sides are hashed
 * first so the buffers given to timingSafeEqual always have equal length and the
 * comparison does not reveal the secret's length either.
 */
export function safeEqual(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

/** true when the Authorization header satisfies one of the configured schemes. */
export function isAuthorized(header: string | undefined, auth: AuthOptions): boolean {
  if (!header) return false;
  const space = header.indexOf(" ");
  if (space <= 0) return false;
  const scheme = header.slice(0, space).toLowerCase();
  const credentials = header.slice(space + 1).trim();
  if (scheme === "bearer" && auth.bearerToken !== undefined && auth.bearerToken !== "") {
    return safeEqual(credentials, auth.bearerToken);
  }
  if (scheme === "basic" && auth.basic) {
    const decoded = Buffer.from(credentials, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    // Both halves are always compared, so a right username with a wrong password takes as long as a wrong one.
    const userOk = safeEqual(decoded.slice(0, colon), auth.basic.username);
    const passOk = safeEqual(decoded.slice(colon + 1), auth.basic.password);
    return userOk && passOk;
  }
  return false;
}

/** The challenges to send with a 401, one per configured scheme. */
export function challenges(auth: AuthOptions): string[] {
  const out: string[] = [];
  if (auth.bearerToken) out.push(`Bearer realm="${REALM}"`);
  if (auth.basic) out.push(`Basic realm="${REALM}", charset="UTF-8"`);
  return out;
}

/** true when at least one credential is configured, i.e. requests must authenticate. */
export function authRequired(auth: AuthOptions | undefined): auth is AuthOptions {
  return !!auth && (!!auth.bearerToken || !!auth.basic);
}

/**
 * An onRequest hook (it runs before the body is read) that rejects unauthenticated
 * requests with AuthError; the error handler turns that into 401, and the challenge
 * headers set here survive into that answer.
 */
export function createAuthHook(
  auth: AuthOptions,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const list = challenges(auth);
  // One header per scheme (RFC 9110 allows several); a lone challenge as a plain string.
  const wwwAuthenticate = list.length === 1 ? (list[0] ?? "") : list;
  return async function authHook(request, reply) {
    if (isAuthorized(request.headers.authorization, auth)) return;
    reply.header("www-authenticate", wwwAuthenticate);
    throw new AuthError(request.headers.authorization ? "invalid credentials" : "authentication required");
  };
}

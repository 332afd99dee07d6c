/** API failures as values the console can show. */
import { parseChallenges, type Challenges } from "./auth.js";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly field?: string,
    /** For 401: the sign-in methods offered. */
    readonly challenges?: Challenges,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value : undefined;

/**
 * The message, code and field of an error body. The service answers
 * `{error: code, message, field?}`; `{error: {code, message, field}}` is read too.
 */
export function readErrorBody(
  status: number,
  statusText: string,
  body: unknown,
): { message: string; code?: string; field?: string } {
  const fallback = `${status} ${statusText}`.trim();
  if (!isRecord(body)) return { message: text(body) ?? fallback };
  const nested = isRecord(body["error"]) ? body["error"] : undefined;
  const source = nested ?? body;
  const message = text(source["message"]) ?? fallback;
  const code = text(nested ? nested["code"] : body["error"]);
  const field = text(source["field"]);
  return { message, ...(code ? { code } : {}), ...(field ? { field } : {}) };
}

/** An ApiError from a failed response, reading its JSON body when there is one. */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    const raw = await response.text();
    try {
      body = JSON.parse(raw) as unknown;
    } catch {
      body = raw.slice(0, 500);
    }
  } catch {
    body = undefined;
  }
  const { message, code, field } = readErrorBody(response.status, response.statusText, body);
  const challenges =
    response.status === 401 ? parseChallenges(response.headers.get("www-authenticate")) : undefined;
  return new ApiError(message, response.status, code, field, challenges);
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

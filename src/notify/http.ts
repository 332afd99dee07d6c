/**
 * One POST with retries, shared by the notification channels: a per-attempt timeout,
 * exponential backoff with full jitter on network errors, 408, 425, 429 and 5xx, and
 * `Retry-After` honoured up to a cap. Other 4xx are permanent. Webhook URLs embed their
 * credentials, so errors name only the URL's origin.
 */
import { BackendError } from "../core/errors.js";
import { isRetryableStatus, parseRetryAfter } from "../core/http-status.js";
import { backoffDelay } from "../transport/outcome.js";

/** A notification could not be delivered. `retryable` is false when a retry cannot help. */
export class NotifyError extends BackendError {
  constructor(
    message: string,
    /** The channel's name (`slack`, `teams`, `webhook`). */
    readonly channel: string,
    readonly permanent: boolean,
    /** The short reason the receiver gave (`channel_not_found`, `503`, `timeout`). */
    readonly reason: string,
    readonly status?: number,
    /** The receiver asked to wait this long (Retry-After beyond the cap). */
    readonly retryAfterMs?: number,
  ) {
    super(message, channel, !permanent);
  }
}

/** One or more channels failed; the others were delivered and recorded. */
export class NotifyFailedError extends BackendError {
  constructor(
    readonly incidentId: string,
    readonly failures: readonly NotifyError[],
  ) {
    const permanent = failures.every((f) => f.permanent);
    super(
      `notify ${incidentId}: ${failures
        .map((f) => `${f.channel} ${f.permanent ? "failed permanently" : "failed"} (${f.reason})`)
        .join("; ")}`,
      "notify",
      !permanent,
    );
  }

  /** The longest wait a receiver asked for, for the caller's redelivery delay. */
  get retryAfterMs(): number | undefined {
    const waits = this.failures.map((f) => f.retryAfterMs).filter((w): w is number => w !== undefined);
    return waits.length > 0 ? Math.max(...waits) : undefined;
  }
}

export interface RetryOptions {
  /** Per attempt, body included. Default 10 000. */
  timeoutMs?: number;
  /** Attempts in all, the first included. Default 4. */
  maxAttempts?: number;
  /** Backoff: the ceiling of the first retry's delay, doubling each time. Default 500. */
  minDelayMs?: number;
  /** Backoff ceiling. Default 30 000. */
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the attempt fails as retryable. Default 60 000. */
  maxRetryAfterMs?: number;
}

export interface HttpDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** 0..1, for jitter. */
  random?: () => number;
}

/** A receiver's answer, read whole. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** How an answer reads: delivered (with a value), or failed with a reason. */
export type Verdict<T> =
  { ok: true; value: T } | { ok: false; retryable: boolean; reason: string; retryAfterMs?: number };

export interface PostRequest {
  channel: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Called before each attempt (a bus consumer extends its ack deadline). */
  working?: () => void;
}

/** The default reading: 2xx delivered; 408, 425, 429 and 5xx retryable; other statuses permanent. */
function statusVerdict(answer: HttpAnswer): Verdict<HttpAnswer> {
  if (answer.status >= 200 && answer.status < 300) return { ok: true, value: answer };
  return { ok: false, retryable: isRetryableStatus(answer.status), reason: reasonOf(answer) };
}

/** A short reason from an error body: Slack's plain `no_service`, a JSON `error`, or the status. */
export function reasonOf(answer: HttpAnswer): string {
  const text = answer.text.trim();
  let reason = text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null) {
      const error = (parsed as Record<string, unknown>).error;
      const message = (parsed as Record<string, unknown>).message;
      if (typeof error === "string") reason = error;
      else if (typeof error === "object" && error !== null) {
        const e = error as Record<string, unknown>;
        reason = [e.code, e.message].filter((x) => typeof x === "string").join(": ");
      } else if (typeof message === "string") reason = message;
    }
  } catch {
    // plain text, as Slack's incoming webhooks answer
  }
  reason = reason.replace(/\s+/g, " ").slice(0, 200);
  return reason ? `${answer.status} ${reason}` : String(answer.status);
}

/** The origin of a URL: all that logs and errors may show of a webhook URL. */
export function redactUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}

/** Full jitter: uniform in [0, min(maxDelay, minDelay * 2^(retry-1))]. */
export function backoff(retry: number, minDelayMs: number, maxDelayMs: number, random: () => number): number {
  return Math.floor(random() * backoffDelay(retry, { baseDelayMs: minDelayMs, maxDelayMs }));
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Removes the URL (and its path, which holds the key) from a message, keeping the origin. */
function scrub(message: string, url: string): string {
  let out = message.split(url).join(redactUrl(url));
  try {
    const { pathname, search } = new URL(url);
    if (pathname.length > 1) out = out.split(pathname).join("/…");
    if (search) out = out.split(search).join("");
  } catch {
    // not a URL: nothing more to remove
  }
  return out;
}

/** Why a fetch threw, without the URL: `timeout`, or the cause's code. */
function networkReason(error: unknown, url: string): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return "timeout";
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail =
    typeof cause?.code === "string"
      ? cause.code
      : typeof cause?.message === "string"
        ? cause.message
        : error instanceof Error
          ? error.message
          : String(error);
  return scrub(`network error: ${detail}`, url).slice(0, 200);
}

/**
 * Creates a sender that POSTs a request and reads the answer with `read` (default:
 * statusVerdict), retrying what is retryable. Throws NotifyError when the last attempt
 * failed or a failure is permanent.
 */
export function createHttpSender(options: RetryOptions = {}, deps: HttpDeps = {}) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = Math.max(options.maxAttempts ?? 4, 1);
  const minDelayMs = options.minDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const f = deps.fetch ?? fetch;
  const sleep = deps.sleep ?? defaultSleep;
  const random = deps.random ?? Math.random;

  return async function post<T = HttpAnswer>(
    request: PostRequest,
    read: (answer: HttpAnswer) => Verdict<T> = statusVerdict as (answer: HttpAnswer) => Verdict<T>,
  ): Promise<T> {
    const where = `${request.channel}: POST ${redactUrl(request.url)}`;
    for (let attempt = 1; ; attempt++) {
      request.working?.();
      let verdict: Verdict<T>;
      let status: number | undefined;
      let retryAfterMs: number | undefined;
      try {
        const response = await f(request.url, {
          method: "POST",
          headers: request.headers,
          body: request.body,
          signal: AbortSignal.timeout(timeoutMs),
          // A redirect is answered as a permanent failure rather than followed: the body and
          // headers are for this receiver only.
          redirect: "manual",
        });
        const answer: HttpAnswer = {
          status: response.status,
          headers: response.headers,
          text: await response.text(),
        };
        status = answer.status;
        retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
        verdict = read(answer);
        if (!verdict.ok && verdict.retryAfterMs !== undefined) retryAfterMs = verdict.retryAfterMs;
      } catch (error) {
        verdict = { ok: false, retryable: true, reason: networkReason(error, request.url) };
      }
      if (verdict.ok) return verdict.value;
      const reason = scrub(verdict.reason, request.url);
      const tooLong = retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs;
      if (!verdict.retryable || attempt >= maxAttempts || tooLong) {
        const tries = attempt > 1 ? ` after ${attempt} attempts` : "";
        throw new NotifyError(
          `${where}: ${reason}${tries}`,
          request.channel,
          !verdict.retryable,
          reason,
          status,
          verdict.retryable ? retryAfterMs : undefined,
        );
      }
      request.working?.(); // the wait may be longer than what is left of an ack deadline
      await sleep(retryAfterMs ?? backoff(attempt, minDelayMs, maxDelayMs, random));
    }
  };
}

export type HttpSender = ReturnType<typeof createHttpSender>;

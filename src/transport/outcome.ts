/**
 * The one decision of what happens to a delivered message, shared by every bus adapter:
 * the in-process bus acts on it directly, the JetStream adapter maps it to
 * ack / nak(delay) / term(reason).
 */
import { BackendError, ConfigError, InputError } from "../core/errors.js";
import type { HandlerOutcome } from "./bus.js";

/** What the handler did: returned (void means done) or threw. */
export type HandlerResult = { returned: HandlerOutcome | void } | { thrown: unknown };

export interface RetryPolicy {
  /** Delay before the second delivery; doubles with each further one. */
  baseDelayMs: number;
  /** Ceiling of any retry delay, the handler's own included. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 60_000 };

/** Exponential backoff: base * 2^(deliveryCount-1), capped at maxDelayMs. */
export function backoffDelay(deliveryCount: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  const exponent = Math.min(Math.max(deliveryCount - 1, 0), 30);
  return Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs);
}

/**
 * Maps a handler's result to an outcome.
 * - returned void / ack → ack; returned retry/term → honoured (delay capped);
 * - thrown InputError or ConfigError, or a BackendError with retryable=false → term:
 *   the message is poison, a redelivery would fail the same way;
 * - any other error (retryable BackendError, unknown) → retry with backoff.
 * A retry on the last allowed delivery (deliveryCount >= maxDeliver) becomes term, so a
 * message is never retried forever.
 */
export function outcomeFor(
  result: HandlerResult,
  deliveryCount: number,
  maxDeliver: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): HandlerOutcome {
  const outcome = decide(result, deliveryCount, policy);
  if (outcome.kind === "retry" && deliveryCount >= maxDeliver) {
    return { kind: "term", reason: `gave up after ${deliveryCount} deliveries: ${outcome.reason}` };
  }
  return outcome;
}

function decide(result: HandlerResult, deliveryCount: number, policy: RetryPolicy): HandlerOutcome {
  if ("returned" in result) {
    const value = result.returned;
    if (value === undefined || value.kind === "ack") return { kind: "ack" };
    if (value.kind === "term") return value;
    const delayMs = Number.isFinite(value.delayMs)
      ? Math.min(Math.max(value.delayMs, 0), policy.maxDelayMs)
      : backoffDelay(deliveryCount, policy);
    return { kind: "retry", delayMs, reason: value.reason };
  }
  const error = result.thrown;
  const reason = describeError(error);
  if (error instanceof InputError || error instanceof ConfigError) {
    return { kind: "term", reason: `poison message: ${reason}` };
  }
  if (error instanceof BackendError && !error.retryable) {
    return { kind: "term", reason: `non-retryable: ${reason}` };
  }
  return { kind: "retry", delayMs: backoffDelay(deliveryCount, policy), reason };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `non-error thrown: ${String(error)}`;
}

/**
 * How every HTTP client here reads a failed answer: which statuses a retry can fix, and
 * how long a `Retry-After` asks to wait. One reading, so the Kubernetes API, the forge,
 * the model servers and the notification receivers are retried alike.
 */

/** 408, 425, 429 and 5xx can succeed later; any other 4xx will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * Milliseconds to wait from a Retry-After header (delta-seconds or an HTTP-date, RFC 9110
 * §10.2.3), or undefined when absent or unreadable. A date in the past means now.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Date.parse reads "-3" as the year 3 BC: an HTTP-date always names its weekday and month.
  if (!/[A-Za-z]/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(at - now, 0);
}

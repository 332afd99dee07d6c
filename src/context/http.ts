/**
 * The HTTP plumbing the Prometheus and Loki clients (and the doctor's checks of them) share:
 * a base URL that relative API paths resolve beneath, and a fetch bounded by a timeout.
 */

/** `url` with a trailing slash, so `new URL("api/v1/query", base)` keeps a path prefix. */
export function withTrailingSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/** The http(s) base URL of a backend, with a trailing slash; throws on any other protocol. */
export function httpBase(url: string, backend: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new Error(`${backend} url must be http(s): ${url}`);
  }
  return withTrailingSlash(parsed.href);
}

/**
 * `fetchFn(url, init)` aborted after `timeoutMs` or by `signal`. When the request fails,
 * throws `unreachable(reason)`, the reason being "timed out after N ms" or the error's message.
 */
export async function fetchWithTimeout(
  fetchFn: typeof fetch,
  url: URL,
  init: RequestInit,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  unreachable: (reason: string) => Error,
): Promise<Response> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    return await fetchFn(url, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (error) {
    throw unreachable(timeout.aborted ? `timed out after ${timeoutMs} ms` : (error as Error).message);
  }
}

import { BackendError } from "../../core/errors.js";

export interface JsonResponse {
  status: number;
  /** The parsed body; undefined when it was empty or not JSON. */
  body: unknown;
  /** The raw text, for messages when the body is not JSON. */
  text: string;
}

/**
 * POSTs JSON and reads the answer within `timeoutMs`. Network failures and timeouts
 * reject with a retryable BackendError of `backend`; the caller's own abort rejects
 * with the signal's reason. HTTP error statuses resolve: each adapter reads its API's
 * error body.
 */
export async function postJson(
  fetchFn: typeof fetch,
  backend: string,
  url: string,
  payload: unknown,
  options: { timeoutMs: number; headers?: Record<string, string>; signal?: AbortSignal },
): Promise<JsonResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const res = await fetchFn(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...options.headers },
      body: JSON.stringify(payload),
      signal,
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text };
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (timeout.aborted)
      throw new BackendError(
        `${backend}: no answer from ${url} within ${options.timeoutMs} ms`,
        backend,
        true,
        {
          cause: err,
        },
      );
    const detail =
      err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw new BackendError(`${backend}: cannot reach ${url}: ${detail}`, backend, true, { cause: err });
  }
}

/** Checks that every vector is a finite number array of one length. */
export function toVectors(backend: string, rows: unknown[], expected: number): Float32Array[] {
  if (rows.length !== expected)
    throw new BackendError(`${backend}: expected ${expected} embeddings, got ${rows.length}`, backend, false);
  const out: Float32Array[] = [];
  let length: number | undefined;
  for (const row of rows) {
    if (
      !Array.isArray(row) ||
      row.length === 0 ||
      !row.every((x) => typeof x === "number" && Number.isFinite(x))
    )
      throw new BackendError(`${backend}: an embedding is not a list of numbers`, backend, false);
    if (length !== undefined && row.length !== length)
      throw new BackendError(`${backend}: embeddings of different lengths in one answer`, backend, false);
    length = row.length;
    out.push(Float32Array.from(row as number[]));
  }
  return out;
}

/**
 * The length of an answer's vectors, which must be the `known` one of earlier answers:
 * vectors of another length would not fit the collection.
 */
export function checkedDimension(
  backend: string,
  model: string,
  known: number | undefined,
  vectors: readonly Float32Array[],
): number {
  const length = vectors[0]?.length ?? 0;
  if (known !== undefined && length !== known)
    throw new BackendError(
      `${backend} model ${model} changed dimension from ${known} to ${length}`,
      backend,
      false,
    );
  return length;
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

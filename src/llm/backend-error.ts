import { BackendError } from "../core/errors.js";
import { isRetryableStatus } from "../core/http-status.js";

/**
 * A failed call to a model server as a BackendError: `status` when the server answered
 * (retryable as HTTP says), otherwise an unreachable server (retryable).
 */
export function modelServerError(
  backend: string,
  url: string,
  error: unknown,
  status: number | undefined,
): BackendError {
  const message = error instanceof Error ? error.message : String(error);
  if (status !== undefined)
    return new BackendError(
      `${backend}: ${url} answered ${status}: ${message}`,
      backend,
      isRetryableStatus(status),
      {
        cause: error,
      },
    );
  return new BackendError(`${backend}: cannot reach ${url}: ${message}`, backend, true, { cause: error });
}

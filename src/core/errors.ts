/**
 * The few named errors of the system. The HTTP layer maps them to status codes in one
 * place (http/error-handler.ts) and the CLI maps them to exit codes (cli/exit-codes.ts).
 */

export class AiopsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The input (a webhook, an API body, a file, a flag) is malformed. `field` names the offending part. */
export class InputError extends AiopsError {
  constructor(
    message: string,
    readonly field?: string,
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export class NotFoundError extends AiopsError {}

export class ConflictError extends AiopsError {}

export class AuthError extends AiopsError {}

/** Configuration is invalid; the process cannot start. */
export class ConfigError extends AiopsError {}

/** A backend (bus, store, cluster, model) cannot be reached or answered badly. Usually retryable. */
export class BackendError extends AiopsError {
  constructor(
    message: string,
    readonly backend: string,
    readonly retryable = true,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

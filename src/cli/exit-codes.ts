import { CommanderError } from "commander";
import { AuthError, BackendError, ConfigError, InputError, NotFoundError } from "../core/errors.js";

/** Exit codes, after sysexits.h where one fits. */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  /** `aiops eval` scored below --min-pass. */
  BelowThreshold: 3,
  DataError: 65,
  NoInput: 66,
  Unavailable: 69,
  NoPermission: 77,
  Config: 78,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The one mapping from named errors to exit codes. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  if (error instanceof ConfigError) return ExitCode.Config;
  if (error instanceof InputError) return ExitCode.DataError;
  if (error instanceof NotFoundError) return ExitCode.NoInput;
  if (error instanceof AuthError) return ExitCode.NoPermission;
  if (error instanceof BackendError) return ExitCode.Unavailable;
  return ExitCode.Failure;
}

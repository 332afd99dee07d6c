import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { AuthError, BackendError, ConfigError, InputError, NotFoundError } from "../core/errors.js";
import { ExitCode, exitCodeFor } from "./exit-codes.js";

describe("exitCodeFor", () => {
  it.each([
    [new ConfigError("x"), ExitCode.Config],
    [new InputError("x"), ExitCode.DataError],
    [new NotFoundError("x"), ExitCode.NoInput],
    [new AuthError("x"), ExitCode.NoPermission],
    [new BackendError("x", "nats"), ExitCode.Unavailable],
    [new Error("x"), ExitCode.Failure],
    [new CommanderError(1, "commander.unknownOption", "x"), ExitCode.Usage],
  ])("maps %s", (error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });
});

#!/usr/bin/env node
import { ExitCode } from "./exit-codes.js";
import { run } from "./main.js";

run(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = ExitCode.Failure;
  },
);

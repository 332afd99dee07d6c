import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { onJsonLines } from "../../src/harness/server-process.js";
import { syntheticWebhook } from "../../src/harness/webhooks.js";
import { REPO } from "./system.js";

export const BIN = join(REPO, "dist/cli/bin.js");
export const haveBuild = existsSync(BIN);

/** One `aiops` process started from the build, with its JSON log lines collected. */
export interface AgentProcess {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Parsed JSON log lines so far. */
  lines(): Record<string, unknown>[];
  /** Resolves when /readyz answers 200. */
  ready(timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startAgent(
  name: string,
  command: string,
  port: number,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): AgentProcess {
  const child = spawn(process.execPath, [BIN, command, "--port", String(port), ...args], {
    // Agents without credentials in `env` run with auth explicitly off, as tests post unauthenticated.
    env: { ...process.env, ...(hasCredentials(env) ? {} : { AIOPS_AUTH_DISABLED: "true" }), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const parsed: Record<string, unknown>[] = [];
  let stderr = "";
  onJsonLines(child, (line) => parsed.push(line));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    name,
    port,
    child,
    lines: () => parsed,
    async ready(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null)
          throw new Error(`${name} exited (${child.exitCode}): ${stderr.slice(-2000)}`);
        const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
          .then((r) => r.status === 200)
          .catch(() => false);
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`${name} not ready: ${stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
}

/** A webhook with one firing alert on a workload of its own, so that each opens one incident. */
export function distinctWebhook(i: number, namespace = "demo"): Record<string, unknown> {
  return syntheticWebhook({ workload: String(i), fingerprint: distinctFingerprint(i), namespace });
}

/** The fingerprint `distinctWebhook(i)` carries. */
export function distinctFingerprint(i: number): string {
  return `f${String(i).padStart(15, "0")}`;
}

export async function postTo(port: number, body: unknown): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/alert`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

function hasCredentials(env: NodeJS.ProcessEnv): boolean {
  return ["AIOPS_WEBHOOK_TOKEN", "AIOPS_WEBHOOK_TOKEN_FILE", "AIOPS_BASIC_USERNAME"].some((k) => env[k]);
}

/** What one run of the built CLI printed, and its exit code (null when killed). */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `aiops` with `args` (environment: this one plus `env`); killed after `timeoutMs`. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 45_000): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

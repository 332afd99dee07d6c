/**
 * A server program started for a test: spawned with its output tail kept for the error
 * message, polled on a readiness URL until it answers 2xx, stopped with SIGTERM (SIGKILL
 * after 5 s) and its temp directory removed. Prometheus and Alertmanager start through it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

export interface ServerProcess {
  pid(): number | undefined;
  /** The last 4000 characters the program printed. */
  output(): string;
  dispose(): Promise<void>;
}

/** Keeps the last 4000 characters a child process prints on stdout and stderr, for error messages. */
export function outputTail(child: ChildProcess): () => string {
  let text = "";
  const add = (d: Buffer) => (text = (text + d.toString()).slice(-4000));
  child.stdout?.on("data", add);
  child.stderr?.on("data", add);
  return () => text;
}

/**
 * Calls `onLine` with every line a child prints on stdout that parses as a JSON object
 * (its structured log lines); other output is skipped.
 */
export function onJsonLines(child: ChildProcess, onLine: (line: Record<string, unknown>) => void): void {
  let buffer = "";
  child.stdout?.on("data", (d: Buffer) => {
    buffer += d.toString();
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (text.startsWith("{")) {
        try {
          onLine(JSON.parse(text) as Record<string, unknown>);
        } catch {
          // not a log line
        }
      }
      newline = buffer.indexOf("\n");
    }
  });
}

/** Stops a child process with `signal` (SIGKILL after 5 s); resolves once it has exited. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await done;
  clearTimeout(timer);
}

/**
 * The readiness loop of a spawned server: has it exited? → is it ready? → past the deadline?
 * → sleep `intervalMs`, until one of them ends it. Resolves how it ended; the caller turns
 * "exited" and "timeout" into its own error (and cleans up as it needs).
 */
export async function pollReady(options: {
  /** True once the process has exited (or failed to spawn): it will never be ready. */
  exited: () => boolean;
  ready: () => Promise<boolean>;
  timeoutMs: number;
  intervalMs: number;
}): Promise<"ready" | "exited" | "timeout"> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.exited()) return "exited";
    if (await options.ready()) return "ready";
    if (Date.now() > deadline) return "timeout";
    await new Promise((r) => setTimeout(r, options.intervalMs));
  }
}

export async function startServerProcess(options: {
  /** The program's name, for error messages. */
  name: string;
  command: string;
  args: string[];
  /** Polled until it answers 2xx. */
  readyUrl: string;
  /** Removed on dispose. */
  dir: string;
  readyTimeoutMs?: number;
}): Promise<ServerProcess> {
  const child: ChildProcess = spawn(options.command, options.args, { stdio: ["ignore", "pipe", "pipe"] });
  const output = outputTail(child);
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  let failed: Error | undefined;
  void spawnError.then((e) => (failed = e));
  const dispose = async (): Promise<void> => {
    if (failed === undefined) await stopChild(child);
    rmSync(options.dir, { recursive: true, force: true });
  };
  const outcome = await pollReady({
    exited: () => failed !== undefined || child.exitCode !== null,
    ready: () =>
      fetch(options.readyUrl).then(
        (r) => r.ok,
        () => false,
      ),
    timeoutMs: options.readyTimeoutMs ?? 20_000,
    intervalMs: 100,
  });
  if (outcome !== "ready") {
    await dispose();
    throw new Error(
      outcome === "exited"
        ? `${options.name} exited (${failed?.message ?? child.exitCode}): ${output()}`
        : `${options.name} not ready: ${output()}`,
    );
  }
  return { pid: () => child.pid, output, dispose };
}

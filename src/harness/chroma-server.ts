import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./nats-server.js";
import { outputTail, pollReady, stopChild } from "./server-process.js";

/**
 * A real Chroma server for tests and benchmarks (in src/ rather than test/ because the
 * benchmarks run from the build).
 *
 * The Chroma CLI of `chromadb@3.0.3`, installed as the alias devDependency `chroma-server`.
 * Its bundled server (Chroma 1.0) runs on glibc 2.36; newer bundles need 2.38. The path is
 * the package's own `dist/cli.mjs`, not `node_modules/.bin/chroma`, because the current
 * `chromadb` client package ships a `chroma` bin too and either may own that link.
 */
export const CHROMA_CLI = fileURLToPath(
  new URL("../../node_modules/chroma-server/dist/cli.mjs", import.meta.url),
);

export interface ChromaServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The server's process (the CLI runs the server in-process), while it runs. */
  pid(): number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and keeps its data. */
  stop(): Promise<void>;
  /** Starts it again after `stop()`, on the same port and data directory (an outage ends). */
  start(): Promise<void>;
  /** Stops it and deletes its data directory. */
  dispose(): Promise<void>;
}

async function heartbeat(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts a real Chroma server on a free loopback port with its own temporary data directory.
 * The CLI runs the server in-process (a native addon), so the spawned node process is the
 * server itself: killing its PID stops it (no npx or shell wrapper in between).
 * Rejects when the binary is missing or the server does not answer its heartbeat in time.
 */
export async function startChromaServer(options: { timeoutMs?: number } = {}): Promise<ChromaServer> {
  if (!existsSync(CHROMA_CLI)) {
    throw new Error(
      `Chroma CLI not found at ${CHROMA_CLI}; install it with npm install --no-save chroma-server@npm:chromadb@3.0.3 (as .ci/run does)`,
    );
  }
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "aiops-chroma-"));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  /** The server's process while it runs (not after `stop()`, nor after it exited on its own). */
  function running(): ChildProcess | undefined {
    return child?.exitCode === null && child.signalCode === null ? child : undefined;
  }

  /** Spawns the server on `port` and `dataDir` and waits for its heartbeat. */
  async function launch(): Promise<void> {
    const proc = spawn(
      process.execPath,
      [CHROMA_CLI, "run", "--path", dataDir, "--host", "127.0.0.1", "--port", String(port)],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ANONYMIZED_TELEMETRY: "False" } },
    );
    child = proc;
    const printed = outputTail(proc);
    let spawnError = "";
    const output = () => `${printed()}${spawnError}`;
    proc.once("error", (error) => (spawnError = `\n${String(error)}`));
    const outcome = await pollReady({
      exited: () => proc.exitCode !== null || proc.signalCode !== null,
      ready: () => heartbeat(url),
      timeoutMs: options.timeoutMs ?? 20_000,
      intervalMs: 100,
    });
    if (outcome === "exited") throw new Error(`chroma exited before serving: ${output().slice(-2000)}`);
    if (outcome === "timeout") {
      await stop();
      throw new Error(`chroma did not answer its heartbeat on ${url}: ${output().slice(-2000)}`);
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (proc) await stopChild(proc);
  }

  try {
    await launch();
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    port,
    dataDir,
    pid: () => running()?.pid,
    stop,
    async start() {
      if (!running()) await launch();
    },
    async dispose() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a server for a test file, or returns the reason it cannot run here, so the file can
 * `describe.skipIf(...)` with a clear message instead of failing.
 */
export async function tryStartChromaServer(): Promise<ChromaServer | { unavailable: string }> {
  try {
    return await startChromaServer();
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
}

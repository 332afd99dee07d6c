/**
 * Real servers for tests and benchmarks: a `nats-server -js` on a free loopback port with
 * its own store directory, so runs never share state (nats.js's own launcher does the
 * same). In src/ rather than test/ because the benchmarks run from the build.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopChild } from "./server-process.js";

/** A free TCP port on loopback (the OS picks it; a race with another process is unlikely). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect({ host: "127.0.0.1", port }, () => {
        socket.end();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** The running process, while it runs. */
  pid(): number | undefined;
  /** Stops the server (SIGTERM) and keeps its store, so `start()` brings the same streams back. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
  /** kill -9. */
  kill(): Promise<void>;
  /** Stops it and deletes the store. */
  dispose(): Promise<void>;
}

/** `nats-server --version`, e.g. "v2.9.10"; "unknown" when it cannot be run. */
export async function natsServerVersion(): Promise<string> {
  return new Promise((resolve) => {
    execFile("nats-server", ["--version"], (error, stdout) => {
      if (error) return resolve("unknown");
      const match = /v\d+\.\d+\.\d+\S*/.exec(stdout);
      resolve(match ? match[0] : stdout.trim());
    });
  });
}

/**
 * Starts a real `nats-server -js` on a free loopback port with its own store directory,
 * so that test runs never share state (nats.js's own launcher does the same).
 */
export async function startNatsServer(options: { args?: string[] } = {}): Promise<NatsServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), "aiops-nats-"));
  let child: ChildProcess | undefined;
  let output = "";

  async function start(): Promise<void> {
    const proc = spawn(
      "nats-server",
      ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir, ...(options.args ?? [])],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    // Only the tail is kept, for the error message of a server that exits.
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-4000));
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    const exited = new Promise<never>((_, reject) =>
      proc.once("exit", (code) => reject(new Error(`nats-server exited (${code}): ${output}`))),
    );
    exited.catch(() => undefined);
    try {
      await Promise.race([waitForPort(port), exited]);
    } catch (error) {
      await halt("SIGKILL");
      throw error;
    }
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    const proc = child;
    child = undefined;
    if (proc) await stopChild(proc, signal);
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    pid: () => child?.pid,
    stop: () => halt("SIGTERM"),
    start,
    kill: () => halt("SIGKILL"),
    async dispose() {
      await halt("SIGTERM");
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

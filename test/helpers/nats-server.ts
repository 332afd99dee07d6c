import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
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
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** Stops the server (SIGTERM) and keeps its store, so `start()` brings the same streams back. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
  /** kill -9. */
  kill(): Promise<void>;
  /** Stops it and deletes the store. */
  dispose(): Promise<void>;
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
    proc.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    proc.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<never>((_, reject) =>
      proc.once("exit", (code) => reject(new Error(`nats-server exited (${code}): ${output.slice(-2000)}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPort(port), exited]);
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const done = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill(signal);
    await done;
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop: () => halt("SIGTERM"),
    start,
    kill: () => halt("SIGKILL"),
    async dispose() {
      await halt("SIGTERM");
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

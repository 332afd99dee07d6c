/**
 * A throwaway `nats-server -js` for the benchmarks: free loopback port, its own store
 * directory, stopped and deleted afterwards. (test/helpers has a fuller one; test/ is not
 * part of the build.)
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free TCP port on 127.0.0.1 (the OS picks it). */
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

export interface BenchNatsServer {
  readonly url: string;
  readonly pid: number | undefined;
  /** Stops the server and deletes its store. Idempotent. */
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

export async function startNatsServer(): Promise<BenchNatsServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), "aiops-bench-nats-"));
  const proc = spawn("nats-server", ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  proc.stderr?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const exited = new Promise<never>((_, reject) =>
    proc.once("exit", (code) => reject(new Error(`nats-server exited (${code}): ${output}`))),
  );
  exited.catch(() => undefined);
  let disposed: Promise<void> | undefined;
  const dispose = (): Promise<void> =>
    (disposed ??= (async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const done = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
        proc.kill("SIGTERM");
        await Promise.race([done, new Promise((r) => setTimeout(r, 5_000))]);
        if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      }
      rmSync(storeDir, { recursive: true, force: true });
    })());
  try {
    await Promise.race([waitForPort(port), exited]);
  } catch (error) {
    await dispose();
    throw error;
  }
  return { url: `nats://127.0.0.1:${port}`, pid: proc.pid, dispose };
}

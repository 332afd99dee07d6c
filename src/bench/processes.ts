/**
 * What the multi-process benchmarks (ingest.ts, soak.ts) share: the aiops agents and the
 * ceiling servers as child processes on loopback, every child tracked so that one call
 * stops them all whatever happens, and a paced webhook sender.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { freePort } from "../harness/nats-server.js";
import { onJsonLines, outputTail, pollReady, stopChild } from "../harness/server-process.js";
import { syntheticWebhook } from "../harness/webhooks.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "dist/cli/bin.js");
const SERVERS = join(ROOT, "dist/bench/servers.js");
const SNAPSHOT = join(ROOT, "examples/demo/cluster.json");

/** Every child process of the run, killed at the end whatever happens. */
const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** Stops every tracked child (SIGTERM, SIGKILL after 5 s). */
export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
}

export async function waitReady(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs = 30_000,
): Promise<void> {
  const outcome = await pollReady({
    exited: () => child.exitCode !== null,
    ready: () =>
      fetch(url)
        .then(async (r) => {
          await r.arrayBuffer();
          return r.status === 200;
        })
        .catch(() => false),
    timeoutMs,
    intervalMs: 50,
  });
  if (outcome === "exited") throw new Error(`process exited (${child.exitCode}): ${output()}`);
  if (outcome === "timeout") throw new Error(`not ready at ${url}: ${output()}`);
}

/** A ceiling server (servers.ts) in a child process; resolves once it printed "ready". */
export async function startCeiling(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = track(
    spawn(process.execPath, [SERVERS, args[0]!, String(port), ...args.slice(1)], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const output = outputTail(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ceiling server not ready: ${output()}`)), 15_000);
    child.stdout?.on("data", (d: Buffer) => {
      if (/^ready$/m.test(d.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`ceiling server exited (${code}): ${output()}`));
    });
  });
  return { port, child };
}

/** The environment giving an aiops process a stream, subjects and KV bucket of its own. */
export function natsEnv(url: string, tag: string, logLevel: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NATS_URL: url,
    AIOPS_BUS: "nats",
    AIOPS_NATS_STREAM: `BENCH_${tag.toUpperCase()}`,
    AIOPS_KV_BUCKET: `bench_${tag}`,
    AIOPS_SUBJECT_ALERTS: `${tag}.alerts`,
    AIOPS_SUBJECT_INCIDENTS: `${tag}.incidents`,
    AIOPS_SUBJECT_DIAGNOSES: `${tag}.diagnoses`,
    AIOPS_SUBJECT_REMEDIATIONS: `${tag}.remediations`,
    AIOPS_SUBJECT_NOTIFICATIONS: `${tag}.notifications`,
    AIOPS_SUBJECT_DEAD_LETTER: `${tag}.deadletter`,
    AIOPS_LOG_LEVEL: logLevel,
    // The load generator posts without credentials; the bench measures the pipeline, not auth.
    AIOPS_AUTH_DISABLED: "true",
  };
}

export interface AiopsProcess {
  port: number;
  child: ChildProcess;
  /** Parsed JSON log lines kept by `keep`, as they arrive. */
  lines: Record<string, unknown>[];
  output: () => string;
}

/** `aiops <command>` on loopback (the collector with the demo snapshot as its cluster). */
export function startAiops(
  command: string,
  port: number,
  env: NodeJS.ProcessEnv,
  keep: (line: Record<string, unknown>) => boolean = () => false,
  nodeArgs: string[] = [],
): AiopsProcess {
  const args = [...nodeArgs, BIN, command, "--host", "127.0.0.1", "--port", String(port)];
  if (command === "collector") args.push("--snapshot", SNAPSHOT);
  const child = track(spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] }));
  const output = outputTail(child);
  const lines: Record<string, unknown>[] = [];
  onJsonLines(child, (line) => {
    if (keep(line)) lines.push(line);
  });
  return { port, child, lines, output };
}

/** A webhook of its own per request; `run` keeps fingerprints distinct across runs. */
export function webhookBody(run: string, i: number): string {
  return JSON.stringify(syntheticWebhook({ workload: `${run}${i}`, fingerprint: fingerprintOf(run, i) }));
}

/** The same alert as `webhookBody(run, i)`, now resolved: it closes the incident that one opened. */
export function resolvedWebhookBody(run: string, i: number, endsAt: Date): string {
  return JSON.stringify(
    syntheticWebhook({ workload: `${run}${i}`, fingerprint: fingerprintOf(run, i), resolvedAt: endsAt }),
  );
}

export function fingerprintOf(run: string, i: number): string {
  return `${run}${String(i).padStart(12, "0")}`;
}

/** CPU seconds a process has used so far (Linux /proc; undefined elsewhere). */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (USER_HZ, 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** VmRSS of a process from /proc, in MiB (NaN when unreadable). */
export function processRssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export async function sleepUntil(t: number): Promise<void> {
  const wait = t - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

/** Posts one webhook; resolves with its status and the wall-clock time the answer arrived. */
export async function post(port: number, body: string): Promise<{ status: number; at: number; ms: number }> {
  const started = performance.now();
  try {
    const response = await fetch(`http://127.0.0.1:${port}/alert`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    await response.arrayBuffer();
    return { status: response.status, at: Date.now(), ms: performance.now() - started };
  } catch {
    return { status: 0, at: Date.now(), ms: performance.now() - started };
  }
}

/** SIGKILLs every tracked child at once: for `process.on("exit")`, where nothing can be awaited. */
export function killAllNow(): void {
  for (const child of children) child.kill("SIGKILL");
}

/**
 * A real Prometheus for tests (Debian's `prometheus`): a free loopback port, a temporary
 * TSDB, a 1 s scrape interval. Also the place issue-8 style tests add rule files and an
 * Alertmanager. `--rules.alert.resend-delay=1s` and `--web.external-url` as
 * ../shared/fixtures/alertmanager/README.md advises.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "./nats-server.js";

export interface PrometheusServer {
  readonly url: string;
  readonly port: number;
  pid(): number | undefined;
  dispose(): Promise<void>;
}

export interface PrometheusOptions {
  /** host:port targets scraped every `scrapeIntervalS` under job "test". */
  targets: string[];
  scrapeIntervalS?: number;
  /** Rule files' contents (YAML), written beside the config. */
  rules?: string[];
  /** Alertmanager host:port targets. */
  alertmanagers?: string[];
  evaluationIntervalS?: number;
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "aiops-prometheus-"));
  const interval = `${options.scrapeIntervalS ?? 1}s`;
  const ruleFiles = (options.rules ?? []).map((content, i) => {
    const file = join(dir, `rules-${i}.yml`);
    writeFileSync(file, content);
    return file;
  });
  const config = {
    global: { scrape_interval: interval, evaluation_interval: `${options.evaluationIntervalS ?? 1}s` },
    scrape_configs: [{ job_name: "test", static_configs: [{ targets: options.targets }] }],
    ...(ruleFiles.length > 0 ? { rule_files: ruleFiles } : {}),
    ...(options.alertmanagers?.length
      ? { alerting: { alertmanagers: [{ static_configs: [{ targets: options.alertmanagers }] }] } }
      : {}),
  };
  const configFile = join(dir, "prometheus.yml");
  writeFileSync(configFile, stringify(config));
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}/`,
      "--rules.alert.resend-delay=1s",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-4000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const dispose = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await done;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await dispose();
      throw new Error(`prometheus exited (${child.exitCode}): ${output}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await dispose();
      throw new Error(`prometheus not ready: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, pid: () => child.pid, dispose };
}

/** Waits until `query` returns at least one series (the first scrapes have landed). */
export async function waitForSeries(url: string, query: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)
      .then((r) => r.json() as Promise<{ data?: { result?: unknown[] } }>)
      .catch(() => undefined);
    if ((body?.data?.result?.length ?? 0) > 0) return;
    if (Date.now() > deadline) throw new Error(`no series for ${query} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

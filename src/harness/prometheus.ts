/**
 * A real Prometheus for tests (Debian's `prometheus`): a free loopback port, a temporary
 * TSDB, a 1 s scrape interval. Also the place issue-8 style tests add rule files and an
 * Alertmanager. `--rules.alert.resend-delay=1s` and `--web.external-url` as
 * ../shared/fixtures/alertmanager/README.md advises.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "./nats-server.js";
import { startServerProcess } from "./server-process.js";

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
  const server = await startServerProcess({
    name: "prometheus",
    command: "prometheus",
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}/`,
      "--rules.alert.resend-delay=1s",
    ],
    readyUrl: `${url}/-/ready`,
    dir,
  });
  return { url, port, pid: server.pid, dispose: server.dispose };
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

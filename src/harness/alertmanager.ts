/**
 * A real Alertmanager for tests (Debian's `prometheus-alertmanager`): a free loopback
 * port, a temporary storage directory, clustering off (`--cluster.listen-address=` empty,
 * or it binds 0.0.0.0:9094) and `--web.external-url` set, as
 * ../shared/fixtures/alertmanager/README.md advises. The configuration is the caller's
 * YAML (deploy/alertmanager/ rendered for the test's receiver URL and token).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./nats-server.js";
import { startServerProcess } from "./server-process.js";

export interface AlertmanagerServer {
  readonly url: string;
  readonly port: number;
  /** host:port, as Prometheus' `alerting.alertmanagers` targets name it. */
  readonly target: string;
  pid(): number | undefined;
  dispose(): Promise<void>;
}

export async function startAlertmanager(options: {
  /** alertmanager.yml's contents, or a function of the temp dir the `files` are written to. */
  config: string | ((dir: string) => string);
  /** Other files the configuration names (a token file), written into the temp dir: name → contents. */
  files?: Record<string, string>;
}): Promise<AlertmanagerServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "aiops-alertmanager-"));
  for (const [name, content] of Object.entries(options.files ?? {})) {
    writeFileSync(join(dir, name), content, { mode: 0o600 });
  }
  const configFile = join(dir, "alertmanager.yml");
  writeFileSync(configFile, typeof options.config === "string" ? options.config : options.config(dir));
  const url = `http://127.0.0.1:${port}`;
  const server = await startServerProcess({
    name: "alertmanager",
    command: "prometheus-alertmanager",
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}/`,
      "--cluster.listen-address=",
    ],
    readyUrl: `${url}/-/ready`,
    dir,
  });
  return { url, port, target: `127.0.0.1:${port}`, pid: server.pid, dispose: server.dispose };
}

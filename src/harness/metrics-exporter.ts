/**
 * A test exporter serving kube-state-metrics and cAdvisor style series in the Prometheus
 * text format, for a real Prometheus to scrape. A series' value is a number or a function
 * of the seconds since the exporter started (a counter growing at a steady rate), and
 * `set` replaces the series (a failure that stops being reported).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ExportedSeries {
  name: string;
  labels?: Record<string, string>;
  value: number | ((elapsedSeconds: number) => number);
  type?: "counter" | "gauge";
  help?: string;
}

export interface MetricsExporter {
  readonly target: string;
  readonly port: number;
  set(series: ExportedSeries[]): void;
  close(): Promise<void>;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function exposition(series: readonly ExportedSeries[], elapsedSeconds: number): string {
  const lines: string[] = [];
  const typed = new Set<string>();
  for (const s of series) {
    if (!typed.has(s.name)) {
      typed.add(s.name);
      lines.push(`# HELP ${s.name} ${s.help ?? s.name}`, `# TYPE ${s.name} ${s.type ?? "gauge"}`);
    }
    const labels = Object.entries(s.labels ?? {})
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(",");
    const value = typeof s.value === "function" ? s.value(elapsedSeconds) : s.value;
    lines.push(`${s.name}${labels ? `{${labels}}` : ""} ${value}`);
  }
  return `${lines.join("\n")}\n`;
}

export async function startMetricsExporter(initial: ExportedSeries[]): Promise<MetricsExporter> {
  let series = initial;
  const started = Date.now();
  const server: Server = createServer((request, response) => {
    if (request.url !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    response.end(exposition(series, (Date.now() - started) / 1000));
  });
  // Port 0: the OS picks a free one, with no window for another process to take it.
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: `127.0.0.1:${port}`,
    port,
    set(next) {
      series = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

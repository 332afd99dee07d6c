/**
 * Benchmark scenarios as inputs of a running system: the webhook to post and the cluster,
 * logs and metrics a snapshot serves, and the same incident moved elsewhere (another
 * namespace and app), which a memory should find similar.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import type { KubeObject, LogRecord, MetricRecord } from "../../src/context/context-source.js";
import { SnapshotContextSource } from "../../src/context/snapshot/snapshot-context-source.js";

export interface ScenarioInput {
  webhook: { alerts: { labels: Record<string, string> }[] };
  cluster: { items: KubeObject[] };
  logs?: LogRecord[];
  metrics?: MetricRecord[];
}

export function loadScenario(file: string): ScenarioInput {
  const { webhook, cluster, logs, metrics } = JSON.parse(readFileSync(file, "utf8")) as ScenarioInput;
  return { webhook, cluster, logs, metrics };
}

/** The alerted namespace and app (the pod name without its generated suffixes). */
export function whereAlerted(input: ScenarioInput): { namespace: string; app: string } {
  const labels = input.webhook.alerts[0]?.labels ?? {};
  return {
    namespace: labels.namespace as string,
    app: (labels.pod as string).replace(/-[a-z0-9]+-[a-z0-9]+$/, ""),
  };
}

/** The same incident elsewhere: every occurrence of the namespace and app renamed, fingerprints of its own. */
export function relocate(input: ScenarioInput, to: { namespace: string; app: string }): ScenarioInput {
  const from = whereAlerted(input);
  let text = JSON.stringify(input);
  text = text.split(`"${from.namespace}"`).join(`"${to.namespace}"`);
  text = text.split(`${from.namespace}/`).join(`${to.namespace}/`);
  text = text.split(from.app).join(to.app);
  text = text.replace(
    /"fingerprint":"([0-9a-f]+)"/g,
    (_m, fp: string) =>
      `"fingerprint":"${createHash("sha256").update(`${fp}/${to.namespace}/${to.app}`).digest("hex").slice(0, fp.length)}"`,
  );
  text = text.replace(/2026-0\d-\d\dT/g, "2026-10-07T");
  return JSON.parse(text) as ScenarioInput;
}

function combined(inputs: readonly ScenarioInput[]) {
  return {
    objects: inputs.flatMap((s) => s.cluster.items),
    logs: inputs.flatMap((s) => s.logs ?? []),
    metrics: inputs.flatMap((s) => s.metrics ?? []),
  };
}

/** One cluster holding every scenario's objects, logs and metrics. */
export function snapshotOf(inputs: readonly ScenarioInput[]): SnapshotContextSource {
  return new SnapshotContextSource(combined(inputs));
}

/** The same cluster as a snapshot file for `--snapshot`. */
export function writeSnapshotFile(inputs: readonly ScenarioInput[], path: string): string {
  const { objects, logs, metrics } = combined(inputs);
  writeFileSync(
    path,
    JSON.stringify({ cluster: { apiVersion: "v1", kind: "List", items: objects }, logs, metrics }),
  );
  return path;
}

import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError } from "../../core/errors.js";
import type { KubeObject, LogRecord, MetricRecord } from "../context-source.js";
import { SnapshotContextSource } from "./snapshot-context-source.js";
import { isRecord } from "../../core/json.js";
import { issuePath, logSchema, metricSchema } from "./scenario.js";

/**
 * Reads a snapshot file for `context.kind: snapshot`: either a scenario-shaped file
 * (`cluster`, optional `logs` and `metrics`; a `webhook` or `expected` in it is ignored)
 * or a bare `kubectl get ... -o json` List. Problems are configuration errors, reported
 * at start with the file's name.
 */
export function loadSnapshotFile(path: string): SnapshotContextSource {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`cannot read snapshot ${path}: ${(error as Error).message}`);
  }
  if (!isRecord(data)) throw new ConfigError(`snapshot ${path} must be a JSON object`);
  const list = isRecord(data.cluster) ? data.cluster : data;
  if (!Array.isArray(list.items)) {
    throw new ConfigError(`snapshot ${path}: expected a v1 List (items) or a "cluster" List`);
  }
  const bad = list.items.findIndex(
    (o) => !isRecord(o) || typeof o.kind !== "string" || !isRecord(o.metadata),
  );
  if (bad >= 0) throw new ConfigError(`snapshot ${path}: items[${bad}] is not a Kubernetes object`);
  // Checked here: a malformed record would otherwise fail every incident's collection.
  const logs: LogRecord[] = checked(z.array(logSchema).nullish(), data.logs, "logs", path) ?? [];
  const metrics = (checked(z.array(metricSchema).nullish(), data.metrics, "metrics", path) ??
    []) as MetricRecord[];
  return new SnapshotContextSource({ objects: list.items as KubeObject[], logs, metrics });
}

function checked<S extends z.ZodType>(schema: S, value: unknown, key: string, path: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issuePath([key, ...(issue?.path ?? [])]);
  throw new ConfigError(`snapshot ${path}: ${where}: ${issue?.message ?? "invalid"}`);
}

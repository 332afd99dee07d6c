import { readFile, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { z } from "zod";
import { webhookPayloadSchema, type WebhookPayload } from "../../core/alertmanager.js";
import { InputError, NotFoundError } from "../../core/errors.js";
import type { KubeObject, LogRecord, MetricRecord } from "../context-source.js";

/**
 * Benchmark scenario files (../shared/benchmarks/rca/README.md): one incident as a
 * cluster shows it, plus the expected diagnosis. The loader keeps `expected` apart from
 * `input`, so the pipeline can be handed `input` alone and never see the answer.
 */

/** A scenario file may not be larger than this; real ones are well under 1 MiB. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

const kubeObjectSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().min(1),
  metadata: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().optional(),
  }),
});

const clusterSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  items: z.array(kubeObjectSchema),
});

export const logSchema = z.object({
  namespace: z.string().min(1),
  pod: z.string().min(1),
  container: z.string().min(1),
  previous: z.boolean().default(false),
  text: z.string(),
});

const sampleSchema = z.tuple([z.number(), z.string()]);

export const metricSchema = z.object({
  query: z.string().min(1),
  result: z.object({
    resultType: z.string().min(1),
    result: z.array(
      z.looseObject({
        metric: z.record(z.string(), z.string()).default({}),
        value: sampleSchema.optional(),
        values: z.array(sampleSchema).optional(),
      }),
    ),
  }),
});

const targetSchema = z.looseObject({
  kind: z.string().min(1),
  namespace: z.string().optional(),
  name: z.string().min(1),
  container: z.string().optional(),
});

const expectedSchema = z.looseObject({
  category: z.string().min(1),
  remediation: z.looseObject({
    action: z.string().min(1),
    target: targetSchema.optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  }),
});

const scenarioSchema = z.looseObject({
  id: z.string().min(1).optional(),
  title: z.string().optional(),
  webhook: webhookPayloadSchema,
  cluster: clusterSchema,
  logs: z.array(logSchema).nullish(),
  metrics: z.array(metricSchema).nullish(),
  expected: expectedSchema.optional(),
});

export type ScenarioExpected = z.infer<typeof expectedSchema>;

/** What the system under test may see. */
export interface ScenarioInput {
  webhook: WebhookPayload;
  cluster: { items: KubeObject[] };
  logs: LogRecord[];
  metrics: MetricRecord[];
}

export interface Scenario {
  id: string;
  title?: string;
  /** Where the scenario was read from, for messages. */
  source: string;
  input: ScenarioInput;
  /** For scoring only; never pass it to the pipeline. */
  expected?: ScenarioExpected;
}

/** A zod issue's path as `logs[0].namespace`. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || "(root)";
}

/** Validates parsed JSON as a scenario. `source` names the file in error messages. */
export function parseScenario(data: unknown, source: string): Scenario {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new InputError(`${source}: a scenario must be a JSON object`, "(root)");
  }
  const result = scenarioSchema.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: issuePath(i.path), message: i.message }));
    const first = issues[0] ?? { path: "(root)", message: "invalid" };
    throw new InputError(`${source}: ${first.path}: ${first.message}`, first.path, issues);
  }
  const s = result.data;
  const fallbackId = basename(source).replace(/\.json$/i, "");
  const scenario: Scenario = {
    id: s.id ?? fallbackId,
    source,
    input: {
      webhook: s.webhook,
      cluster: { items: s.cluster.items as KubeObject[] },
      logs: s.logs ?? [],
      metrics: (s.metrics ?? []) as MetricRecord[],
    },
  };
  if (s.title !== undefined) scenario.title = s.title;
  if (s.expected !== undefined) scenario.expected = s.expected;
  return scenario;
}

/** Reads and validates one scenario file. Truncated or wrong-shaped files throw InputError. */
export async function loadScenario(path: string): Promise<Scenario> {
  const info = await stat(path);
  if (info.size > MAX_FILE_BYTES) {
    throw new InputError(`${path}: file is larger than ${MAX_FILE_BYTES} bytes`, "(file)");
  }
  const text = await readFile(path, "utf8");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`${path}: not valid JSON (truncated?): ${reason}`, "(file)");
  }
  return parseScenario(data, path);
}

/** Loads every `*.json` scenario of a folder, sorted by file name; other files are ignored. */
export async function loadScenarioDir(dir: string): Promise<Scenario[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new NotFoundError(`no such directory: ${dir}`);
    if (code === "ENOTDIR") throw new InputError(`${dir} is not a directory of scenario files`, "(dir)");
    throw error;
  }
  const files = entries
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith(".json"))
    .map((e) => e.name)
    .sort();
  // An evaluation of nothing passes nothing: almost surely the wrong folder.
  if (files.length === 0) throw new InputError(`no scenario files (*.json) in ${dir}`, "(dir)");
  const scenarios: Scenario[] = [];
  for (const file of files) scenarios.push(await loadScenario(join(dir, file)));
  return scenarios;
}

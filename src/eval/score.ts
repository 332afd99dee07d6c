/**
 * Scores one scenario's outcome against its `expected` block, exactly as the RCA
 * benchmark README describes (Scoring, How bounds are set). Pure: the scenario's
 * cluster is consulted only through the optional revision lookup, so rollbacks
 * named by image or by revision compare equal.
 */
import { parseBytes, parseCpu } from "../core/quantity.js";
import { isRecord } from "../core/json.js";

export interface ScoredTarget {
  kind: string;
  namespace?: string;
  name: string;
  container?: string;
}

export interface ExpectedOutcome {
  category: string;
  remediation: { action: string; target: ScoredTarget; params?: Record<string, unknown> };
}

export interface ActualOutcome {
  category: string;
  confidence?: number;
  remediation: { action: string; target: ScoredTarget; params?: Record<string, unknown> };
}

export interface ScenarioScore {
  passed: boolean;
  failures: string[];
  categoryCorrect: boolean;
  actionCorrect: boolean;
  targetCorrect: boolean;
  paramsCorrect: boolean;
}

export interface ScoreOptions {
  /**
   * The images a revision's pod template runs (container name → image), so that a
   * rollback named by image matches one named by revision and vice versa.
   */
  resolveRevisionImages?: (revision: number) => Record<string, string> | undefined;
}

/** Bounded quantities per param name: how to parse them before comparing. */
const QUANTITY_PARSERS: Record<string, (s: string) => number> = {
  memory: parseBytes,
  storage: parseBytes,
  cpu: parseCpu,
};

const PROBE_FIELDS = [
  "initialDelaySeconds",
  "timeoutSeconds",
  "failureThreshold",
  "periodSeconds",
  "successThreshold",
  "terminationGracePeriodSeconds",
] as const;

function isBounds(v: unknown): v is { min?: unknown; max?: unknown } {
  return isRecord(v) && ("min" in v || "max" in v);
}

/** Parses a param value to a number; quantities by their Kubernetes unit. */
function toNumber(name: string, v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v !== "string" || v.trim() === "") return undefined;
  const parser = QUANTITY_PARSERS[name];
  try {
    const n = parser ? parser(v) : Number(v);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Relative tolerance so that "0.3125" vs "312.5m" or Gi/Mi rounding compare equal. */
const EPS = 1e-9;

/** Whether `actual` satisfies `expected` (bounds `{min,max}` or an exact value). */
export function paramMatches(name: string, expected: unknown, actual: unknown): boolean {
  if (actual === undefined || actual === null) return false;
  if (isBounds(expected)) {
    const a = toNumber(name, actual);
    if (a === undefined) return false;
    if (expected.min !== undefined) {
      const min = toNumber(name, expected.min);
      if (min === undefined || a < min * (1 - EPS)) return false;
    }
    if (expected.max !== undefined) {
      const max = toNumber(name, expected.max);
      if (max === undefined || a > max * (1 + EPS)) return false;
    }
    return true;
  }
  if (typeof expected === "number" || name in QUANTITY_PARSERS) {
    const e = toNumber(name, expected);
    const a = toNumber(name, actual);
    return e !== undefined && a !== undefined && Math.abs(a - e) <= Math.abs(e) * EPS;
  }
  return String(expected) === String(actual);
}

function imagesOf(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  if (isRecord(v)) return Object.values(v).filter((x): x is string => typeof x === "string");
  return [];
}

function revisionOf(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^\d+$/.test(v.trim())) return Number(v);
  return undefined;
}

/**
 * A rollback is correct when it names the expected revision, or the image(s) that
 * revision's pod template runs. Either side may name either.
 */
function rollbackMatches(
  expected: Record<string, unknown>,
  actual: Record<string, unknown>,
  options: ScoreOptions,
): string | undefined {
  const expRev = revisionOf(expected["revision"]);
  const actRev = revisionOf(actual["revision"]);
  const actImages = imagesOf(actual["image"] ?? actual["images"]);
  const resolve = options.resolveRevisionImages;

  // The images the expected revision runs: given directly, or looked up.
  let expImages = imagesOf(expected["image"] ?? expected["images"]);
  if (expImages.length === 0 && expRev !== undefined && resolve) {
    expImages = Object.values(resolve(expRev) ?? {});
  }
  if (expRev !== undefined && actRev !== undefined) {
    return actRev === expRev ? undefined : `rollback revision ${actRev}, expected ${expRev}`;
  }
  if (actImages.length > 0 && expImages.length > 0) {
    const ok = actImages.every((img) => expImages.includes(img));
    return ok ? undefined : `rollback image ${actImages.join(",")}, expected ${expImages.join(",")}`;
  }
  if (actRev !== undefined && expImages.length > 0 && resolve) {
    const actRevImages = Object.values(resolve(actRev) ?? {});
    const ok = expImages.every((img) => actRevImages.includes(img));
    return ok ? undefined : `rollback revision ${actRev} does not run ${expImages.join(",")}`;
  }
  if (actRev === undefined && actImages.length === 0) return "rollback names neither revision nor image";
  return `rollback cannot be compared (expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)})`;
}

/** adjust_probe: the expected probe, at least one bounded field set, every set bounded field within bounds. */
function probeMatches(expected: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  const failures: string[] = [];
  if (expected["probe"] !== undefined && expected["probe"] !== actual["probe"]) {
    failures.push(`probe ${String(actual["probe"])}, expected ${String(expected["probe"])}`);
  }
  const bounded = Object.keys(expected).filter((k) => k !== "probe");
  const set = bounded.filter((k) => actual[k] !== undefined && actual[k] !== null);
  if (bounded.length > 0 && set.length === 0) {
    failures.push(`sets none of the bounded fields ${bounded.join(", ")}`);
  }
  for (const k of set) {
    if (!paramMatches(k, expected[k], actual[k])) {
      failures.push(`${k}=${JSON.stringify(actual[k])} outside ${JSON.stringify(expected[k])}`);
    }
  }
  // Fields outside PROBE_FIELDS are not timing fields: adjust_probe must not touch path or port.
  for (const k of Object.keys(actual)) {
    if (k === "probe") continue;
    if (!(PROBE_FIELDS as readonly string[]).includes(k))
      failures.push(`adjust_probe sets non-timing field ${k}`);
  }
  return failures;
}

export function scoreScenario(
  expected: ExpectedOutcome,
  actual: ActualOutcome,
  options: ScoreOptions = {},
): ScenarioScore {
  const failures: string[] = [];
  const categoryCorrect = actual.category === expected.category;
  if (!categoryCorrect) failures.push(`category ${actual.category}, expected ${expected.category}`);
  const exp = expected.remediation;
  const act = actual.remediation;
  const actionCorrect = act.action === exp.action;
  if (!actionCorrect) failures.push(`action ${act.action}, expected ${exp.action}`);

  // manual and unknown: only category and action are scored.
  const scoresDetail = exp.action !== "manual" && expected.category !== "unknown";
  let targetCorrect = true;
  let paramsCorrect = true;
  if (scoresDetail) {
    const t = act.target;
    const e = exp.target;
    const targetFailures: string[] = [];
    if (t.kind !== e.kind) targetFailures.push(`kind ${t.kind}, expected ${e.kind}`);
    if (e.namespace !== undefined && t.namespace !== e.namespace) {
      targetFailures.push(`namespace ${String(t.namespace)}, expected ${e.namespace}`);
    }
    if (t.name !== e.name) targetFailures.push(`name ${t.name}, expected ${e.name}`);
    if (e.container !== undefined && t.container !== e.container) {
      targetFailures.push(`container ${String(t.container)}, expected ${e.container}`);
    }
    targetCorrect = targetFailures.length === 0;
    failures.push(...targetFailures.map((f) => `target ${f}`));

    if (actionCorrect) {
      const ep = exp.params ?? {};
      const ap = act.params ?? {};
      const paramFailures: string[] = [];
      if (exp.action === "rollback") {
        const f = rollbackMatches(ep, ap, options);
        if (f) paramFailures.push(f);
      } else if (exp.action === "adjust_probe") {
        paramFailures.push(...probeMatches(ep, ap));
      } else {
        for (const [k, v] of Object.entries(ep)) {
          if (!paramMatches(k, v, ap[k]))
            paramFailures.push(`${k}=${JSON.stringify(ap[k])} outside ${JSON.stringify(v)}`);
        }
      }
      paramsCorrect = paramFailures.length === 0;
      failures.push(...paramFailures.map((f) => `params ${f}`));
    } else {
      paramsCorrect = false;
    }
  }
  return {
    passed: categoryCorrect && actionCorrect && targetCorrect && paramsCorrect,
    failures,
    categoryCorrect,
    actionCorrect,
    targetCorrect,
    paramsCorrect,
  };
}

/** A v1 List as a scenario's `cluster` holds it (only what the lookup reads). */
interface ClusterList {
  items: {
    kind: string;
    metadata: {
      name: string;
      namespace?: string;
      annotations?: Record<string, string>;
      ownerReferences?: { kind: string; name: string }[];
    };
    spec?: unknown;
    revision?: unknown;
    data?: unknown;
  }[];
}

function containerImages(podSpec: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(podSpec)) return out;
  const containers = podSpec["containers"];
  if (!Array.isArray(containers)) return out;
  for (const c of containers) {
    if (isRecord(c) && typeof c["name"] === "string" && typeof c["image"] === "string")
      out[c["name"]] = c["image"];
  }
  return out;
}

/**
 * Builds a revision → images lookup from a scenario's cluster for one workload:
 * the ReplicaSets a Deployment owns (deployment.kubernetes.io/revision) or the
 * ControllerRevisions of a StatefulSet/DaemonSet.
 */
export function revisionImagesFromCluster(
  cluster: ClusterList,
  workload: { kind: string; namespace?: string; name: string },
): (revision: number) => Record<string, string> | undefined {
  return (revision: number) => {
    for (const item of cluster.items) {
      const md = item.metadata;
      if (
        workload.namespace !== undefined &&
        md.namespace !== undefined &&
        md.namespace !== workload.namespace
      )
        continue;
      const owned = (md.ownerReferences ?? []).some(
        (o) => o.kind === workload.kind && o.name === workload.name,
      );
      if (!owned) continue;
      if (
        item.kind === "ReplicaSet" &&
        md.annotations?.["deployment.kubernetes.io/revision"] === String(revision)
      ) {
        const spec = item.spec;
        const template = isRecord(spec) ? spec["template"] : undefined;
        return containerImages(isRecord(template) ? template["spec"] : undefined);
      }
      if (item.kind === "ControllerRevision" && revisionOf(item.revision) === revision) {
        const data = item.data;
        const spec = isRecord(data) ? data["spec"] : undefined;
        const template = isRecord(spec) ? spec["template"] : undefined;
        return containerImages(isRecord(template) ? template["spec"] : undefined);
      }
    }
    return undefined;
  };
}

export interface ScoredResult {
  expectedCategory: string;
  score: ScenarioScore;
  ms: number;
}

export interface ScoreSummary {
  scenarios: number;
  passed: number;
  passRate: number;
  /** Per expected category: the share of its scenarios whose category was right. */
  categoryAccuracy: Record<string, number>;
  msPerScenario: { p50: number; max: number };
}

function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

/** Nearest-rank median: an observed value, never an interpolation. */
function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? 0;
}

export function summarise(results: readonly ScoredResult[]): ScoreSummary {
  const passed = results.filter((r) => r.score.passed).length;
  const byCategory = new Map<string, { n: number; ok: number }>();
  for (const r of results) {
    const c = byCategory.get(r.expectedCategory) ?? { n: 0, ok: 0 };
    c.n += 1;
    if (r.score.categoryCorrect) c.ok += 1;
    byCategory.set(r.expectedCategory, c);
  }
  const categoryAccuracy: Record<string, number> = {};
  for (const [k, v] of [...byCategory.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    categoryAccuracy[k] = round4(v.ok / v.n);
  }
  const ms = results.map((r) => r.ms);
  return {
    scenarios: results.length,
    passed,
    passRate: results.length === 0 ? 0 : round4(passed / results.length),
    categoryAccuracy,
    msPerScenario: { p50: median(ms), max: ms.length === 0 ? 0 : Math.max(...ms) },
  };
}

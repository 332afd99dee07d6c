/**
 * The soak's arithmetic, apart from its processes so that it can be tested: reading a
 * Prometheus text exposition, the least-squares slope of memory over time, and the
 * growth verdict.
 */

/** One sample line of a Prometheus text exposition. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a text exposition (comments and malformed lines skipped). */
export function parsePromText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? "").matchAll(LABEL)) labels[label[1]!] = label[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `where` (NaN when there is none). */
export function metricSum(
  samples: readonly PromSample[],
  name: string,
  where: Record<string, string> = {},
): number {
  let sum = 0;
  let found = false;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (!Object.entries(where).every(([k, v]) => s.labels[k] === v)) continue;
    sum += s.value;
    found = true;
  }
  return found ? sum : Number.NaN;
}

/** Least-squares slope of y over x (NaN with fewer than two distinct x). Non-finite points are skipped. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const finite = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const n = finite.length;
  if (n < 2) return Number.NaN;
  const meanX = finite.reduce((a, p) => a + p.x, 0) / n;
  const meanY = finite.reduce((a, p) => a + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of finite) {
    sxy += (p.x - meanX) * (p.y - meanY);
    sxx += (p.x - meanX) ** 2;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

/**
 * Growth beyond this share of the warm RSS per 10 minutes is called growth. 5 % per
 * 10 min doubles a process in about 3.5 hours, which a pod's memory limit would meet
 * within a day; below it, an 18-minute fit of a garbage-collected heap cannot tell a
 * slow leak from the sawtooth of the collector (the baseline's slope in the same run
 * shows that noise floor).
 */
export const GROWTH_THRESHOLD = 0.05;

/** "no growth", or "grows X MB/10 min" when the slope passes `GROWTH_THRESHOLD` of the warm RSS. */
export function verdict(slopeMbPer10Min: number, warmRssMb: number): string {
  if (!Number.isFinite(slopeMbPer10Min) || !Number.isFinite(warmRssMb)) return "not enough samples";
  if (slopeMbPer10Min < GROWTH_THRESHOLD * warmRssMb) return "no growth";
  return `grows ${slopeMbPer10Min.toFixed(1)} MB/10 min`;
}

/** Metric values as people read them: bytes in binary units, other numbers rounded. */

const BINARY = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];

/** 268435456 → "256Mi"; 1536 → "1.5Ki"; below 1024 the plain number. */
export function formatBytes(value: number): string {
  let scaled = Math.abs(value);
  let unit = 0;
  while (scaled >= 1024 && unit < BINARY.length - 1) {
    scaled /= 1024;
    unit++;
  }
  const rounded = Math.round(scaled * 10) / 10;
  return `${value < 0 ? "-" : ""}${rounded}${BINARY[unit] ?? ""}`;
}

/** A metric sample: bytes when the metric name says so, else up to three decimals. */
export function formatMetricValue(value: number | undefined, metric: string | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  if (metric && /bytes/i.test(metric)) return formatBytes(value);
  if (Math.abs(value) >= 1e9 || (value !== 0 && Math.abs(value) < 1e-3)) return value.toExponential(3);
  return String(Math.round(value * 1000) / 1000);
}

import { InputError } from "./errors.js";

/**
 * Kubernetes resource quantities ("512Mi", "250m", "1.5Gi", "1e3") to numbers and back.
 *
 * Parsing follows the Kubernetes quantity grammar (binary suffixes Ki..Ei, decimal
 * suffixes n u m k M G T P E, decimal exponents). Formatting always rounds UP to a
 * "clean" value a person would write in a manifest, because every caller formats a
 * new limit or size that must be at least the computed value:
 *
 * - bytes (`formatBytes`): below 256Mi a multiple of 16Mi; below 4Gi a multiple of 64Mi;
 *   below 16Gi a multiple of 256Mi; from 16Gi whole Gi. Printed in Gi when whole, else Mi.
 * - cpu (`formatCpu`): below 1 core a multiple of 50m; from 1 core a multiple of 100m.
 *   Whole cores print as a plain number ("2"), the rest in millicores ("1300m").
 * - storage (`formatStorage`): whole Gi.
 */

const MI = 1024 ** 2;
const GI = 1024 ** 3;

const SUFFIX: Record<string, number> = {
  Ki: 1024,
  Mi: MI,
  Gi: GI,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

// Sign, digits with an optional fraction, then either a suffix or a decimal exponent.
// "1E" is exa, "1E3" is an exponent: the regex backtracks from the suffix to the exponent.
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/** Parses any Kubernetes quantity to a plain number (cores, bytes, a count). */
export function parseQuantity(value: string | number, field = "quantity"): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new InputError(`invalid ${field}: ${value}`, field);
    return value;
  }
  const text = value.trim();
  const match = QUANTITY.exec(text);
  if (!match) {
    throw new InputError(
      `invalid ${field} "${value}": expected a Kubernetes quantity such as 512Mi, 250m or 1.5Gi`,
      field,
    );
  }
  const [, sign, digits, suffix, exponent] = match;
  let n = Number(digits);
  if (suffix) n *= SUFFIX[suffix] ?? 1;
  if (exponent) n *= 10 ** Number(exponent);
  if (!Number.isFinite(n)) throw new InputError(`invalid ${field} "${value}": out of range`, field);
  return sign === "-" ? -n : n;
}

function nonNegative(value: string | number, field: string): number {
  const n = parseQuantity(value, field);
  if (n < 0) throw new InputError(`invalid ${field} "${value}": must not be negative`, field);
  return n;
}

/** "512Mi" → 536870912. Plain numbers are bytes. */
export function parseBytes(value: string | number): number {
  return nonNegative(value, "memory quantity");
}

/** "250m" → 0.25 cores, "2" → 2. */
export function parseCpu(value: string | number): number {
  return nonNegative(value, "cpu quantity");
}

function checkFormattable(n: number, what: string): void {
  if (!Number.isFinite(n) || n < 0) throw new InputError(`cannot format ${what}: ${n}`, what);
}

/** Ceil with a small tolerance, so 0.1 + 0.2 style float noise does not add a whole step. */
function ceilTo(n: number, step: number): number {
  const q = n / step;
  const nearest = Math.round(q);
  const steps = Math.abs(q - nearest) < 1e-9 ? nearest : Math.ceil(q);
  return Math.max(steps, n > 0 ? 1 : 0) * step;
}

/** Rounds bytes UP to a clean memory quantity (see the module comment) and prints it. */
export function formatBytes(bytes: number): string {
  checkFormattable(bytes, "memory");
  if (bytes === 0) return "0";
  let step: number;
  if (bytes <= 256 * MI) step = 16 * MI;
  else if (bytes <= 4 * GI) step = 64 * MI;
  else if (bytes <= 16 * GI) step = 256 * MI;
  else step = GI;
  const rounded = ceilTo(bytes, step);
  return rounded % GI === 0 ? `${rounded / GI}Gi` : `${rounded / MI}Mi`;
}

/** Rounds cores UP to clean millicores (50m steps below one core, 100m above) and prints it. */
export function formatCpu(cores: number): string {
  checkFormattable(cores, "cpu");
  if (cores === 0) return "0";
  const milli = ceilTo(cores * 1000, cores <= 1 ? 50 : 100);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Rounds bytes UP to whole Gi, the unit PVC sizes are written in. */
export function formatStorage(bytes: number): string {
  checkFormattable(bytes, "storage");
  if (bytes === 0) return "0";
  return `${ceilTo(bytes, GI) / GI}Gi`;
}

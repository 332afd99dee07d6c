/** Times as people read them: relative ages, durations, and one absolute format. */

const UNITS: readonly [limitSeconds: number, seconds: number, unit: string][] = [
  [60, 1, "s"],
  [3600, 60, "min"],
  [86_400, 3600, "h"],
  [Infinity, 86_400, "d"],
];

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago"; "" for an unreadable time. */
export function relativeTime(iso: string | undefined, now: Date): string {
  if (!iso) return "";
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const seconds = Math.floor((now.getTime() - then) / 1000);
  // A clock slightly ahead of the browser's is not "in the future" to a reader.
  if (seconds < 5) return "just now";
  for (const [limit, size, unit] of UNITS) {
    if (seconds < limit) return `${Math.floor(seconds / size)} ${unit} ago`;
  }
  return "";
}

/** "850 ms", "12 s", "4 min 5 s", "2 h 3 min", "1 d 4 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** "2024-05-01 12:03:04 UTC": unambiguous whatever the reader's locale; "" when unreadable. */
export function formatAbsolute(iso: string | undefined): string {
  if (!iso) return "";
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return "";
  return new Date(time)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

/** 0.953 → "95%". */
export function percent(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "";
  return `${Math.round(value * 100)}%`;
}

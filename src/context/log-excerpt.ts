/**
 * A bounded excerpt of a container log: the lines that look like errors first, then the
 * tail. Logs can be megabytes; the analyzers and the model need the few lines that name
 * the failure (an exception and its cause, a panic, "connection refused", a bad flag)
 * and how the log ends. Pure: text in, excerpt out.
 */

export interface LogExcerpt {
  /** Lines in the source text (a trailing newline does not count as a line). */
  totalLines: number;
  /** Error-looking lines in order, with a few continuation lines after exception headers. */
  errorLines: string[];
  /** The last lines of the log. */
  tail: string[];
  /** Something was left out: lines, or characters of long lines. */
  truncated: boolean;
}

export interface LogExcerptOptions {
  maxErrorLines?: number;
  maxTailLines?: number;
  maxLineLength?: number;
  /** Cap on the characters of errorLines and tail together. */
  maxChars?: number;
  /** Stack/continuation lines kept after one exception header. */
  maxContinuation?: number;
}

const DEFAULTS: Required<LogExcerptOptions> = {
  maxErrorLines: 40,
  maxTailLines: 30,
  maxLineLength: 500,
  maxChars: 24_000,
  maxContinuation: 4,
};

const ERROR_PATTERNS: readonly RegExp[] = [
  /\b[\w.$]*(Exception|Error)\b/, // NullPointerException, ValueError, ERR_..., "Error [..]"
  /\berror\b/i, // ERROR, level=error, "level":"error"
  /\b(fatal|panic|critical|crit|severe|emerg)\b/i,
  /"level":\s*(50|60)\b/, // pino error/fatal
  /^[EF]\d{4} /, // klog error and fatal lines
  /\bTraceback\b/,
  /^Caused by:/,
  /\bfail(ed|s|ure|ing)?\b/i,
  /\b(refused|timed? ?out|timeout|deadline exceeded|unreachable|reset by peer|broken pipe)\b/i,
  /\b(denied|unauthori[sz]ed|forbidden|x509|permission)\b/i,
  /\bnot (found|defined|supported|allowed|available)\b/i,
  /\b(no such (host|file)|NXDOMAIN|SERVFAIL|name resolution|unknown host)\b/i,
  /\b(OOM|out of memory|OutOfMemory|Killed|SIGKILL|SIGSEGV|SIGTERM|segmentation)\b/i,
  /\bexit(ed)? (with )?(code|status)\b/i,
  /\bflag provided but not defined\b/,
  /\b(invalid|illegal|cannot|could not|couldn't|unable to|aborted|mismatch|does not match)\b/i,
];

/** Exception headers whose following stack lines are worth a few lines of context. */
const EXCEPTION_HEADER =
  /(\b[\w.$]*(Exception|Error)\b|^Caused by:|\bTraceback\b|^panic:|^goroutine \d+|aborted!)/;
/** Stack frames and other continuation lines: indented, "at ...", Go frames, Ruby frames. */
const CONTINUATION =
  /^(\s+\S|\.\.\. \d+ (more|common frames)|\[signal |goroutine \d+|[\w./*()-]+\(.*\)$|\/\S+:\d+:in )/;

/** Whether a single line looks like it reports an error. */
export function isErrorLine(line: string): boolean {
  if (line.trim() === "") return false;
  return ERROR_PATTERNS.some((p) => p.test(line));
}

function clip(line: string, max: number): { text: string; clipped: boolean } {
  const trimmed = line.replace(/\s+$/, "");
  if (trimmed.length <= max) return { text: trimmed, clipped: false };
  return { text: `${trimmed.slice(0, max)}…`, clipped: true };
}

/** A line with digits, hex ids and timestamps blanked: repeated errors collapse to one. */
function shape(line: string): string {
  return line.replace(/0x[0-9a-f]+/gi, "#").replace(/\d+/g, "#");
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Selects error lines (with bounded stack context), de-duplicated by shape. */
function selectErrorLines(
  lines: readonly string[],
  o: Required<LogExcerptOptions>,
): { picked: number[]; more: boolean } {
  const picked: number[] = [];
  const seen = new Set<string>();
  let continuation = 0;
  let more = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    // A blank line inside a stack (Go prints one before "goroutine N") does not end it.
    if (line.trim() === "") continue;
    const isError = isErrorLine(line);
    const isContinuation = !isError && continuation > 0 && CONTINUATION.test(line);
    if (!isError && !isContinuation) {
      continuation = 0;
      continue;
    }
    const key = shape(line.trim());
    if (isError && seen.has(key)) {
      // A repeat of an error already kept: skip it and its stack.
      continuation = 0;
      continue;
    }
    if (picked.length >= o.maxErrorLines) {
      more = true;
      break;
    }
    if (isError) seen.add(key);
    if (isError && EXCEPTION_HEADER.test(line)) continuation = o.maxContinuation;
    else if (continuation > 0) continuation--;
    picked.push(i);
  }
  return { picked, more };
}

/** Builds the excerpt of one log text. */
export function excerptLog(text: string, options: LogExcerptOptions = {}): LogExcerpt {
  const o = { ...DEFAULTS, ...options };
  const lines = splitLines(text);
  let truncated = false;
  let budget = o.maxChars;
  const take = (line: string): string | undefined => {
    const { text: clipped, clipped: wasClipped } = clip(line, o.maxLineLength);
    if (wasClipped) truncated = true;
    if (budget - clipped.length < 0) {
      truncated = true;
      return undefined;
    }
    budget -= clipped.length;
    return clipped;
  };

  const { picked, more } = selectErrorLines(lines, o);
  if (more) truncated = true;
  const errorLines: string[] = [];
  for (const i of picked) {
    const kept = take(lines[i] ?? "");
    if (kept === undefined) break;
    errorLines.push(kept);
  }

  // The tail without trailing blank lines; it is what the process printed last.
  let end = lines.length;
  while (end > 0 && (lines[end - 1] ?? "").trim() === "") end--;
  const start = Math.max(0, end - o.maxTailLines);
  if (start > 0) truncated = true;
  const tail: string[] = [];
  for (const line of lines.slice(start, end)) {
    const kept = take(line);
    if (kept === undefined) break;
    tail.push(kept);
  }
  return { totalLines: lines.length, errorLines, tail, truncated };
}

/**
 * Unified diff lines classified for display. Inside a hunk a leading `+`/`-` is a
 * change; outside one, `+++`/`---` are file headers, so a removed line that itself
 * starts with `--` is not mistaken for a header.
 */

export type DiffLineKind = "header" | "hunk" | "add" | "remove" | "context" | "meta";

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export function parseDiff(diff: string): DiffLine[] {
  const lines = diff.replace(/\r\n/g, "\n").replace(/\n$/, "").split("\n");
  const out: DiffLine[] = [];
  // Lines left in the current hunk, old and new side; 0/0 outside a hunk.
  let oldLeft = 0;
  let newLeft = 0;
  for (const text of lines) {
    const hunk = HUNK.exec(text);
    if (hunk) {
      oldLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      newLeft = hunk[4] === undefined ? 1 : Number(hunk[4]);
      out.push({ kind: "hunk", text });
    } else if (text.startsWith("\\")) {
      out.push({ kind: "meta", text });
    } else if (oldLeft > 0 || newLeft > 0) {
      if (text.startsWith("+")) {
        newLeft--;
        out.push({ kind: "add", text });
      } else if (text.startsWith("-")) {
        oldLeft--;
        out.push({ kind: "remove", text });
      } else {
        oldLeft--;
        newLeft--;
        out.push({ kind: "context", text });
      }
    } else {
      out.push({ kind: "header", text });
    }
  }
  return out;
}

/** Added and removed line counts, for a one-line summary. */
export function diffStats(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.kind === "add") added++;
    else if (line.kind === "remove") removed++;
  }
  return { added, removed };
}

import { describe, expect, it } from "vitest";
import { diffStats, parseDiff } from "./diff.js";

const diff = [
  "diff --git a/apps/checkout.yaml b/apps/checkout.yaml",
  "index 1111111..2222222 100644",
  "--- a/apps/checkout.yaml",
  "+++ b/apps/checkout.yaml",
  "@@ -10,4 +10,4 @@ spec:",
  "           limits:",
  "-            memory: 256Mi",
  "+            memory: 384Mi",
  "--- a yaml document separator removed",
  "+++ three pluses added",
  "         name: app",
  "\\ No newline at end of file",
  "",
].join("\n");

describe("parseDiff", () => {
  it("classifies headers, hunks, changes and context", () => {
    expect(parseDiff(diff).map((l) => l.kind)).toEqual([
      "header",
      "header",
      "header",
      "header",
      "hunk",
      "context",
      "remove",
      "add",
      "remove",
      "add",
      "context",
      "meta",
    ]);
  });

  it("keeps each line's text, markers included", () => {
    const lines = parseDiff(diff);
    expect(lines[6]).toEqual({ kind: "remove", text: "-            memory: 256Mi" });
    expect(lines[7]).toEqual({ kind: "add", text: "+            memory: 384Mi" });
  });

  it("starts a new file's headers after a hunk is complete", () => {
    const two = [
      "@@ -1 +1 @@",
      "-a",
      "+b",
      "diff --git a/x b/x",
      "--- a/x",
      "+++ b/x",
      "@@ -1,0 +1,1 @@",
      "+new",
    ].join("\n");
    expect(parseDiff(two).map((l) => l.kind)).toEqual([
      "hunk",
      "remove",
      "add",
      "header",
      "header",
      "header",
      "hunk",
      "add",
    ]);
  });

  it("counts added and removed lines", () => {
    expect(diffStats(parseDiff(diff))).toEqual({ added: 2, removed: 2 });
  });

  it("reads CRLF text", () => {
    expect(parseDiff("@@ -1 +1 @@\r\n-a\r\n+b\r\n").map((l) => l.text)).toEqual(["@@ -1 +1 @@", "-a", "+b"]);
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../core/errors.js";
import { loadSnapshotFile } from "./snapshot-file.js";

function file(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "aiops-snap-")), "s.json");
  writeFileSync(path, content);
  return path;
}

const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns" } };
const subject = { alertname: "X", namespace: "ns", pods: ["p"], labels: {}, annotations: {} };

describe("loadSnapshotFile", () => {
  it("reads a bare kubectl List", async () => {
    const source = loadSnapshotFile(file(JSON.stringify({ apiVersion: "v1", kind: "List", items: [pod] })));
    expect((await source.gather(subject)).objects.map((o) => o.metadata.name)).toEqual(["p"]);
  });

  it("reads a scenario-shaped file with logs and metrics", async () => {
    const logs = [{ namespace: "ns", pod: "p", container: "c", previous: true, text: "boom" }];
    const source = loadSnapshotFile(file(JSON.stringify({ cluster: { items: [pod] }, logs, metrics: [] })));
    const bundle = await source.gather(subject);
    expect(bundle.logs).toEqual(logs);
  });

  it.each([
    ["truncated JSON", '{"items": ['],
    ["no items", JSON.stringify({ cluster: {} })],
    ["an item that is not an object", JSON.stringify({ items: [pod, 42] })],
    ["a top-level array", "[]"],
  ])("names the problem for %s", (_name, content) => {
    expect(() => loadSnapshotFile(file(content))).toThrow(ConfigError);
  });

  it.each([
    ["a log that is a number", { logs: [1] }, "logs[0]"],
    ["a log without its text", { logs: [{ namespace: "ns", pod: "p", container: "c" }] }, "logs[0].text"],
    [
      "a log namespace that is a number",
      { logs: [{ namespace: 5, pod: "p", container: "c", text: "" }] },
      "logs[0].namespace",
    ],
    ["logs that are not a list", { logs: "boom" }, "logs"],
    [
      "a metric without a query",
      { metrics: [{ result: { resultType: "vector", result: [] } }] },
      "metrics[0].query",
    ],
    [
      "a metric sample that is not a pair",
      { metrics: [{ query: "up", result: { resultType: "vector", result: [{ value: [1] }] } }] },
      "metrics[0].result.result[0].value",
    ],
  ])("refuses %s at start, naming the file and the field", (_name, extra, field) => {
    const path = file(JSON.stringify({ cluster: { items: [pod] }, ...extra }));
    expect(() => loadSnapshotFile(path)).toThrow(ConfigError);
    expect(() => loadSnapshotFile(path)).toThrow(`snapshot ${path}: ${field}`);
  });
});

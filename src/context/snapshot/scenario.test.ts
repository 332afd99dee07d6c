import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError, NotFoundError } from "../../core/errors.js";
import { loadScenario, loadScenarioDir, parseScenario } from "./scenario.js";

function validScenario(): Record<string, unknown> {
  return {
    id: "demo",
    title: "Demo",
    webhook: {
      version: "4",
      status: "firing",
      alerts: [
        { status: "firing", labels: { alertname: "KubePodCrashLooping" }, startsAt: "2026-01-01T00:00:00Z" },
      ],
    },
    cluster: {
      apiVersion: "v1",
      kind: "List",
      items: [{ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns" }, spec: {} }],
    },
    logs: [{ namespace: "ns", pod: "p", container: "c", previous: true, text: "boom" }],
    metrics: [{ query: "up", result: { resultType: "vector", result: [{ metric: {}, value: [1, "1"] }] } }],
    expected: { category: "oom_killed", remediation: { action: "manual", params: { reason: "x" } } },
  };
}

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "scenario-test-"));
  await writeFile(join(dir, "b.json"), JSON.stringify({ ...validScenario(), id: "b" }));
  await writeFile(join(dir, "a.json"), JSON.stringify({ ...validScenario(), id: "a" }));
  await writeFile(join(dir, "INDEX.md"), "# not a scenario");
  await writeFile(join(dir, "notes.txt"), "ignored");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("expected an InputError");
}

describe("parseScenario", () => {
  it("keeps expected apart from the input", () => {
    const s = parseScenario(validScenario(), "demo.json");
    expect(s.id).toBe("demo");
    expect(s.title).toBe("Demo");
    expect(Object.keys(s.input).sort()).toEqual(["cluster", "logs", "metrics", "webhook"]);
    expect(JSON.stringify(s.input)).not.toContain("oom_killed");
    expect(s.expected?.category).toBe("oom_killed");
    expect(s.input.cluster.items[0]?.kind).toBe("Pod");
  });

  it("defaults missing logs, metrics and id", () => {
    const data = validScenario();
    delete data.logs;
    delete data.id;
    data.metrics = null;
    const s = parseScenario(data, "/x/some-id.json");
    expect(s.id).toBe("some-id");
    expect(s.input.logs).toEqual([]);
    expect(s.input.metrics).toEqual([]);
  });

  it("names the file and the offending field", () => {
    const data = validScenario();
    (data.cluster as { items: unknown[] }).items.push({ kind: "Pod", metadata: {} });
    const error = inputError(() => parseScenario(data, "broken.json"));
    expect(error.message).toContain("broken.json");
    expect(error.field).toBe("cluster.items[1].metadata.name");
  });

  it("rejects a webhook without alerts", () => {
    const data = validScenario();
    data.webhook = { version: "4", alerts: [] };
    const error = inputError(() => parseScenario(data, "w.json"));
    expect(error.field).toBe("webhook.alerts");
  });

  it("rejects a log record without text", () => {
    const data = validScenario();
    data.logs = [{ namespace: "ns", pod: "p", container: "c" }];
    expect(inputError(() => parseScenario(data, "l.json")).field).toBe("logs[0].text");
  });
});

describe("loadScenario", () => {
  it("reports a truncated file as InputError naming the file", async () => {
    const path = join(dir, "truncated.json.part");
    await writeFile(path, JSON.stringify(validScenario()).slice(0, 120));
    await expect(loadScenario(path)).rejects.toThrow(InputError);
    await expect(loadScenario(path)).rejects.toThrow(/truncated\.json\.part: not valid JSON/);
  });

  it("loads only *.json files of a folder, sorted", async () => {
    const scenarios = await loadScenarioDir(dir);
    expect(scenarios.map((s) => s.id)).toEqual(["a", "b"]);
  });

  it("names a missing folder (NotFoundError), a file and a folder without scenarios (InputError)", async () => {
    await expect(loadScenarioDir(join(dir, "nope"))).rejects.toThrow(NotFoundError);
    await expect(loadScenarioDir(join(dir, "a.json"))).rejects.toThrow(/a\.json is not a directory/);
    const empty = await mkdtemp(join(tmpdir(), "aiops-empty-"));
    await expect(loadScenarioDir(empty)).rejects.toThrow(/no scenario files/);
    await rm(empty, { recursive: true });
  });
});

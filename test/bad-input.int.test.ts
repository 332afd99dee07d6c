/**
 * Files users hand the CLI (scenario and snapshot files, config files, webhook files)
 * truncated or of the wrong shape: each is a one-line error naming the file and the
 * problem, with the exit code of its kind, never a stack trace. Through the built CLI,
 * as users run it, and through the loaders themselves for the property tests.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { loadScenario, parseScenario } from "../src/context/snapshot/scenario.js";
import { loadSnapshotFile } from "../src/context/snapshot/snapshot-file.js";
import { ConfigError, InputError } from "../src/core/errors.js";
import { haveBuild, runCli, type CliRun } from "./helpers/processes.js";
import { DEMO_SNAPSHOT, SCENARIOS, tempDir } from "./helpers/system.js";
import { pathName, pathsOf, replacement, withField, type Json } from "./helpers/webhook-mutations.js";

const ExitData = 65;
const ExitNoInput = 66;
const ExitConfig = 78;

const scenarioFile = join(SCENARIOS, readdirSync(SCENARIOS).filter((f) => f.endsWith(".json"))[0] as string);
const scenarioText = readFileSync(scenarioFile, "utf8");
const scenario = JSON.parse(scenarioText) as Record<string, Json>;

function write(dir: string, name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

type Run = CliRun;

/** Quiet, and with no config file from the environment: only the arguments count. */
const runQuiet = (args: string[]): Promise<Run> =>
  runCli(args, { AIOPS_LOG_LEVEL: "silent", AIOPS_CONFIG: "" });

/** The one clear line: `aiops: <message>`, naming what it must, no stack trace. */
function expectClearError(run: Run, code: number, ...names: string[]): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run.stderr).toMatch(/^aiops: /);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  for (const name of names) expect(run.stderr).toContain(name);
}

/** A directory holding only `content` as scenario.json. */
function scenarioDir(content: string | Buffer): { dir: string; file: string } {
  const dir = tempDir("aiops-bad-");
  return { dir, file: write(dir, "scenario.json", content) };
}

const wrongShapes: [string, Record<string, Json>, string][] = [
  ["no webhook", withField(scenario, ["webhook"], undefined) as Record<string, Json>, "webhook"],
  ["no alerts", withField(scenario, ["webhook", "alerts"], []) as Record<string, Json>, "webhook.alerts"],
  ["cluster a string", withField(scenario, ["cluster"], "pods") as Record<string, Json>, "cluster"],
  [
    "an object without metadata",
    withField(scenario, ["cluster", "items", 0, "metadata"], undefined) as Record<string, Json>,
    "cluster.items[0].metadata",
  ],
  ["logs not a list", { ...scenario, logs: "boom" }, "logs"],
  [
    "a log without text",
    { ...scenario, logs: [{ namespace: "a", pod: "b", container: "c" }] },
    "logs[0].text",
  ],
];

/** The scenario cut inside its last value: never valid JSON. */
const cutScenario = scenarioText.trimEnd().slice(0, -2);

// One process per case (each costs a Node start): the kinds of damage per command; the
// loaders' tests below go through every variant.
describe.skipIf(!haveBuild)("the CLI on bad files", { timeout: 120_000 }, () => {
  it.concurrent("eval: a truncated scenario is exit 65 naming the file", async () => {
    const { dir, file } = scenarioDir(cutScenario);
    expectClearError(await runQuiet(["eval", dir]), ExitData, file, "not valid JSON");
  });

  it.concurrent("eval: a scenario of the wrong shape is exit 65 naming the file and field", async () => {
    const body = withField(scenario, ["cluster", "items", 0, "metadata"], undefined);
    const { dir, file } = scenarioDir(JSON.stringify(body));
    expectClearError(await runQuiet(["eval", dir]), ExitData, file, "cluster.items[0].metadata");
  });

  it.concurrent("eval: a scenario that is not UTF-8 is exit 65 naming the file", async () => {
    const { dir, file } = scenarioDir(Buffer.from([0xff, 0xfe, 0x7b]));
    expectClearError(await runQuiet(["eval", dir]), ExitData, file);
  });

  it.concurrent("eval: a missing folder is exit 66, a file or an empty folder exit 65", async () => {
    const missing = join(tempDir(), "nope");
    expectClearError(await runQuiet(["eval", missing]), ExitNoInput, missing);
    expectClearError(await runQuiet(["eval", scenarioFile]), ExitData, scenarioFile);
    const empty = tempDir();
    write(empty, "notes.txt", "not a scenario");
    expectClearError(await runQuiet(["eval", empty]), ExitData, empty, "no scenario files");
  });

  it.concurrent("replay: a truncated webhook file is exit 65 naming it, a missing one 66", async () => {
    const file = write(tempDir(), "webhook.json", scenarioText.slice(0, 100));
    expectClearError(await runQuiet(["replay", file, "--url", "http://127.0.0.1:9"]), ExitData, file);
    const missing = join(tempDir(), "nope.json");
    expectClearError(await runQuiet(["replay", missing]), ExitNoInput, missing);
  });

  it.concurrent.each([
    ["truncated", readFileSync(DEMO_SNAPSHOT, "utf8").slice(0, 500), "cannot read snapshot"],
    ["with a malformed log", JSON.stringify({ items: [], logs: [{ pod: 1 }] }), "logs[0]"],
  ])("start: a snapshot file %s is exit 78 naming the file", async (_n, content, problem) => {
    const file = write(tempDir(), "snapshot.json", content);
    const run = await runQuiet(["start", "--snapshot", file, "--store", "memory", "--port", "0"]);
    expectClearError(run, ExitConfig, file, problem);
  });

  it.concurrent.each([
    ["start", "truncated YAML", "server:\n  port: [80", "not valid YAML or JSON"],
    ["doctor", "duplicate keys", "server:\n  port: 80\nserver:\n  host: x\n", "unique"],
    ["start", "a wrong type", "bus: {maxDeliver: many}\n", "bus.maxDeliver"],
  ])("%s: a config file with %s is exit 78 naming the problem", async (command, _n, content, problem) => {
    const file = write(tempDir(), "config.yaml", content);
    const extra = command === "start" ? ["--store", "memory", "--port", "0"] : [];
    expectClearError(await runQuiet([command, "--config", file, ...extra]), ExitConfig, problem);
  });

  it.concurrent("doctor: a missing config file is exit 78 naming it", async () => {
    const missing = join(tempDir(), "nope.yaml");
    expectClearError(await runQuiet(["doctor", "--config", missing]), ExitConfig, missing);
  });
});

describe("file loaders on any damage", () => {
  it.each(wrongShapes)(
    "a scenario with %s is an InputError naming the file and field",
    async (_n, body, field) => {
      const file = write(tempDir(), "scenario.json", JSON.stringify(body));
      const error = await loadScenario(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toContain(file);
      expect((error as InputError).message).toContain(field);
    },
  );

  it.each([
    ["empty", ""],
    ["a JSON array", "[]"],
    ["null", "null"],
    ["invalid UTF-8", Buffer.from([0xff, 0xfe, 0x7b])],
  ])("a scenario file that is %s is an InputError naming the file", async (_n, content) => {
    const file = write(tempDir(), "scenario.json", content);
    await expect(loadScenario(file)).rejects.toThrow(InputError);
    await expect(loadScenario(file)).rejects.toThrow(file);
  });

  it.each([
    ["empty", "", "cannot read snapshot"],
    ["a JSON array", "[]", "must be a JSON object"],
    ["without items", '{"cluster": {}}', "expected a v1 List"],
    ["with a non-object item", '{"items": [1]}', "items[0]"],
    [
      "with a malformed metric",
      JSON.stringify({ items: [], metrics: [{ query: "up" }] }),
      "metrics[0].result",
    ],
  ])("a snapshot file %s is a ConfigError naming the file", (_n, content, problem) => {
    const file = write(tempDir(), "snapshot.json", content);
    expect(() => loadSnapshotFile(file)).toThrow(ConfigError);
    expect(() => loadSnapshotFile(file)).toThrow(file);
    expect(() => loadSnapshotFile(file)).toThrow(problem);
  });

  it.each([
    ["truncated JSON", "config.json", '{"server": {"port": 8', "not valid YAML or JSON"],
    ["a list", "config.yaml", "- server\n", "mapping at the top level"],
    ["a scalar", "config.yaml", "just text\n", "mapping at the top level"],
    ["an unknown key", "config.yaml", "sever: {port: 80}\n", "sever"],
    [
      "an alias bomb",
      "config.yaml",
      `a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [${"*b, ".repeat(60)}*b]\n`,
      "alias",
    ],
  ])("a config file with %s is a ConfigError naming the problem", (_n, name, content, problem) => {
    const file = write(tempDir(), name, content);
    expect(() => loadConfig({ file, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file, env: {} })).toThrow(problem);
  });

  it("a scenario cut anywhere is an InputError naming the file", async () => {
    const dir = tempDir("aiops-cut-");
    mkdirSync(dir, { recursive: true });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: scenarioText.length - 2 }), async (at) => {
        const file = write(dir, "cut.json", scenarioText.slice(0, at));
        const error = await loadScenario(file).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(InputError);
        expect((error as InputError).message).toContain(file);
      }),
      { numRuns: 100 },
    );
  });

  it("a scenario with one field changed loads, or is an InputError naming that field", () => {
    const paths = pathsOf(scenario);
    fc.assert(
      fc.property(fc.constantFrom(...paths), replacement, (path, value) => {
        const changed = withField(scenario, path, value);
        try {
          parseScenario(changed, "changed.json");
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
          const field = (error as InputError).field ?? "";
          const name = pathName(path);
          const parent = pathName(path.slice(0, -1));
          expect(
            field === name ||
              field.startsWith(`${name}.`) ||
              field.startsWith(`${name}[`) ||
              field === parent,
            `${field} for a change at ${name}`,
          ).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("a snapshot cut anywhere is a ConfigError naming the file", () => {
    const demo = readFileSync(DEMO_SNAPSHOT, "utf8");
    const dir = tempDir("aiops-snap-");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: demo.length - 2 }), (at) => {
        const file = write(dir, "cut.json", demo.slice(0, at));
        expect(() => loadSnapshotFile(file)).toThrow(ConfigError);
        expect(() => loadSnapshotFile(file)).toThrow(file);
      }),
      { numRuns: 100 },
    );
  });

  it("any YAML or JSON text as a config file is a config or a ConfigError", () => {
    const dir = tempDir("aiops-config-");
    const yamlish = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .dictionary(fc.constantFrom("server", "bus", "store", "log", "auth", "x"), fc.jsonValue())
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(yamlish, (text) => {
        const file = write(dir, "config.yaml", text);
        try {
          loadConfig({ file, env: {} });
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * Real Alertmanager-style webhook bodies (../shared/fixtures/alertmanager, real-world/
 * included) and fast-check arbitraries that change one field of one of them: a wrong
 * type, a missing field, a huge value or control characters. For the property tests of
 * the webhook parser and route.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";

export const ALERTMANAGER_FIXTURES = fileURLToPath(
  new URL("../../../shared/fixtures/alertmanager/", import.meta.url),
);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every webhook body of the fixtures, by file name. */
export function webhookFixtures(): { name: string; body: Record<string, Json> }[] {
  const out: { name: string; body: Record<string, Json> }[] = [];
  for (const dir of [ALERTMANAGER_FIXTURES, join(ALERTMANAGER_FIXTURES, "real-world")]) {
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith(".json") || name.endsWith(".headers.json")) continue;
      const body = JSON.parse(readFileSync(join(dir, name), "utf8")) as Record<string, Json>;
      out.push({ name, body });
    }
  }
  return out;
}

/** A step into a JSON value: an object key or an array index. */
export type Step = string | number;

/** Every path inside `value` (the root excluded), parents before children. */
export function pathsOf(value: Json, prefix: Step[] = []): Step[][] {
  const out: Step[][] = [];
  if (Array.isArray(value)) {
    value.forEach((child, i) => {
      out.push([...prefix, i], ...pathsOf(child, [...prefix, i]));
    });
  } else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      out.push([...prefix, key], ...pathsOf(child, [...prefix, key]));
    }
  }
  return out;
}

/** The path as the parser names it: `alerts[0].labels.namespace`. */
export function pathName(path: readonly Step[]): string {
  let out = "";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else out += out ? `.${step}` : step;
  }
  return out;
}

/** A deep copy of `value` with the field at `path` replaced, or removed when `replacement` is undefined. */
export function withField(value: Json, path: readonly Step[], replacement: Json | undefined): Json {
  const copy = structuredClone(value);
  let node: Json = copy;
  for (const step of path.slice(0, -1)) node = (node as Record<string, Json>)[step as string] as Json;
  const last = path[path.length - 1] as Step;
  if (Array.isArray(node)) {
    if (replacement === undefined) node.splice(last as number, 1);
    else node[last as number] = replacement;
  } else if (node !== null && typeof node === "object") {
    if (replacement === undefined) delete node[last as string];
    else node[last as string] = replacement;
  }
  return copy;
}

const CONTROL = ["\u0000", "\u0001", "\u001b[31m", "\r\n", "\n", "\t", "\u007f", "\u2028", "\ud800"];

/** Strings a sender should not send, and some it may: control characters, traversal, metacharacters. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...CONTROL, "a", "/", ".") }),
  fc.constantFrom(
    "../../etc/passwd",
    "..",
    "/",
    "a/../../b",
    "$(rm -rf /)",
    "`id`",
    "'; drop table incidents; --",
    "a; kubectl delete ns default",
    "key: value\nother: [",
    "- !!js/function 'return 1'",
    "*alias",
    "&anchor x",
    "{{ .Values }}",
    "%00",
    "\u0000",
    "\u001b]0;title\u0007",
  ),
);

/** What a field may be changed to: a wrong type, a huge or hostile string, or nothing (removed). */
export const replacement: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue() as fc.Arbitrary<Json>,
  nastyString,
  fc.constantFrom<Json>(null, 0, -1, 1e308, true, [], {}, "", "x".repeat(100_000)),
);

/** One fixture with one of its fields changed; `path` names the field. */
export function mutatedWebhook(
  fixtures: readonly { name: string; body: Record<string, Json> }[],
): fc.Arbitrary<{ name: string; path: Step[]; body: Json }> {
  return fc
    .constantFrom(...fixtures)
    .chain((fixture) =>
      fc
        .tuple(fc.constantFrom(...pathsOf(fixture.body)), replacement)
        .map(([path, value]) => ({ name: fixture.name, path, body: withField(fixture.body, path, value) })),
    );
}

/**
 * Whether the field named `field` is the changed one or inside it; or, for an array
 * element, the array (removing the only alert leaves `alerts` empty).
 */
export function namesPath(field: string | undefined, path: readonly Step[]): boolean {
  if (field === undefined) return false;
  const name = pathName(path);
  if (field === name || field.startsWith(`${name}.`) || field.startsWith(`${name}[`)) return true;
  return typeof path[path.length - 1] === "number" && field === pathName(path.slice(0, -1));
}

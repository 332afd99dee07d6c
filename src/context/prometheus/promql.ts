/**
 * PromQL built from untrusted alert labels: every value enters as a string literal with
 * its quotes, backslashes and line breaks escaped, and values used in a regex matcher
 * are regex-escaped first, so a label can never end the literal and add its own query.
 */

/** A PromQL double-quoted string literal of `value`. */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}

/** `value` with RE2's metacharacters escaped, to match literally inside `=~`. */
export function regexLiteral(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

export type Matcher =
  { label: string; op: "=" | "!="; value: string } | { label: string; op: "=~" | "!~"; regex: string };

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `{a="x",b=~"y"}`: label names are checked, values escaped. */
export function selector(matchers: readonly Matcher[]): string {
  const parts = matchers.map((m) => {
    if (!LABEL_NAME.test(m.label)) throw new Error(`invalid label name ${m.label}`);
    return "value" in m
      ? `${m.label}${m.op}${promString(m.value)}`
      : `${m.label}${m.op}${promString(m.regex)}`;
  });
  return `{${parts.join(",")}}`;
}

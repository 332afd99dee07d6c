import type { z } from "zod";
import { InputError } from "./errors.js";

/**
 * Validates an API body against its schema; InputError naming the first bad field
 * (unknown keys by name), which the HTTP layer answers 400 with.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field =
    issue?.code === "unrecognized_keys"
      ? keyNames(issue.keys)
      : issue?.path.map(String).join(".") || "(body)";
  throw new InputError(`invalid ${what}: ${field}: ${issue?.message ?? "invalid"}`, field);
}

/** Unknown keys as a field name: `a,b`; a blank key quoted (`""`), so that it still shows. */
export function keyNames(keys: readonly string[]): string {
  return keys.map((key) => (key.trim() === "" ? JSON.stringify(key) : key)).join(",");
}

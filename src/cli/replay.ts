import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError, NotFoundError } from "../core/errors.js";

export interface ReplayOptions {
  url: string;
  path: string;
  token?: string;
  fetch?: typeof fetch;
}

/** Files to replay: the file itself, or the `*.json` files of a directory, sorted. */
export function replayFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new NotFoundError(`no such file or directory: ${path}`);
  }
  if (!stat.isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => join(path, name));
}

/** A scenario file carries its webhook under `webhook`; a plain webhook file is the body itself. */
export function webhookBody(file: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${(error as Error).message})`, file);
  }
  if (parsed && typeof parsed === "object" && "webhook" in parsed)
    return (parsed as { webhook: unknown }).webhook;
  return parsed;
}

/** Posts each file's webhook to a running instance and reports one line per file. */
export async function replay(
  path: string,
  options: ReplayOptions,
  print: (line: string) => void,
): Promise<{ sent: number; failed: number }> {
  const doFetch = options.fetch ?? fetch;
  const url = new URL(options.path, options.url).href;
  let sent = 0;
  let failed = 0;
  for (const file of replayFiles(path)) {
    const body = webhookBody(file);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    try {
      const response = await doFetch(url, { method: "POST", headers, body: JSON.stringify(body) });
      const text = await response.text();
      if (response.status === 202) sent += 1;
      else failed += 1;
      print(`${response.status} ${file} ${text.slice(0, 300)}`);
    } catch (error) {
      failed += 1;
      print(`ERR ${file} ${(error as Error).message}`);
    }
  }
  return { sent, failed };
}

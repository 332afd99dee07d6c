/**
 * File paths inside the GitOps workspace: every path the proposer reads or writes is
 * resolved against the workspace root and checked to stay inside it, symlinks included.
 */
import { lstatSync, readdirSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { InputError } from "../core/errors.js";

function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel) && !rel.split(sep).includes(".."));
}

function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of `rel` inside `root`; InputError when it (or, for an existing file
 * or its nearest existing parent, its real path after symlinks) leads outside, or when
 * it passes through a dangling symlink.
 */
export function insideRoot(root: string, rel: string): string {
  if (rel.includes("\0")) throw new InputError(`refusing path ${JSON.stringify(rel)}`, "path");
  const realRoot = realpathSync(root);
  const path = resolve(realRoot, rel);
  if (!within(realRoot, path))
    throw new InputError(`refusing path ${JSON.stringify(rel)}: outside the repository`, "path");
  // The nearest entry that exists as itself (a dangling symlink counts: writing through it
  // would create its target), resolved through every symlink on the way.
  let probe = path;
  while (!present(probe) && probe !== realRoot) probe = dirname(probe);
  let real: string | undefined;
  try {
    real = realpathSync(probe);
  } catch {
    real = undefined;
  }
  if (real === undefined || !within(realRoot, real)) {
    throw new InputError(
      `refusing path ${JSON.stringify(rel)}: a symlink leads outside the repository`,
      "path",
    );
  }
  return path;
}

/** `*` within a segment, `**` across segments; a folder pattern also matches everything below it. */
function globRegex(pattern: string): RegExp {
  const clean = pattern.replace(/^\.\/?/, "").replace(/\/+$/, "");
  if (clean === "" || clean === "**") return /^/;
  const body = clean
    .split("/")
    .map((part) =>
      part === "**"
        ? "(?:.*)"
        : part
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]"),
    )
    .join("/");
  return new RegExp(`^${body}(?:/|$)`);
}

/**
 * The YAML files under the configured folder globs, as paths relative to `root`, sorted.
 * `.git` is skipped; symlinks are not followed; at most `limit` files.
 */
export function yamlFiles(root: string, patterns: readonly string[], limit = 5000): string[] {
  const matchers = patterns.map(globRegex);
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (out.length >= limit) return;
      if (entry.name === ".git" || entry.name === "node_modules") continue;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(join(dir, entry.name), childRel);
      else if (entry.isFile() && /\.ya?ml$/i.test(entry.name) && matchers.some((m) => m.test(childRel)))
        out.push(childRel);
    }
  };
  walk(root, "");
  return out;
}

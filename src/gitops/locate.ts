/**
 * Finds where a target object is defined in the GitOps workspace: a plain manifest (any
 * document of any YAML file under the configured folders), a kustomize overlay's patch
 * for it, or a base that overlays render into several namespaces. Kustomizations are
 * read for `resources`, `namespace`, `patches` and `patchesStrategicMerge`.
 */
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { parse } from "yaml";
import { isRecord } from "../core/json.js";
import { objectsIn } from "./manifest-edit.js";
import { insideRoot, yamlFiles } from "./paths.js";

export interface TargetObject {
  kind: string;
  name: string;
  namespace?: string;
}

export type Location =
  /** Edit this document in place. */
  | { kind: "edit"; file: string; index: number; via: "manifest" | "overlay-patch" | "base" }
  /** Write (or extend) a strategic-merge patch file beside this kustomization and reference it. */
  | { kind: "patch-file"; kustomization: string; file: string; reason: string }
  | { kind: "none"; reason: string };

interface Kustomization {
  file: string;
  dir: string;
  namespace?: string;
  resources: string[];
  patches: string[];
}

const KUSTOMIZATION = /(^|\/)(kustomization\.ya?ml|Kustomization)$/;

function readKustomization(root: string, file: string): Kustomization | undefined {
  let value: unknown;
  try {
    value = parse(readFileSync(insideRoot(root, file), "utf8"));
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const dir = posix.dirname(file);
  const rel = (p: unknown) => (typeof p === "string" ? posix.normalize(posix.join(dir, p)) : undefined);
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  const patches = [
    ...list(value.patches).map((p) => (isRecord(p) ? rel(p.path) : undefined)),
    ...list(value.patchesStrategicMerge).map(rel),
  ].filter((p): p is string => p !== undefined);
  const resources = [...list(value.resources), ...list(value.bases)]
    .map(rel)
    .filter((p): p is string => p !== undefined);
  return {
    file,
    dir,
    ...(typeof value.namespace === "string" ? { namespace: value.namespace } : {}),
    resources,
    patches,
  };
}

function patchFileName(target: TargetObject): string {
  return `aiops-${target.kind.toLowerCase()}-${target.name}.yaml`;
}

export function locateTarget(root: string, patterns: readonly string[], target: TargetObject): Location {
  const files = yamlFiles(root, patterns);
  const kustomizations = files
    .filter((f) => KUSTOMIZATION.test(f))
    .map((f) => readKustomization(root, f))
    .filter((k): k is Kustomization => k !== undefined);
  const byDir = new Map(kustomizations.map((k) => [k.dir, k]));
  const included = new Set(kustomizations.flatMap((k) => k.resources).filter((r) => byDir.has(r)));
  const roots = kustomizations.filter((k) => !included.has(k.dir));

  // For every resource file: the namespaces the root kustomizations render it into.
  const renderedNs = new Map<string, (string | undefined)[]>();
  const patchOwner = new Map<string, { k: Kustomization; ns: string | undefined }>();
  const render = (k: Kustomization, ns: string | undefined, seen: Set<string>): void => {
    if (seen.has(k.dir)) return;
    seen.add(k.dir);
    const effective = ns ?? k.namespace;
    for (const p of k.patches) patchOwner.set(p, { k, ns: effective });
    for (const r of k.resources) {
      const child = byDir.get(r);
      if (child) render(child, effective, seen);
      else renderedNs.set(r, [...(renderedNs.get(r) ?? []), effective]);
    }
  };
  for (const k of roots) render(k, undefined, new Set());

  const matches = (o: { kind: string; name: string }) => o.kind === target.kind && o.name === target.name;
  const definitions: { file: string; index: number; namespace?: string }[] = [];
  for (const file of files) {
    if (KUSTOMIZATION.test(file)) continue;
    let text: string;
    try {
      text = readFileSync(insideRoot(root, file), "utf8");
    } catch {
      continue;
    }
    for (const o of objectsIn(text).filter(matches))
      definitions.push({ file, index: o.index, namespace: o.namespace });
  }

  // 1. An overlay's own patch for the object in this namespace: the change belongs there.
  for (const d of definitions) {
    const owner = patchOwner.get(d.file);
    if (owner && (d.namespace ?? owner.ns) === target.namespace) {
      return { kind: "edit", file: d.file, index: d.index, via: "overlay-patch" };
    }
  }
  // 2. A manifest that defines it in exactly this namespace (its own, or the only one it is rendered into).
  const resources = definitions.filter((d) => !patchOwner.has(d.file));
  for (const d of resources) {
    const rendered = renderedNs.get(d.file) ?? [];
    const namespaces = new Set(d.namespace !== undefined ? [d.namespace] : rendered);
    const only = namespaces.size === 1 ? [...namespaces][0] : undefined;
    if (
      d.namespace !== undefined
        ? d.namespace === target.namespace
        : rendered.length === 0 || only === target.namespace
    ) {
      return {
        kind: "edit",
        file: d.file,
        index: d.index,
        via: rendered.length > 0 && d.namespace === undefined ? "base" : "manifest",
      };
    }
  }
  // 3. A shared base, or no definition: a patch in the kustomization that renders this namespace.
  const home = roots.find((k) => k.namespace !== undefined && k.namespace === target.namespace);
  const shared = resources.length > 0;
  if (home) {
    return {
      kind: "patch-file",
      kustomization: home.file,
      file: posix.join(home.dir, patchFileName(target)),
      reason: shared
        ? `the manifest of ${target.kind} ${target.name} is a base shared by several namespaces`
        : `no manifest defines ${target.kind} ${target.name}`,
    };
  }
  return {
    kind: "none",
    reason: `no manifest under ${patterns.join(", ")} defines ${target.kind} ${target.namespace ?? ""}/${target.name}, and no kustomization renders namespace ${target.namespace ?? "(none)"}`,
  };
}

/**
 * In-place edits of Kubernetes manifests: a strategic-merge patch body applied to one
 * document of a (multi-document) YAML file, changing exactly the fields the patch sets.
 *
 * Existing scalars are rewritten where they stand (their quoting and any comment after
 * them kept); missing keys and list items are inserted as new lines after their
 * siblings, at the siblings' indentation. Only when the file's shape leaves no such
 * place (a flow mapping like `resources: {}`, a scalar where a mapping is needed) is the
 * one document re-rendered through the `yaml` Document API, which still keeps its
 * comments and key order. Other documents of the file are never touched.
 */
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  stringify,
  type Node as YamlNode,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import { isRecord } from "../core/json.js";

type Json = Record<string, unknown>;

/** A document of a file that defines an object. */
export interface DefinedObject {
  /** Index of the document in the file. */
  index: number;
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** The Kubernetes objects a YAML file defines (documents that are not mappings with kind and name are skipped). */
export function objectsIn(text: string): DefinedObject[] {
  const out: DefinedObject[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    if (!("errors" in doc) || doc.errors.length > 0) return;
    const value: unknown = doc.toJS();
    if (!isRecord(value) || typeof value.kind !== "string" || !isRecord(value.metadata)) return;
    const { name, namespace } = value.metadata;
    if (typeof name !== "string") return;
    out.push({
      index,
      kind: value.kind,
      name,
      ...(typeof value.apiVersion === "string" ? { apiVersion: value.apiVersion } : {}),
      ...(typeof namespace === "string" ? { namespace } : {}),
    });
  });
  return out;
}

/** Merge keys of the strategic-merge lists a remediation patch touches. */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  ports: "containerPort",
  imagePullSecrets: "name",
};

interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** The surgical edit cannot be made; the document is re-rendered instead. */
class NeedsRender extends Error {}

/** Resource quantities: Kubernetes reads `cpu: 1` and `cpu: "1"` alike, so a number-like one stays plain. */
const QUANTITY_KEYS = new Set(["cpu", "memory", "storage", "ephemeral-storage"]);

function plainScalarText(key: string, value: unknown, original: Scalar): string {
  if (original.type === "QUOTE_DOUBLE") return JSON.stringify(String(value));
  if (original.type === "QUOTE_SINGLE") return `'${String(value).replace(/'/g, "''")}'`;
  // A quantity like "2" replacing a number stays a plain number, as it was written.
  const numberLike = typeof value === "string" && /^\d+(\.\d+)?$/.test(value);
  if (numberLike && (typeof original.value === "number" || QUANTITY_KEYS.has(key))) return value;
  return stringify(value).trimEnd();
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf("\n", at - 1) + 1;
}

function lineEnd(text: string, at: number): number {
  const i = text.indexOf("\n", at);
  return i < 0 ? text.length : i;
}

function column(text: string, at: number): number {
  return at - lineStart(text, at);
}

/** Whether block sequences of this file sit at their key's column (`containers:\n- name`). */
function seqIndented(text: string): boolean {
  const flush = /^( *)[^\s#-][^\n]*:[ \t]*\n\1- /m.test(text);
  const indented = /^( *)[^\s#-][^\n]*:[ \t]*\n\1 {2}- /m.test(text);
  return indented || !flush;
}

/** New lines holding `value`, at `indent` columns, after the line where offset `endAt` falls. */
function insertion(
  text: string,
  endAt: number,
  indent: number,
  value: unknown,
  indentSeq: boolean,
): TextEdit {
  const at = lineEnd(text, endAt);
  const pad = " ".repeat(indent);
  const lines = stringify(value, { indentSeq, lineWidth: 0 }).trimEnd().split("\n");
  return { start: at, end: at, text: lines.map((l) => `\n${pad}${l}`).join("") };
}

/** Collects the text edits that make `node` carry `patch`. */
function planEdits(text: string, node: YAMLMap, patch: Json, edits: TextEdit[], indentSeq: boolean): void {
  const missing: Json = {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$")) throw new NeedsRender(`directive ${key}`);
    const child = node.get(key, true) as YamlNode | undefined;
    if (
      child === undefined ||
      (isScalar(child) && child.value === null && child.range?.[0] === child.range?.[1])
    ) {
      if (child !== undefined) throw new NeedsRender(`empty value at ${key}`);
      missing[key] = value;
    } else if (isRecord(value)) {
      if (!isMap(child) || child.flow) throw new NeedsRender(`not a block mapping at ${key}`);
      planEdits(text, child, value, edits, indentSeq);
    } else if (Array.isArray(value)) {
      const mergeKey = MERGE_KEYS[key];
      if (!mergeKey || !isSeq(child) || child.flow) throw new NeedsRender(`list ${key} replaced`);
      planListEdits(text, child, value, mergeKey, edits, indentSeq);
    } else {
      if (!isScalar(child) || !child.range) throw new NeedsRender(`not a scalar at ${key}`);
      if (child.value !== value) {
        edits.push({ start: child.range[0], end: child.range[1], text: plainScalarText(key, value, child) });
      }
    }
  }
  if (Object.keys(missing).length > 0) {
    const first = node.items[0];
    const firstKey = first?.key as YamlNode | undefined;
    const last = node.items[node.items.length - 1];
    const lastEndAt =
      (last?.value as YamlNode | null | undefined)?.range?.[1] ??
      (last?.key as YamlNode | undefined)?.range?.[1];
    if (!firstKey?.range || lastEndAt === undefined) throw new NeedsRender("empty mapping");
    edits.push(
      insertion(
        text,
        Math.max(lastEndAt - 1, firstKey.range[0]),
        column(text, firstKey.range[0]),
        missing,
        indentSeq,
      ),
    );
  }
}

function planListEdits(
  text: string,
  seq: YAMLSeq,
  items: unknown[],
  mergeKey: string,
  edits: TextEdit[],
  indentSeq: boolean,
): void {
  const added: unknown[] = [];
  for (const item of items) {
    if (!isRecord(item) || item[mergeKey] === undefined) throw new NeedsRender("list item without merge key");
    const existing = seq.items.find((n) => isMap(n) && (n.get(mergeKey) as unknown) === item[mergeKey]);
    if (existing === undefined) added.push(item);
    else if (!isMap(existing) || existing.flow) throw new NeedsRender("flow list item");
    else planEdits(text, existing, item, edits, indentSeq);
  }
  if (added.length > 0) {
    const first = seq.items[0] as YamlNode | undefined;
    const last = seq.items[seq.items.length - 1] as YamlNode | undefined;
    if (!first?.range || !last?.range) throw new NeedsRender("empty list");
    // The item's content starts after "- ": the dash sits two columns before it.
    const dashColumn = column(text, first.range[0]) - 2;
    if (
      dashColumn < 0 ||
      text.slice(lineStart(text, first.range[0]) + dashColumn, first.range[0]).trim() !== "-"
    )
      throw new NeedsRender("unusual list layout");
    edits.push(insertion(text, last.range[1] - 1, dashColumn, added, indentSeq));
  }
}

/** Applies the patch through the Document API (the fallback). */
function mergeNode(doc: Document, node: YAMLMap, patch: Json): void {
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$")) continue;
    const child = node.get(key, true) as YamlNode | undefined;
    if (isRecord(value) && isMap(child)) {
      // `resources: {}` becomes a block mapping once it holds something.
      if (child.flow && child.items.length === 0) child.flow = false;
      mergeNode(doc, child, value);
    } else if (Array.isArray(value) && isSeq(child) && MERGE_KEYS[key]) {
      const mergeKey = MERGE_KEYS[key];
      for (const item of value) {
        const existing = isRecord(item)
          ? child.items.find((n) => isMap(n) && (n.get(mergeKey) as unknown) === item[mergeKey])
          : undefined;
        if (isMap(existing) && isRecord(item)) mergeNode(doc, existing, item);
        else child.add(doc.createNode(item));
      }
    } else if (isScalar(child) && !isRecord(value) && !Array.isArray(value)) {
      child.value = value;
    } else {
      const created = doc.createNode(value);
      if (isMap(created) && isMap(child) === false && isScalar(child) === false) created.flow = false;
      node.set(key, created);
    }
  }
}

export interface EditResult {
  text: string;
  /** Whether anything changed (false: the file already holds the patch's values). */
  changed: boolean;
}

/**
 * Applies a strategic-merge patch body to document `index` of `text`. Throws when the
 * document is not a mapping.
 */
export function applyPatchToDocument(text: string, index: number, body: Json): EditResult {
  const docs = parseAllDocuments(text);
  const doc = docs[index];
  if (!doc || !("errors" in doc) || !isMap(doc.contents)) {
    throw new Error(`document ${index} is not a YAML mapping`);
  }
  const edits: TextEdit[] = [];
  try {
    planEdits(text, doc.contents, body, edits, seqIndented(text));
  } catch (error) {
    if (!(error instanceof NeedsRender)) throw error;
    return renderDocument(text, docs, index, body);
  }
  if (edits.length === 0) return { text, changed: false };
  let out = text;
  // From the end backwards; of two insertions at one place, the inner one (planned first) comes first.
  for (const edit of [...edits].reverse().sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  }
  return { text: out, changed: out !== text };
}

function renderDocument(
  text: string,
  docs: ReturnType<typeof parseAllDocuments>,
  index: number,
  body: Json,
): EditResult {
  const doc = docs[index] as Document.Parsed;
  const before = doc.toString({ lineWidth: 0 });
  mergeNode(doc, doc.contents as YAMLMap, body);
  // The comment before the first document stays where it is in the source text.
  doc.commentBefore = null;
  const rendered = doc.toString({ lineWidth: 0, indentSeq: seqIndented(text) });
  if (rendered === before) return { text, changed: false };
  const [start, , end] = doc.range;
  return { text: text.slice(0, start) + rendered + text.slice(end), changed: true };
}

/** A strategic-merge patch file for an object no manifest defines. */
export function patchFileText(
  patch: { apiVersion: string; kind: string; name: string; namespace?: string; body: Json },
  header: string,
): string {
  const object = {
    apiVersion: patch.apiVersion,
    kind: patch.kind,
    metadata: { name: patch.name, ...(patch.namespace ? { namespace: patch.namespace } : {}) },
    ...patch.body,
  };
  const comment = header
    .split("\n")
    .map((l) => `# ${l}`.trimEnd())
    .join("\n");
  return `${comment}\n${stringify(object, { lineWidth: 0 })}`;
}

/**
 * Appends `item` to the top-level list `key` of a single-document file (a kustomization's
 * `patches`), creating the list when absent; unchanged when the item is there already.
 */
export function appendToTopLevelList(text: string, key: string, item: unknown): EditResult {
  const docs = parseAllDocuments(text);
  const doc = docs[0];
  if (!doc || !("errors" in doc) || !isMap(doc.contents)) throw new Error("not a YAML mapping");
  const list = doc.contents.get(key, true) as YamlNode | undefined;
  const same = (n: unknown) =>
    JSON.stringify(isScalar(n) || isMap(n) ? n.toJSON() : n) === JSON.stringify(item);
  if (isSeq(list) && list.items.some(same)) return { text, changed: false };
  const first = isSeq(list) ? (list.items[0] as YamlNode | undefined) : undefined;
  const last = isSeq(list) ? (list.items[list.items.length - 1] as YamlNode | undefined) : undefined;
  if (isSeq(list) && !list.flow && first?.range && last?.range) {
    const edit = insertion(
      text,
      last.range[1] - 1,
      Math.max(0, column(text, first.range[0]) - 2),
      [item],
      true,
    );
    return { text: text.slice(0, edit.start) + edit.text + text.slice(edit.end), changed: true };
  }
  if (isSeq(list)) list.add(doc.createNode(item));
  else (doc.contents as YAMLMap).set(key, doc.createNode([item]));
  const rendered = doc.toString({ lineWidth: 0, indentSeq: seqIndented(text) });
  return { text: rendered, changed: rendered !== text };
}

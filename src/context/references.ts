import type { KubeObject } from "./context-source.js";
import { isRecord } from "../core/json.js";

/**
 * What a workload points at outside its namespace: Services it calls by DNS name
 * (`<name>.<namespace>` in an env value, argument or command), and what backs them.
 * Shared by the context sources, so that a snapshot and a live cluster scope the same
 * objects for an incident.
 */

/** Every string value under a pod spec's containers: env values, args and commands. */
export function referenceText(o: KubeObject): string {
  const spec = o.kind === "Pod" ? o.spec : undefined;
  const template = isRecord(o.spec) && isRecord(o.spec.template) ? o.spec.template.spec : undefined;
  const podSpec = spec ?? template;
  if (!isRecord(podSpec)) return "";
  const parts: string[] = [];
  const containers = [podSpec.containers, podSpec.initContainers].flatMap((c) => (Array.isArray(c) ? c : []));
  for (const c of containers) {
    if (!isRecord(c)) continue;
    for (const env of Array.isArray(c.env) ? c.env : [])
      if (isRecord(env) && typeof env.value === "string") parts.push(env.value);
    for (const list of [c.args, c.command]) {
      for (const a of Array.isArray(list) ? list : []) if (typeof a === "string") parts.push(a);
    }
  }
  return parts.join("\n");
}

/** `<name>.<namespace>` references (DNS names of Services) found in the text. */
export function referencedNames(text: string): { name: string; namespace: string }[] {
  const out: { name: string; namespace: string }[] = [];
  const re =
    /\b([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?=\.svc\b|:|\/|$|\s)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] && m[2]) out.push({ name: m[1], namespace: m[2] });
  }
  return out;
}

export function labelsOf(o: KubeObject): Record<string, string> {
  return isRecord(o.metadata.labels) ? o.metadata.labels : {};
}

/** A Service's plain label selector (`spec.selector`). */
export function serviceSelector(svc: KubeObject): Record<string, string> {
  return isRecord(svc.spec) && isRecord(svc.spec.selector)
    ? (svc.spec.selector as Record<string, string>)
    : {};
}

/** A non-empty plain selector that every label of matches. */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/**
 * Without a Service of that name, the objects that look like what a reference means:
 * named after it, or labelled with it as their app.
 */
export function namedAfter(o: KubeObject, name: string): boolean {
  const labels = labelsOf(o);
  return (
    o.metadata.name === name ||
    o.metadata.name.startsWith(`${name}-`) ||
    labels["app.kubernetes.io/name"] === name ||
    labels["app.kubernetes.io/instance"] === name ||
    labels.app === name
  );
}

/**
 * Names that come from alerts (namespaces, object and container names, incident ids)
 * and become branch names, file names or git arguments. Each is checked against the
 * grammar Kubernetes or this system gives it; anything else is refused, never escaped.
 */
import { InputError } from "../core/errors.js";

/** DNS-1123 label: namespaces, container names. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** DNS-1123 subdomain: most object names. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Incident ids as the collector makes them (letters, digits and dashes). */
const INCIDENT_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
/** Kinds: an identifier. */
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;

function check(value: unknown, pattern: RegExp, what: string, field: string, max = 253): string {
  if (typeof value !== "string" || value.length > max || !pattern.test(value)) {
    throw new InputError(`refusing ${what} ${JSON.stringify(value)}: not a valid ${what}`, field);
  }
  return value;
}

export function checkNamespace(value: unknown): string {
  return check(value, DNS_LABEL, "namespace", "target.namespace", 63);
}

export function checkObjectName(value: unknown): string {
  return check(value, DNS_SUBDOMAIN, "object name", "target.name");
}

export function checkContainerName(value: unknown): string {
  return check(value, DNS_LABEL, "container name", "target.container", 63);
}

export function checkKind(value: unknown): string {
  return check(value, KIND, "kind", "target.kind", 63);
}

export function checkIncidentId(value: unknown): string {
  return check(value, INCIDENT_ID, "incident id", "incidentId", 63);
}

/** The branch of an incident's proposal: `aiops/<incident-id>`, a valid and option-free ref name. */
export function branchFor(incidentId: string, prefix = "aiops"): string {
  return checkRefName(`${prefix}/${checkIncidentId(incidentId)}`);
}

/**
 * A branch name git accepts (git check-ref-format's rules) that cannot be read as an
 * option: no leading dash, no `..`, no `@{`, no control characters, spaces, `~^:?*[\`.
 */
export function checkRefName(value: string): string {
  const bad =
    value.length === 0 ||
    value.length > 200 ||
    value.startsWith("-") ||
    value.startsWith("/") ||
    value.endsWith("/") ||
    value.endsWith(".") ||
    value.endsWith(".lock") ||
    value.includes("..") ||
    value.includes("//") ||
    value.includes("@{") ||
    value === "@" ||
    [...value].some((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f) ||
    /[~^:?*[\\]/.test(value) ||
    value.split("/").some((part) => part.startsWith("."));
  if (bad) throw new InputError(`refusing branch name ${JSON.stringify(value)}`, "branch");
  return value;
}

/**
 * Redaction of credentials from what the collector gathers, before any of it is stored,
 * logged, embedded or sent to a model. Logs and alert annotations go through the text
 * patterns below; container env values are redacted whole when the variable's name says
 * it holds a secret, and through the text patterns otherwise (so a database URL keeps its
 * host, which the dependency analyzers need, and loses its password). Secret objects lose
 * `data` and `stringData`. The patterns favour redacting too much over too little, but
 * never touch the words around a secret: "password authentication failed" stays.
 */
import type { ContextBundle, KubeObject } from "./context-source.js";
import { isRecord } from "../core/json.js";

export const REDACTED = "[redacted]";

export interface RedactionPattern {
  name: string;
  /** Global regex; `replace` receives its match and groups. */
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

const KEY_WORDS =
  "password|passwd|pwd|pass|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|auth[_-]?token|session[_-]?id|credentials?";

/** The text patterns, applied in this order. Exported so that the docs and tests list them. */
export const REDACTION_PATTERNS: readonly RedactionPattern[] = [
  {
    name: "PEM private key block",
    pattern: /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g,
    replace: () => `-----BEGIN PRIVATE KEY----- ${REDACTED} -----END PRIVATE KEY-----`,
  },
  {
    name: "Authorization header (Bearer, Basic, Token, Digest or raw)",
    pattern:
      /\b((?:proxy-)?authorization"?\s*[:=]\s*"?)(bearer |basic |token |digest |negotiate )?([^\s",;]+)/gi,
    replace: (_m, head: string, scheme = "") => `${head}${scheme}${REDACTED}`,
  },
  {
    name: "Bearer token",
    pattern: /\b(bearer\s+)(?!\[redacted\])[A-Za-z0-9\-._~+/]{8,}=*/gi,
    replace: (_m, head: string) => `${head}${REDACTED}`,
  },
  {
    name: "JSON Web Token",
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
    replace: () => REDACTED,
  },
  {
    name: "Password in a URL (connection strings: postgres://, mysql://, mongodb+srv://, redis://, amqp://, https://)",
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"']*:)([^\s@/"']+)(@)/gi,
    replace: (_m, head: string, _password: string, at: string) => `${head}${REDACTED}${at}`,
  },
  {
    name: "Cloud and SaaS token formats (AWS key id, GitHub, GitLab, Slack, Google, OpenAI-style sk-)",
    pattern:
      /\b(?:(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|sk-[A-Za-z0-9_-]{20,})\b/g,
    replace: () => REDACTED,
  },
  {
    name: "Slack or other incoming-webhook URL secret path",
    pattern: /\b(https:\/\/hooks\.slack\.com\/services\/)[A-Za-z0-9/]+/g,
    replace: (_m, head: string) => `${head}${REDACTED}`,
  },
  {
    name: 'key=value or key: value where the key names a secret (password=, "token": "...", Password=...; in connection strings)',
    pattern: new RegExp(
      `((?:^|[^A-Za-z0-9])(?:[A-Za-z0-9]+[_.-])*(?:${KEY_WORDS})"?'?\\s*(?:=|:(?!//))\\s*)(\\[redacted\\]|"[^"]*"|'[^']*'|[^\\s,;&"'}\\]]+)`,
      "gi",
    ),
    replace: (_m, head: string, value: string) =>
      value === REDACTED || value.includes(REDACTED)
        ? `${head}${value}`
        : value.startsWith('"')
          ? `${head}"${REDACTED}"`
          : value.startsWith("'")
            ? `${head}'${REDACTED}'`
            : `${head}${REDACTED}`,
  },
];

/** Env variable names whose value is a secret in itself. */
const SECRET_ENV_NAME = new RegExp(`(?:^|_)(?:${KEY_WORDS.replace(/\[_-\]\?/g, "_?")})(?:$|_)`, "i");

/** Redacts every credential the patterns recognise in `text`. */
export function redactText(text: string): string {
  let out = text;
  for (const { pattern, replace } of REDACTION_PATTERNS) {
    pattern.lastIndex = 0;
    out = out.replace(pattern, replace as (substring: string, ...args: unknown[]) => string);
  }
  return out;
}

/** An env value: whole when the name says secret, the text patterns otherwise. */
export function redactEnvValue(name: string, value: string): string {
  if (value === "") return value;
  // PASSWORD_FILE=/run/secrets/db and ALLOW_EMPTY_PASSWORD=no name a secret but hold none.
  const holdsSecret =
    SECRET_ENV_NAME.test(name) && !NOT_A_SECRET_NAME.test(name) && !NOT_A_SECRET_VALUE.test(value);
  return holdsSecret ? REDACTED : redactText(value);
}

const NOT_A_SECRET_NAME = /_(?:FILE|PATH|DIR|NAME|REF|KEY_ID|TTL|EXPIRY|LENGTH)$/i;
const NOT_A_SECRET_VALUE = /^(?:true|false|yes|no|on|off|enabled|disabled|[01])$/i;

/** A copy of the bundle with credentials redacted from logs, env values, annotations and Secrets. */
export function redactBundle(bundle: ContextBundle): ContextBundle {
  return {
    ...bundle,
    objects: bundle.objects.map(redactObject),
    logs: bundle.logs.map((log) => ({ ...log, text: redactText(log.text) })),
  };
}

function redactObject(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  if (copy.kind === "Secret") {
    delete copy.data;
    delete copy.stringData;
  }
  const annotations = copy.metadata.annotations;
  if (annotations) {
    for (const key of Object.keys(annotations)) {
      const value = annotations[key];
      if (typeof value === "string") annotations[key] = redactText(value);
    }
  }
  forEachContainer(copy, (container) => {
    const env = container.env;
    if (!Array.isArray(env)) return;
    for (const entry of env) {
      if (isRecord(entry) && typeof entry.name === "string" && typeof entry.value === "string") {
        entry.value = redactEnvValue(entry.name, entry.value);
      }
    }
    for (const key of ["args", "command"] as const) {
      const list = container[key];
      if (Array.isArray(list)) {
        container[key] = list.map((a: unknown) => (typeof a === "string" ? redactText(a) : a));
      }
    }
  });
  return copy;
}

/** Calls `fn` on every container of a Pod or of a workload's pod template (also CronJob's). */
function forEachContainer(object: KubeObject, fn: (container: Record<string, unknown>) => void): void {
  const specs: unknown[] = [];
  const spec = object.spec;
  if (isRecord(spec)) {
    specs.push(spec);
    if (isRecord(spec.template)) specs.push(spec.template.spec);
    if (
      isRecord(spec.jobTemplate) &&
      isRecord(spec.jobTemplate.spec) &&
      isRecord(spec.jobTemplate.spec.template)
    )
      specs.push(spec.jobTemplate.spec.template.spec);
  }
  for (const podSpec of specs) {
    if (!isRecord(podSpec)) continue;
    for (const list of [podSpec.containers, podSpec.initContainers, podSpec.ephemeralContainers]) {
      if (!Array.isArray(list)) continue;
      for (const container of list) if (isRecord(container)) fn(container);
    }
  }
}

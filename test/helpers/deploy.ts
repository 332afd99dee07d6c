/**
 * deploy/ read by tests: every manifest parsed, the PrometheusRule as a Prometheus rules
 * file, and the shipped rules and Alertmanager configuration rendered for a test.
 *
 * The test rendering changes only timing and addresses, never what an alert matches:
 * - rules: every `for:` becomes `0s`, and every range or offset written in minutes
 *   (`[5m]`, `offset 10m`) becomes the same number of seconds, so a rule fires on the
 *   first evaluations and resolves seconds after its series stop showing the failure;
 * - Alertmanager: the aiops receiver's URL and bearer token file are the test's, and
 *   `group_wait: 0s`, `group_interval: 1s` send each change at once.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { REPO } from "./system.js";

export const DEPLOY = join(REPO, "deploy");

export interface Manifest {
  /** Path relative to deploy/. */
  file: string;
  doc: Record<string, unknown>;
}

export function deployFiles(dir = DEPLOY): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? deployFiles(path) : [path];
  });
}

/** Every document of every YAML file under deploy/ (parse errors throw, naming the file). */
export function loadManifests(): Manifest[] {
  return deployFiles()
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((path) => {
      const file = relative(DEPLOY, path);
      return parseAllDocuments(readFileSync(path, "utf8")).map((d) => {
        if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message}`);
        return { file, doc: d.toJSON() as Record<string, unknown> };
      });
    })
    .filter((m) => m.doc !== null);
}

interface RuleGroup {
  name: string;
  rules: { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string> }[];
}

/** The shipped PrometheusRule's `spec.groups`. */
export function ruleGroups(): RuleGroup[] {
  const rule = loadManifests().find((m) => m.doc.kind === "PrometheusRule");
  if (!rule) throw new Error("deploy/ holds no PrometheusRule");
  return (rule.doc.spec as { groups: RuleGroup[] }).groups;
}

/** The PrometheusRule as a Prometheus rules file, as shipped. */
export function rulesFile(): string {
  return stringify({ groups: ruleGroups() });
}

/** The rules file with every `for:` at 0s and minute windows and offsets as seconds. */
export function rulesFileForTest(): string {
  const groups = ruleGroups().map((g) => ({
    ...g,
    rules: g.rules.map((r) => ({
      ...r,
      expr: r.expr.replace(/\[(\d+)m\]/g, "[$1s]").replace(/offset (\d+)m\b/g, "offset $1s"),
      ...(r.for !== undefined ? { for: "0s" } : {}),
    })),
  }));
  return stringify({ groups });
}

export const ALERTMANAGER_CONFIG = join(DEPLOY, "alertmanager/alertmanager.yml");

interface WebhookConfig {
  url: string;
  http_config?: { authorization?: { credentials_file?: string } };
}

/** deploy/alertmanager/alertmanager.yml with the aiops receiver at `url`, its token in `tokenFile`, no waits. */
export function alertmanagerConfigForTest(options: { url: string; tokenFile: string }): string {
  const config = parse(readFileSync(ALERTMANAGER_CONFIG, "utf8")) as {
    route: Record<string, unknown>;
    receivers: { name: string; webhook_configs?: WebhookConfig[] }[];
  };
  const aiops = config.receivers.find((r) => r.name === config.route.receiver);
  const webhook = aiops?.webhook_configs?.[0];
  if (!webhook?.http_config?.authorization)
    throw new Error("the default receiver has no webhook with a bearer token");
  webhook.url = options.url;
  webhook.http_config.authorization.credentials_file = options.tokenFile;
  config.route.group_wait = "0s";
  config.route.group_interval = "1s";
  return stringify(config);
}

/** The rules of the shipped read-only ClusterRole (deploy/rbac), for the fake API server to enforce. */
export function contextRoleRules(): { apiGroups?: string[]; resources?: string[]; verbs: string[] }[] {
  const role = loadManifests().find((m) => m.file.startsWith("rbac/") && m.doc.kind === "ClusterRole");
  if (!role) throw new Error("deploy/rbac holds no ClusterRole");
  return role.doc.rules as { verbs: string[] }[];
}

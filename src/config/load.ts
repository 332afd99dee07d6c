import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { ConfigError } from "../core/errors.js";
import { configSchema, type Config } from "./schema.js";
import { NOTIFY_ENV_KEYS } from "../notify/config.js";
import { isRecord } from "../core/json.js";

type Tree = Record<string, unknown>;

/**
 * Environment variables and the config key each sets. `*_FILE` variants read the value
 * from a file (Kubernetes Secret mounts), so credentials never need to sit in env.
 */
export const ENV_KEYS: readonly { env: string; path: string; secret?: boolean }[] = [
  { env: "AIOPS_HOST", path: "server.host" },
  { env: "AIOPS_PORT", path: "server.port" },
  { env: "AIOPS_BODY_LIMIT_BYTES", path: "server.bodyLimitBytes" },
  { env: "AIOPS_WEBHOOK_TOKEN", path: "auth.bearerToken", secret: true },
  { env: "AIOPS_BASIC_USERNAME", path: "auth.basicUsername" },
  { env: "AIOPS_BASIC_PASSWORD", path: "auth.basicPassword", secret: true },
  { env: "AIOPS_AUTH_DISABLED", path: "auth.disabled" },
  { env: "AIOPS_TOKEN_FILE", path: "auth.tokenFile" },
  { env: "AIOPS_BUS", path: "bus.kind" },
  { env: "AIOPS_MAX_DELIVER", path: "bus.maxDeliver" },
  { env: "AIOPS_SUBJECT_ALERTS", path: "bus.subjects.alerts" },
  { env: "AIOPS_SUBJECT_INCIDENTS", path: "bus.subjects.incidents" },
  { env: "AIOPS_SUBJECT_DIAGNOSES", path: "bus.subjects.diagnoses" },
  { env: "AIOPS_SUBJECT_REMEDIATIONS", path: "bus.subjects.remediations" },
  { env: "AIOPS_SUBJECT_NOTIFICATIONS", path: "bus.subjects.notifications" },
  { env: "AIOPS_SUBJECT_DEAD_LETTER", path: "bus.subjects.deadLetter" },
  { env: "NATS_URL", path: "bus.nats.url" },
  { env: "NATS_USER", path: "bus.nats.user" },
  { env: "NATS_PASSWORD", path: "bus.nats.pass", secret: true },
  { env: "NATS_TOKEN", path: "bus.nats.token", secret: true },
  { env: "NATS_NKEY_SEED_FILE", path: "bus.nats.nkeySeedFile" },
  { env: "NATS_CREDS_FILE", path: "bus.nats.credsFile" },
  { env: "NATS_TLS_CA_FILE", path: "bus.nats.tls.caFile" },
  { env: "NATS_TLS_CERT_FILE", path: "bus.nats.tls.certFile" },
  { env: "NATS_TLS_KEY_FILE", path: "bus.nats.tls.keyFile" },
  { env: "AIOPS_NATS_STREAM", path: "bus.nats.stream" },
  { env: "AIOPS_NATS_ACK_WAIT_MS", path: "bus.nats.ackWaitMs" },
  { env: "AIOPS_STORE", path: "store.kind" },
  { env: "AIOPS_KV_BUCKET", path: "store.bucket" },
  { env: "AIOPS_DB_PATH", path: "store.path" },
  { env: "AIOPS_CONTEXT", path: "context.kind" },
  { env: "AIOPS_SNAPSHOT", path: "context.snapshot" },
  { env: "KUBECONFIG", path: "context.kubernetes.kubeconfig" },
  { env: "AIOPS_KUBE_CONTEXT", path: "context.kubernetes.context" },
  { env: "AIOPS_KUBE_IN_CLUSTER", path: "context.kubernetes.inCluster" },
  { env: "PROMETHEUS_URL", path: "context.prometheus.url" },
  { env: "PROMETHEUS_BEARER_TOKEN", path: "context.prometheus.bearerToken", secret: true },
  { env: "LOKI_URL", path: "context.loki.url" },
  { env: "LOKI_TENANT", path: "context.loki.tenant" },
  { env: "AIOPS_MEMORY", path: "memory.kind" },
  { env: "CHROMA_URL", path: "memory.chromaUrl" },
  { env: "AIOPS_MEMORY_K", path: "memory.k" },
  { env: "AIOPS_OUTCOME_WINDOW_MS", path: "memory.outcomeWindowMs" },
  { env: "AIOPS_MEMORY_EMBEDDER", path: "memory.embedder" },
  { env: "AIOPS_MEMORY_DIMENSION", path: "memory.dimension" },
  { env: "OLLAMA_URL", path: "memory.ollama.url" },
  { env: "AIOPS_OLLAMA_EMBED_MODEL", path: "memory.ollama.model" },
  { env: "AIOPS_OLLAMA_TIMEOUT_MS", path: "memory.ollama.timeoutMs" },
  { env: "OPENAI_BASE_URL", path: "memory.openai.baseUrl" },
  { env: "AIOPS_OPENAI_EMBED_MODEL", path: "memory.openai.model" },
  { env: "OPENAI_API_KEY", path: "memory.openai.apiKey", secret: true },
  { env: "AIOPS_OPENAI_EMBED_DIMENSIONS", path: "memory.openai.dimensions" },
  { env: "AIOPS_OPENAI_TIMEOUT_MS", path: "memory.openai.timeoutMs" },
  { env: "AIOPS_LLM", path: "llm.kind" },
  { env: "AIOPS_LLM_LANGUAGE", path: "llm.language" },
  { env: "AIOPS_LLM_TIMEOUT_MS", path: "llm.timeoutMs" },
  { env: "AIOPS_LLM_CONCURRENCY", path: "llm.concurrency" },
  { env: "OLLAMA_URL", path: "llm.ollama.url" },
  { env: "AIOPS_OLLAMA_CHAT_MODEL", path: "llm.ollama.model" },
  { env: "OPENAI_BASE_URL", path: "llm.openai.baseUrl" },
  { env: "AIOPS_OPENAI_CHAT_MODEL", path: "llm.openai.model" },
  { env: "OPENAI_API_KEY", path: "llm.openai.apiKey", secret: true },
  { env: "AIOPS_GITOPS_REPO", path: "gitops.repo" },
  { env: "AIOPS_GITOPS_WORKDIR", path: "gitops.workdir" },
  { env: "AIOPS_GITOPS_BASE_BRANCH", path: "gitops.baseBranch" },
  { env: "AIOPS_GITOPS_PATHS", path: "gitops.paths" },
  { env: "AIOPS_GITOPS_TOKEN", path: "gitops.token", secret: true },
  { env: "AIOPS_GITOPS_USERNAME", path: "gitops.username" },
  { env: "AIOPS_GITOPS_SSH_KEY_FILE", path: "gitops.sshKeyFile" },
  { env: "AIOPS_GITOPS_AUTHOR", path: "gitops.author" },
  { env: "AIOPS_GITOPS_LABELS", path: "gitops.labels" },
  { env: "AIOPS_CONSOLE_URL", path: "server.publicUrl" },
  { env: "AIOPS_GITOPS_PULL_REQUESTS", path: "gitops.pullRequests" },
  { env: "AIOPS_GITOPS_POLL_INTERVAL_MS", path: "gitops.pollIntervalMs" },
  { env: "AIOPS_FORGE", path: "gitops.forge.kind" },
  { env: "AIOPS_FORGE_URL", path: "gitops.forge.url" },
  { env: "AIOPS_FORGE_REPO", path: "gitops.forge.repo" },
  { env: "AIOPS_FORGE_TOKEN", path: "gitops.forge.token", secret: true },
  { env: "AIOPS_APPLY_MODE", path: "apply.mode" },
  { env: "AIOPS_APPLY_ALLOW_ACTIONS", path: "apply.allow.actions" },
  { env: "AIOPS_APPLY_ALLOW_NAMESPACES", path: "apply.allow.namespaces" },
  { env: "AIOPS_APPLY_RATE_PER_HOUR", path: "apply.ratePerHour" },
  { env: "AIOPS_APPLY_ON_APPROVE", path: "apply.onApprove" },
  { env: "AIOPS_APPLY_KUBECONFIG", path: "apply.kubeconfig" },
  { env: "AIOPS_APPLY_IN_CLUSTER", path: "apply.inCluster" },
  { env: "AIOPS_LOG_LEVEL", path: "log.level" },
  ...NOTIFY_ENV_KEYS,
];

export interface LoadOptions {
  /** A YAML or JSON file; AIOPS_CONFIG names one when this is absent. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, as a partial config tree (highest precedence). */
  flags?: Tree;
}

/** Defaults, then the file, then env, then flags; validated with errors that name the key. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? {};
  const file = options.file ?? env.AIOPS_CONFIG;
  let tree: Tree = {};
  if (file) tree = merge(tree, readConfigFile(file));
  tree = merge(tree, fromEnv(env));
  tree = merge(tree, options.flags ?? {});
  return validate(withDerivedDefaults(tree));
}

/** Defaults that depend on other keys: on NATS, replicas must share state, so the store follows the bus. */
function withDerivedDefaults(tree: Tree): Tree {
  const bus = isRecord(tree.bus) ? tree.bus : {};
  const store = isRecord(tree.store) ? tree.store : {};
  if (bus.kind === "nats" && store.kind === undefined) return merge(tree, { store: { kind: "nats-kv" } });
  return tree;
}

export function validate(tree: Tree): Config {
  const result = configSchema.safeParse(tree);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  return result.data;
}

function readConfigFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    const doc = parseDocument(text, { logLevel: "silent" });
    // A warning (an unknown tag, say) would silently change a value: refuse it like an error.
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) throw problem;
    parsed = doc.toJS();
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid YAML or JSON: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a mapping at the top level`);
  }
  return parsed as Tree;
}

function fromEnv(env: NodeJS.ProcessEnv): Tree {
  const tree: Tree = {};
  for (const { env: name, path } of ENV_KEYS) {
    let value = env[name];
    const fileName = env[`${name}_FILE`];
    if (value === undefined && fileName) {
      try {
        value = readFileSync(fileName, "utf8").trim();
      } catch (error) {
        throw new ConfigError(`cannot read ${name}_FILE (${fileName}): ${(error as Error).message}`);
      }
    }
    if (value !== undefined && value !== "") setPath(tree, path, value);
  }
  return tree;
}

export function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== "object" || next === null) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1] as string] = value;
}

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    if (isRecord(value) && isRecord(current)) out[key] = merge(current, value);
    else if (value !== undefined) out[key] = value;
  }
  return out;
}

import { z } from "zod";
import { DEFAULT_SUBJECTS } from "../transport/subjects.js";
import { notifyConfigSchema } from "../notify/config.js";

/**
 * The configuration, with its defaults: the embedded default needs no setting at all.
 * docs/configuration.md documents every key, its env variable and its flag.
 */
const subject = z.string().regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, "a NATS subject without wildcards");
const httpUrl = z.url({ protocol: /^https?$/, error: "an http(s) URL" });
/** Bound on one request to a remote embedding model, body included. */
/** A boolean from YAML, or from env and flags as "true"/"false" (z.coerce.boolean would read "false" as true). */
const flag = z.preprocess(
  (v) => (typeof v === "string" && /^(true|false)$/i.test(v.trim()) ? v.trim().toLowerCase() === "true" : v),
  z.boolean({ error: "true or false" }),
);
/** A list from YAML, or from env and flags as a comma-separated string. */
const stringList = (fallback: string[]) =>
  z.preprocess(
    (v) =>
      typeof v === "string"
        ? v
            .split(",")
            .map((p) => p.trim())
            .filter(Boolean)
        : v,
    z.array(z.string().min(1)).default(fallback),
  );
const embedTimeoutMs = z.coerce.number().int().min(100).max(600_000).default(10_000);

/** An Ollama server and the model to use on it, with extra keys per use. */
function ollamaServer<T extends z.ZodRawShape>(model: string, extra: T) {
  return z.strictObject({
    url: httpUrl.default("http://localhost:11434"),
    /** A model the server has pulled. */
    model: z.string().min(1).default(model),
    ...extra,
  });
}

/** An OpenAI-compatible server; base URL and model are required where the kind selects it. */
function openAiServer<T extends z.ZodRawShape>(extra: T) {
  return z.strictObject({
    /** The API base, with or without /v1. */
    baseUrl: httpUrl.optional(),
    model: z.string().min(1).optional(),
    /** Sent as a Bearer token; local servers often need none. */
    apiKey: z.string().min(1).optional(),
    ...extra,
  });
}

/** The SQLite file of the embedded default; the generated API token lives beside it. */
export const DEFAULT_STORE_PATH = "data/aiops.db";

export const configSchema = z.strictObject({
  /** Slack, Teams and generic webhook notifications (docs/notifications.md); none by default. */
  notify: notifyConfigSchema,
  server: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      port: z.coerce.number().int().min(0).max(65535).default(8080),
      /** Where people reach the console (e.g. https://aiops.example.com): links in commits, pull requests and notifications. */
      publicUrl: httpUrl.optional(),
      /** Webhook bodies above this size get 413. */
      bodyLimitBytes: z.coerce
        .number()
        .int()
        .min(1024)
        .default(1024 * 1024),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** Alertmanager `http_config.authorization.credentials` (Bearer). */
      bearerToken: z.string().min(8).optional(),
      /** Alertmanager `http_config.basic_auth`. */
      basicUsername: z.string().min(1).optional(),
      basicPassword: z.string().min(8).optional(),
      /**
       * Serve the console, the API and the webhook without credentials. Only an explicit
       * `true` turns auth off: with no credentials configured, a token is generated instead.
       */
      disabled: flag.default(false),
      /** Where a generated token is kept (mode 0600); default: `api-token` beside store.path. */
      tokenFile: z.string().min(1).optional(),
    })
    .prefault({})
    .refine((a) => (a.basicUsername === undefined) === (a.basicPassword === undefined), {
      message: "basicUsername and basicPassword must be set together",
      path: ["basicUsername"],
    }),
  bus: z
    .strictObject({
      /** `memory`: in-process (one process). `nats`: NATS JetStream (agents in separate processes, replicas). */
      kind: z.enum(["memory", "nats"]).default("memory"),
      /** Deliveries before a failing message is dead-lettered. */
      maxDeliver: z.coerce.number().int().min(1).max(100).default(5),
      subjects: z
        .strictObject({
          alerts: subject.default(DEFAULT_SUBJECTS.alerts),
          incidents: subject.default(DEFAULT_SUBJECTS.incidents),
          diagnoses: subject.default(DEFAULT_SUBJECTS.diagnoses),
          remediations: subject.default(DEFAULT_SUBJECTS.remediations),
          notifications: subject.default(DEFAULT_SUBJECTS.notifications),
          deadLetter: subject.default(DEFAULT_SUBJECTS.deadLetter),
        })
        .prefault({}),
      nats: z
        .strictObject({
          /** One server or a comma-separated list. */
          url: z.string().min(1).default("nats://127.0.0.1:4222"),
          user: z.string().min(1).optional(),
          pass: z.string().min(1).optional(),
          token: z.string().min(1).optional(),
          nkeySeedFile: z.string().min(1).optional(),
          credsFile: z.string().min(1).optional(),
          tls: z
            .strictObject({
              caFile: z.string().min(1).optional(),
              certFile: z.string().min(1).optional(),
              keyFile: z.string().min(1).optional(),
            })
            .prefault({})
            .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
              message: "certFile and keyFile must be set together",
              path: ["certFile"],
            }),
          reconnectWaitMs: z.coerce.number().int().min(100).default(2000),
          stream: z
            .string()
            .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, - and _ only")
            .default("AIOPS"),
          /** How long the stream keeps messages. */
          maxAgeMs: z.coerce
            .number()
            .int()
            .min(60_000)
            .default(7 * 24 * 3600 * 1000),
          maxBytes: z.coerce
            .number()
            .int()
            .min(1024 * 1024)
            .default(1024 * 1024 * 1024),
          /** Publishes with the same idempotency key within this window are stored once. */
          duplicateWindowMs: z.coerce.number().int().min(1000).default(120_000),
          /** An unacknowledged message is redelivered after this (handlers extend it while working). */
          ackWaitMs: z.coerce.number().int().min(1000).default(30_000),
        })
        .prefault({})
        .refine((n) => (n.user === undefined) === (n.pass === undefined), {
          message: "user and pass must be set together",
          path: ["user"],
        }),
    })
    .prefault({}),
  store: z
    .strictObject({
      /**
       * `sqlite` (one process; also journals the in-process bus), `memory`, or `nats-kv`
       * (a JetStream KV bucket every replica shares; the default when bus.kind is nats).
       */
      kind: z.enum(["sqlite", "memory", "nats-kv"]).default("sqlite"),
      path: z.string().min(1).default(DEFAULT_STORE_PATH),
      bucket: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, - and _ only")
        .default("aiops_incidents"),
    })
    .prefault({}),
  context: z
    .strictObject({
      /**
       * Where the cluster's objects, events and logs come from. `none`: the alert alone.
       * `snapshot`: a scenario or `kubectl get -o json` List file. `kubernetes`: the API
       * server, read-only (deploy/rbac/clusterrole-context.yaml).
       */
      kind: z.enum(["none", "snapshot", "kubernetes"]).default("none"),
      snapshot: z.string().min(1).optional(),
      kubernetes: z
        .strictObject({
          /** A kubeconfig file; default: $KUBECONFIG, ~/.kube/config, then the pod's service account. */
          kubeconfig: z.string().min(1).optional(),
          /** Use the pod's service account only. */
          inCluster: flag.default(false),
          /** A kubeconfig context other than the current one. */
          context: z.string().min(1).optional(),
          /** The longest one gathering may take. */
          deadlineMs: z.coerce.number().int().min(100).default(15_000),
          requestTimeoutMs: z.coerce.number().int().min(100).default(5_000),
          /** API requests in flight at once. */
          concurrency: z.coerce.number().int().min(1).max(64).default(8),
          logTailLines: z.coerce.number().int().min(1).max(10_000).default(300),
          logLimitBytes: z.coerce.number().int().min(1024).max(10_485_760).default(65_536),
        })
        .prefault({}),
      /** Metrics for the analyzers (memory peaks, throttling, volume usage), with any kind. */
      prometheus: z
        .strictObject({
          url: httpUrl.optional(),
          /** Sent as a Bearer token to a protected Prometheus. */
          bearerToken: z.string().min(1).optional(),
          timeoutMs: z.coerce.number().int().min(100).default(5_000),
        })
        .prefault({}),
      /** Logs of alerted pods the cluster has none for (gone, or rotated away). */
      loki: z
        .strictObject({
          url: httpUrl.optional(),
          /** X-Scope-OrgID of a multi-tenant Loki. */
          tenant: z.string().min(1).optional(),
          lookbackMs: z.coerce.number().int().min(60_000).default(3_600_000),
          limit: z.coerce.number().int().min(1).max(5_000).default(500),
          timeoutMs: z.coerce.number().int().min(100).default(5_000),
        })
        .prefault({}),
    })
    .prefault({})
    .refine((c) => c.kind !== "snapshot" || c.snapshot !== undefined, {
      message: "context.snapshot (a file) is required when context.kind is snapshot",
      path: ["snapshot"],
    }),
  memory: z
    .strictObject({
      /**
       * `embedded`: vectors in the SQLite file (or in memory with the memory store).
       * `chroma`: a ChromaDB server, the choice for replicas. `none`: no incident memory.
       * Default: chroma when chromaUrl is set, none with the nats-kv store, else embedded.
       */
      kind: z.enum(["embedded", "chroma", "none"]).optional(),
      /** The ChromaDB server for `chroma` (what every replica shares). */
      chromaUrl: z.string().url().optional(),
      /**
       * What turns an incident signature into a vector: `hashing` (no model), `ollama`
       * (/api/embed) or `openai` (any OpenAI-compatible /v1/embeddings). Each model has a
       * vector space of its own: changing the embedder starts an empty memory beside the old one.
       */
      embedder: z.enum(["hashing", "ollama", "openai"]).default("hashing"),
      /** Vector length of the hashing embedder (a remote model's is learnt from its first answer). */
      dimension: z.coerce.number().int().min(8).max(4096).default(384),
      ollama: ollamaServer("nomic-embed-text", { timeoutMs: embedTimeoutMs }).prefault({}),
      openai: openAiServer({
        /** Asks the model for shorter vectors (text-embedding-3 and later). */
        dimensions: z.coerce.number().int().min(1).max(8192).optional(),
        timeoutMs: embedTimeoutMs,
      }).prefault({}),
      /** How many similar past incidents the RCA recalls. */
      k: z.coerce.number().int().min(1).max(50).default(5),
      /**
       * Outcome learning: a remediation applied or merged succeeded when the incident's
       * alerts resolve within this long afterwards, and failed otherwise.
       */
      outcomeWindowMs: z.coerce.number().int().min(60_000).default(1_800_000),
    })
    .prefault({})
    .refine((m) => m.embedder !== "openai" || m.openai.baseUrl !== undefined, {
      message: "memory.openai.baseUrl is required when memory.embedder is openai",
      path: ["openai", "baseUrl"],
    })
    .refine((m) => m.embedder !== "openai" || m.openai.model !== undefined, {
      message: "memory.openai.model is required when memory.embedder is openai",
      path: ["openai", "model"],
    }),
  /**
   * The language model of the RCA: `none` (the analyzers decide alone), `ollama`
   * (/api/chat) or `openai` (any OpenAI-compatible /v1/chat/completions).
   */
  llm: z
    .strictObject({
      kind: z.enum(["none", "ollama", "openai"]).default("none"),
      /** The language of the model's root-cause summary. */
      language: z.enum(["en", "fr"]).default("en"),
      /** Bound on one model call. */
      timeoutMs: z.coerce.number().int().min(100).max(600_000).default(60_000),
      /** Model calls in flight at once. */
      concurrency: z.coerce.number().int().min(1).max(64).default(2),
      /** The prompt's budget in tokens (evidence beyond it is left out, least telling first). */
      budgetTokens: z.coerce.number().int().min(500).max(200_000).default(3000),
      /** Answers kept per incident and prompt, so a repeat never calls the model twice. */
      cacheSize: z.coerce.number().int().min(1).max(100_000).default(1000),
      cacheTtlMs: z.coerce.number().int().min(1000).default(86_400_000),
      ollama: ollamaServer("mistral", {}).prefault({}),
      openai: openAiServer({}).prefault({}),
    })
    .prefault({})
    .refine((l) => l.kind !== "openai" || (l.openai.baseUrl !== undefined && l.openai.model !== undefined), {
      message: "llm.openai.baseUrl and llm.openai.model are required when llm.kind is openai",
      path: ["openai"],
    }),
  gitops: z
    .strictObject({
      /**
       * The GitOps repository proposals are committed to: a local path, an https:// URL
       * (with `token`) or an SSH remote (with `sshKeyFile`). Unset: proposals stay on the incident.
       */
      repo: z.string().min(1).optional(),
      /** Where the repository is cloned to work in. */
      workdir: z.string().min(1).default("data/gitops"),
      baseBranch: z.string().min(1).default("main"),
      /** Folder globs (relative to the repository root) holding manifests and kustomizations. */
      paths: stringList(["."]),
      /** HTTPS token (sent as basic-auth password through an http.extraHeader, never in the URL). */
      token: z.string().min(1).optional(),
      /** The user name sent with the token. */
      username: z.string().min(1).default("x-access-token"),
      /** Private key for an SSH remote. */
      sshKeyFile: z.string().min(1).optional(),
      /** Commit author, "Name <email>". */
      author: z
        .string()
        .regex(/^[^<>\n]+ <[^<>\s]+@[^<>\s]+>$/, "Name <email>")
        .default("aiops <aiops@localhost>"),
      /** Labels on pull requests. */
      labels: stringList(["aiops", "remediation"]),
      /** `auto`: a pull request with each commit; `on-approve`: when a person approves. */
      pullRequests: z.enum(["auto", "on-approve"]).default("auto"),
      /** How often open pull requests are checked for a merge (outcome learning). */
      pollIntervalMs: z.coerce.number().int().min(5_000).default(60_000),
      forge: z
        .strictObject({
          kind: z.enum(["none", "github", "gitlab", "gitea"]).default("none"),
          /** API base; default https://api.github.com for github. */
          url: httpUrl.optional(),
          /** owner/name (GitHub, Gitea) or the project path (GitLab). */
          repo: z.string().min(1).optional(),
          token: z.string().min(1).optional(),
        })
        .prefault({})
        .refine((f) => f.kind === "none" || (f.repo !== undefined && f.token !== undefined), {
          message: "gitops.forge.repo and gitops.forge.token are required with a forge",
          path: ["repo"],
        })
        .refine((f) => f.kind === "none" || f.kind === "github" || f.url !== undefined, {
          message: "gitops.forge.url is required for gitlab and gitea",
          path: ["url"],
        }),
    })
    .prefault({})
    .refine((g) => g.forge.kind === "none" || g.repo !== undefined, {
      message: "gitops.repo is required with a forge",
      path: ["repo"],
    }),
  apply: z
    .strictObject({
      /** `propose` (default), `dry-run` (also a server-side dry-run), `auto` (apply when allow-listed). */
      mode: z.enum(["propose", "dry-run", "auto"]).default("propose"),
      /** Overrides per action and/or namespace; the first match wins. */
      rules: z
        .array(
          z.strictObject({
            action: z.string().min(1).optional(),
            namespace: z.string().min(1).optional(),
            mode: z.enum(["propose", "dry-run", "auto"]),
          }),
        )
        .default([]),
      allow: z
        .strictObject({
          actions: stringList([]),
          namespaces: stringList([]),
        })
        .prefault({}),
      /** Automatic applies per hour, per process. */
      ratePerHour: z.coerce.number().int().min(0).max(1000).default(3),
      /** What approving does: open the pull request, or apply the patch to the cluster. */
      onApprove: z.enum(["pull-request", "apply"]).default("pull-request"),
      /**
       * The cluster patches go to (dry-run, auto, approve with apply). Unset: the kubeconfig of
       * context.kubernetes when context.kind is kubernetes, else none.
       */
      kubeconfig: z.string().min(1).optional(),
      inCluster: flag.default(false),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

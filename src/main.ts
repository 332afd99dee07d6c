/**
 * The composition root: configuration in, adapters chosen by name, agents and the HTTP
 * app wired by hand. Nothing else in the system picks an adapter.
 */
import type { FastifyInstance } from "fastify";
import { createCollector } from "./agents/collector.js";
import { createDeadLetterHandler, createDeadLetterReplay } from "./agents/dead-letters.js";
import { createFeedbackService } from "./agents/feedback.js";
import { startPeriodic } from "./agents/periodic.js";
import { createOutcomeTracker, type OutcomeTracker } from "./agents/outcomes.js";
import { createIntake } from "./agents/intake.js";
import { createRcaAgent } from "./agents/rca.js";
import { createRemediator } from "./agents/remediator.js";
import { diagnose } from "./analysis/diagnose.js";
import type { Config } from "./config/schema.js";
import type { ContextSource } from "./context/context-source.js";
import { NoneContextSource } from "./context/none/none-context-source.js";
import { loadSnapshotFile } from "./context/snapshot/snapshot-file.js";
import { CompositeContextSource } from "./context/composite.js";
import { KubernetesContextSource } from "./context/kubernetes/kubernetes-context-source.js";
import { LogFallbackContextSource } from "./context/loki/log-fallback.js";
import { LokiClient } from "./context/loki/loki-client.js";
import { PrometheusContextSource } from "./context/prometheus/prometheus-context-source.js";
import { buildApp } from "./http/app.js";
import { resolveApiCredentials } from "./http/credentials.js";
import { findConsoleDir } from "./http/routes/console.js";
import {
  LocalIncidentFeed,
  ObservedIncidentStore,
  type IncidentFeed,
  type WriteObserver,
} from "./store/incident-feed.js";
import { createNotificationAgent, notificationTrigger } from "./agents/notifications.js";
import type { NotificationChannel } from "./notify/channel.js";
import { createChannels } from "./notify/config.js";
import { createNotifier } from "./notify/notifier.js";
import { createLogger, type Logger } from "./observability/logger.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import { planRemediation } from "./remediation/plan.js";
import type { IncidentStore } from "./store/incident-store.js";
import { MemoryIncidentStore } from "./store/memory/memory-incident-store.js";
import { openDatabase, type SqliteDatabase } from "./store/sqlite/database.js";
import { SqliteBusJournal } from "./store/sqlite/sqlite-bus-journal.js";
import { SqliteIncidentStore } from "./store/sqlite/sqlite-incident-store.js";
import type { Bus, DeadLetter } from "./transport/bus.js";
import { JetStreamBus } from "./transport/nats/jetstream-bus.js";
import type { NatsConnectionOptions } from "./transport/nats/connection.js";
import { DeferredIncidentStore } from "./store/deferred-incident-store.js";
import { KvIncidentStore } from "./store/kv/kv-incident-store.js";
import { ConfigError, NotFoundError } from "./core/errors.js";
import { IncidentMemory } from "./memory/incident-memory.js";
import { createEmbedder, type EmbedderConfig } from "./memory/embedders/index.js";
import { EmbeddedVectorStore } from "./memory/stores/embedded-vector-store.js";
import { ChromaVectorStore } from "./memory/stores/chroma-vector-store.js";
import type { VectorStore } from "./memory/vector-store.js";
import { MemoryBus } from "./transport/memory/memory-bus.js";
import { createProposer, type Proposer, type ProposerDeps } from "./agents/proposer.js";
import { ApplyPolicy } from "./apply/policy.js";
import { KubeApplier, type Applier } from "./apply/kube-applier.js";
import { loadKubeConfig } from "./context/kubernetes/kube-api.js";
import { createForge, type Forge } from "./gitops/forge.js";
import { createGit } from "./gitops/git.js";
import { GitRepository } from "./gitops/git-repository.js";
import { createLanguageModel } from "./llm/index.js";
import type { LanguageModel } from "./llm/language-model.js";
import { createModelDiagnosis, type ModelDiagnosis } from "./llm/model-diagnosis.js";

export const ROLES = ["collector", "rca", "remediator"] as const;
/** The agents a process runs: all three (`aiops start`) or one (`aiops collector|rca|remediator`). */
export type Role = (typeof ROLES)[number];

export interface SystemOverrides {
  /** The agents this process runs; all three when absent. */
  roles?: readonly Role[];
  /** A context source built by the caller (eval, tests) instead of the configured one. */
  context?: ContextSource;
  logger?: Logger;
  clock?: () => Date;
  /** The cluster patches go to (tests: a fake API server's); otherwise from apply.* or context.kubernetes. */
  applier?: Applier;
  /** A forge built by the caller instead of the configured one. */
  forge?: Forge;
  /** Replaces the analyzers or planners (tests; later, the model-assisted RCA). */
  diagnose?: typeof diagnose;
  plan?: typeof planRemediation;
  /** A language model built by the caller (eval, tests) instead of the configured one. */
  languageModel?: LanguageModel;
  /** The built console to serve instead of the one found beside the code. */
  consoleDir?: string;
  /** Notification channels built by the caller (tests) instead of the configured ones. */
  notificationChannels?: NotificationChannel[];
}

export interface System {
  readonly config: Config;
  readonly app: FastifyInstance;
  readonly store: IncidentStore;
  readonly bus: Bus;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Starts the agents (consumers). */
  start(): Promise<void>;
  /** Listens on the configured host and port; returns the address. */
  listen(): Promise<string>;
  /** Stops taking work, drains in-flight messages, closes the bus and the store. */
  close(): Promise<void>;
}

/**
 * The configured context: the cluster (none, a snapshot or the API server), with
 * Prometheus's metrics beside it and Loki's logs behind it when they are configured.
 */
export function createContextSource(config: Config["context"]): ContextSource {
  let cluster: ContextSource;
  switch (config.kind) {
    case "none":
      cluster = new NoneContextSource();
      break;
    case "snapshot":
      // The schema guarantees the file is set for this kind.
      cluster = loadSnapshotFile(config.snapshot as string);
      break;
    case "kubernetes": {
      const k = config.kubernetes;
      cluster = new KubernetesContextSource({
        ...(k.kubeconfig ? { kubeconfigPath: k.kubeconfig } : {}),
        ...(k.context ? { contextName: k.context } : {}),
        inCluster: k.inCluster,
        deadlineMs: k.deadlineMs,
        requestTimeoutMs: k.requestTimeoutMs,
        concurrency: k.concurrency,
        logTailLines: k.logTailLines,
        logLimitBytes: k.logLimitBytes,
      });
      break;
    }
  }
  const p = config.prometheus;
  const withMetrics = p.url
    ? new CompositeContextSource([
        cluster,
        new PrometheusContextSource({
          url: p.url,
          timeoutMs: p.timeoutMs,
          ...(p.bearerToken ? { headers: { authorization: `Bearer ${p.bearerToken}` } } : {}),
        }),
      ])
    : cluster;
  const l = config.loki;
  return l.url
    ? new LogFallbackContextSource(
        withMetrics,
        new LokiClient({
          url: l.url,
          ...(l.tenant ? { tenant: l.tenant } : {}),
          lookbackMs: l.lookbackMs,
          limit: l.limit,
          timeoutMs: l.timeoutMs,
        }),
      )
    : withMetrics;
}

interface Backends {
  bus: Bus;
  store: IncidentStore;
  storeReady: () => boolean;
  /** Incidents as they change, for the console's live view. */
  feed: IncidentFeed;
  /** The SQLite file, when the store is one: the embedded incident memory lives in it too. */
  db?: SqliteDatabase;
  close(): Promise<void>;
}

/** Picks the bus and store adapters by name. The dead-letter handler is bound once the store exists. */
async function openBackends(
  config: Config,
  logger: Logger,
  onDeadLetter: (store: IncidentStore) => (letter: DeadLetter) => void,
  options: { publishNotices: boolean; clock?: () => Date },
): Promise<Backends> {
  let handleDeadLetter: (letter: DeadLetter) => void = () => undefined;
  const triggerFor = (bus: Bus) =>
    options.publishNotices
      ? notificationTrigger({ bus, logger, ...(options.clock ? { clock: options.clock } : {}) })
      : undefined;
  const deadLetters = (letter: DeadLetter) => handleDeadLetter(letter);

  if (config.bus.kind === "nats") {
    const bus = await JetStreamBus.start({
      connection: natsConnectionOptions(config),
      subjects: config.bus.subjects,
      stream: {
        name: config.bus.nats.stream,
        maxAgeMs: config.bus.nats.maxAgeMs,
        maxBytes: config.bus.nats.maxBytes,
        duplicateWindowMs: config.bus.nats.duplicateWindowMs,
      },
      maxDeliver: config.bus.maxDeliver,
      ackWaitMs: config.bus.nats.ackWaitMs,
      logger,
      onDeadLetter: deadLetters,
    });
    // On JetStream every agent queues notification requests: the notifier may run elsewhere.
    const trigger = triggerFor(bus);
    let store: IncidentStore;
    let storeReady = () => true;
    let feed: LocalIncidentFeed;
    if (config.store.kind === "nats-kv") {
      const kv = bus.connection().then((nc) => KvIncidentStore.open(nc, { bucket: config.store.bucket }));
      const deferred = new DeferredIncidentStore("nats-kv", kv);
      storeReady = () => deferred.ready();
      // Every replica writes the bucket: the live view watches it, while anyone looks.
      feed = new LocalIncidentFeed({ source: async (publish) => (await kv).watch(publish) });
      store = observe(deferred, undefined, trigger);
    } else {
      // Another process's writes to a local store are not seen live (the list shows them).
      feed = new LocalIncidentFeed();
      store = observe(openLocalStore(config).store, feed, trigger);
    }
    handleDeadLetter = onDeadLetter(store);
    return {
      bus,
      store,
      storeReady,
      feed,
      async close() {
        await feed.close();
        await bus.close();
        await store.close();
      },
    };
  }

  if (config.store.kind === "nats-kv") {
    throw new ConfigError("store.kind nats-kv needs bus.kind nats (the KV bucket lives on the NATS server)");
  }
  const local = openLocalStore(config);
  const db = local.db;
  const feed = new LocalIncidentFeed();
  const bus = new MemoryBus({
    // With SQLite the bus is journaled in the same file: accepted means stored.
    journal: db ? new SqliteBusJournal(db) : undefined,
    maxDeliver: config.bus.maxDeliver,
    onError: (error) => logger.error({ err: error }, "bus journal write failed; the message stays pending"),
    onDeadLetter: deadLetters,
  });
  const trigger = triggerFor(bus);
  const store = observe(local.store, feed, trigger);
  handleDeadLetter = onDeadLetter(store);
  return {
    bus,
    store,
    storeReady: () => true,
    db,
    feed,
    async close() {
      await feed.close();
      // The bus drains first: in-flight handlers still write to the journal and the store.
      await bus.close();
      await store.close();
      db?.close();
    },
  };
}

/** The store, telling the live feed and the notification trigger about its writes. */
function observe(
  store: IncidentStore,
  feed: LocalIncidentFeed | undefined,
  trigger: WriteObserver<string | undefined> | undefined,
): IncidentStore {
  if (!feed && !trigger) return store;
  return new ObservedIncidentStore<string | undefined>(store, {
    ...(trigger?.before ? { before: trigger.before } : {}),
    async onWrite(incident, before) {
      feed?.publish(incident);
      await trigger?.onWrite(incident, before);
    },
  });
}

function openLocalStore(config: Config): { store: IncidentStore; db?: SqliteDatabase } {
  if (config.store.kind === "sqlite") {
    const db = openDatabase(config.store.path);
    return { store: new SqliteIncidentStore(db), db };
  }
  return { store: new MemoryIncidentStore() };
}

export function memoryKind(config: Config): "embedded" | "chroma" | "none" {
  if (config.memory.kind) return config.memory.kind;
  if (config.memory.chromaUrl) return "chroma";
  // Replicas on NATS share no SQLite file: only a shared vector store makes sense there.
  return config.store.kind === "nats-kv" ? "none" : "embedded";
}

/** The incident memory, when configured: vectors in the SQLite file, or in an in-memory database. */
function openMemory(config: Config, db: SqliteDatabase | undefined): IncidentMemory | undefined {
  const kind = memoryKind(config);
  if (kind === "none") return undefined;
  let store: VectorStore;
  if (kind === "chroma") {
    if (!config.memory.chromaUrl)
      throw new ConfigError("memory.kind chroma needs memory.chromaUrl (CHROMA_URL)");
    store = new ChromaVectorStore({ url: config.memory.chromaUrl });
  } else {
    const own = db === undefined;
    store = new EmbeddedVectorStore(db ?? openDatabase(":memory:"), { closeDatabase: own });
  }
  return new IncidentMemory({
    embedder: createEmbedder(embedderConfig(config.memory)),
    store,
    k: config.memory.k,
  });
}

/** The configured embedder's settings; the schema guarantees what each kind requires. */
function embedderConfig(memory: Config["memory"]): EmbedderConfig {
  switch (memory.embedder) {
    case "hashing":
      return { kind: "hashing", dimension: memory.dimension };
    case "ollama":
      return { kind: "ollama", ...memory.ollama };
    case "openai":
      return {
        kind: "openai",
        ...memory.openai,
        baseUrl: memory.openai.baseUrl as string,
        model: memory.openai.model as string,
      };
  }
}

export function natsConnectionOptions(config: Config): NatsConnectionOptions {
  const n = config.bus.nats;
  return {
    url: n.url,
    user: n.user,
    pass: n.pass,
    token: n.token,
    nkeySeedFile: n.nkeySeedFile,
    credsFile: n.credsFile,
    tls: n.tls.caFile || n.tls.certFile ? n.tls : undefined,
    reconnectWaitMs: n.reconnectWaitMs,
    name: "aiops",
  };
}

/** The model's part in the RCA, when a model is configured (or given); undefined for `none`. */
function openModelDiagnosis(
  config: Config["llm"],
  metrics: Metrics,
  given: LanguageModel | undefined,
  clock: (() => Date) | undefined,
): ModelDiagnosis | undefined {
  const model =
    given ??
    createLanguageModel({
      kind: config.kind,
      ollama: config.ollama,
      openai: config.openai,
    });
  if (!model) return undefined;
  return createModelDiagnosis({
    model,
    metrics,
    language: config.language,
    budgetTokens: config.budgetTokens,
    timeoutMs: config.timeoutMs,
    concurrency: config.concurrency,
    cacheSize: config.cacheSize,
    cacheTtlMs: config.cacheTtlMs,
    ...(clock ? { clock } : {}),
  });
}

/** The cluster applier: apply.kubeconfig / inCluster, else the kubernetes context's, else none. */
function createApplier(config: Config): Applier | undefined {
  const a = config.apply;
  const k = config.context.kubernetes;
  if (a.kubeconfig || a.inCluster) {
    return new KubeApplier(
      loadKubeConfig({ ...(a.kubeconfig ? { kubeconfigPath: a.kubeconfig } : {}), inCluster: a.inCluster }),
    );
  }
  if (config.context.kind === "kubernetes") {
    return new KubeApplier(
      loadKubeConfig({
        ...(k.kubeconfig ? { kubeconfigPath: k.kubeconfig } : {}),
        inCluster: k.inCluster,
        ...(k.context ? { contextName: k.context } : {}),
      }),
    );
  }
  return undefined;
}

function gitIdentity(author: string): { name: string; email: string } {
  const m = /^(.+) <(.+)>$/.exec(author);
  return { name: m?.[1] ?? "aiops", email: m?.[2] ?? "aiops@localhost" };
}

/**
 * The proposer with its repository, forge, applier and policy. It consumes the
 * remediations stage only when something is configured to act on a plan (a repository,
 * a forge, or a mode other than propose); the API's approve and reject always have it.
 */
function createConfiguredProposer(
  config: Config,
  overrides: SystemOverrides,
  common: Pick<
    ProposerDeps,
    "bus" | "store" | "metrics" | "logger" | "clock" | "maxDeliver" | "workingIntervalMs"
  >,
  outcomes: ProposerDeps["outcomes"],
): { proposer: Proposer; active: boolean; pollsForge: boolean } {
  const g = config.gitops;
  const repository = g.repo
    ? new GitRepository({
        remote: g.repo,
        workdir: g.workdir,
        baseBranch: g.baseBranch,
        paths: g.paths,
        git: createGit(
          {
            ...(g.token ? { token: g.token } : {}),
            username: g.username,
            ...(g.sshKeyFile ? { sshKeyFile: g.sshKeyFile } : {}),
          },
          gitIdentity(g.author),
        ),
      })
    : undefined;
  const forge =
    overrides.forge ??
    (g.forge.kind !== "none"
      ? createForge({
          kind: g.forge.kind,
          url: g.forge.url ?? "https://api.github.com",
          repo: g.forge.repo as string,
          token: g.forge.token as string,
        })
      : undefined);
  const applier = overrides.applier ?? createApplier(config);
  const policy = new ApplyPolicy({
    mode: config.apply.mode,
    rules: config.apply.rules,
    allowActions: config.apply.allow.actions,
    allowNamespaces: config.apply.allow.namespaces,
    ratePerHour: config.apply.ratePerHour,
    ...(overrides.clock ? { clock: overrides.clock } : {}),
  });
  const proposer = createProposer({
    ...common,
    policy,
    ...(repository ? { repository } : {}),
    ...(forge ? { forge } : {}),
    pullRequests: g.pullRequests,
    labels: g.labels,
    ...(config.server.publicUrl ? { consoleUrl: config.server.publicUrl } : {}),
    ...(applier ? { applier } : {}),
    onApprove: config.apply.onApprove,
    ...(outcomes ? { outcomes } : {}),
  });
  const active =
    repository !== undefined ||
    forge !== undefined ||
    config.apply.mode !== "propose" ||
    config.apply.rules.some((r) => r.mode !== "propose");
  return { proposer, active, pollsForge: forge !== undefined };
}

export async function createSystem(config: Config, overrides: SystemOverrides = {}): Promise<System> {
  const roles = new Set<Role>(overrides.roles ?? ROLES);
  if (config.bus.kind === "memory" && roles.size < ROLES.length) {
    throw new ConfigError(
      `running only ${[...roles].join(", ")} needs bus.kind nats: the in-process bus joins agents of one process`,
    );
  }
  const logger = overrides.logger ?? createLogger({ level: config.log.level });
  const channels = overrides.notificationChannels ?? createChannels(config.notify);
  const context = overrides.context ?? createContextSource(config.context);
  const {
    bus,
    store,
    storeReady,
    db,
    feed,
    close: closeBackends,
  } = await openBackends(
    config,
    logger,
    (s) => {
      const handler = createDeadLetterHandler({ store: s, logger, clock: overrides.clock });
      return (letter) => void handler(letter);
    },
    // In one process, only a configured notifier would ever read them.
    { publishNotices: config.bus.kind === "nats" || channels.length > 0, clock: overrides.clock },
  );

  const memory = openMemory(config, db);
  // Counting reads the whole store on KV: only the process with the API reports the gauge,
  // not every replica of every agent.
  const serveApi = roles.has("collector");
  const metrics = createMetrics(serveApi ? { incidentCounts: () => store.counts() } : {});
  const common = {
    bus,
    store,
    metrics,
    logger,
    clock: overrides.clock,
    maxDeliver: config.bus.maxDeliver,
    // Well inside JetStream's ack wait, so a slow step is never redelivered to another replica.
    workingIntervalMs: Math.max(500, Math.floor(config.bus.nats.ackWaitMs / 3)),
  };
  const consoleUrl = config.server.publicUrl;
  // Outcome learning: the collector judges resolutions (and sweeps), the remediator records
  // applies and merges; one tracker serves both, teaching the memory and counting outcomes.
  const outcomes =
    serveApi || roles.has("remediator")
      ? createOutcomeTracker({
          store,
          windowMs: config.memory.outcomeWindowMs,
          logger,
          clock: overrides.clock,
          onDecided: (outcome) => metrics.remediationOutcomes.inc({ result: outcome.result }),
          ...(memory ? { learner: memory } : {}),
        })
      : undefined;
  const gitops =
    roles.has("remediator") || serveApi
      ? createConfiguredProposer(config, overrides, common, outcomes as OutcomeTracker)
      : undefined;
  const agents = [
    ...(serveApi ? [createCollector({ ...common, context, outcomes })] : []),
    ...(roles.has("rca")
      ? [
          createRcaAgent({
            ...common,
            memory,
            model: openModelDiagnosis(config.llm, metrics, overrides.languageModel, overrides.clock),
            diagnose: overrides.diagnose ?? diagnose,
          }),
        ]
      : []),
    ...(roles.has("remediator")
      ? [createRemediator({ ...common, memory, plan: overrides.plan ?? planRemediation })]
      : []),
    ...(roles.has("remediator") && gitops?.active ? [gitops.proposer] : []),
    // The notifier lives with the API: people's channels are configured where the console is.
    ...(serveApi && channels.length > 0
      ? [
          createNotificationAgent({
            ...common,
            notifier: createNotifier({
              store,
              channels,
              logger,
              ...(overrides.clock ? { clock: overrides.clock } : {}),
              ...(consoleUrl ? { consoleUrl } : {}),
              metrics: {
                sent: (channel, kind, result) => metrics.notifications.inc({ channel, kind, result }),
              },
            }),
          }),
        ]
      : []),
  ];
  // Only the process that serves the console, the API and the webhook needs credentials.
  const credentials = serveApi ? resolveApiCredentials(config.auth, config.store.path) : undefined;
  const auth = credentials && credentials.kind !== "disabled" ? credentials.auth : undefined;
  if (credentials?.kind === "generated") {
    logger.info(
      { tokenFile: credentials.file },
      "no API credentials configured: the console, API and webhook take the bearer token kept in this file",
    );
  } else if (credentials?.kind === "disabled") {
    logger.warn("auth disabled: anyone who can reach this port can read incidents and approve changes");
  }

  const consoleDir = overrides.consoleDir ?? findConsoleDir();

  let started = false;
  let sweeper: { stop(): void } | undefined;
  let mergePoller: { stop(): void } | undefined;
  const app = await buildApp({
    intake: serveApi ? createIntake({ bus, clock: overrides.clock }) : undefined,
    store: serveApi ? store : undefined,
    metrics,
    logger,
    auth,
    bodyLimitBytes: config.server.bodyLimitBytes,
    deadLetters: serveApi ? (limit) => bus.deadLetters(limit) : undefined,
    ...(serveApi
      ? {
          replayDeadLetters: createDeadLetterReplay({
            bus,
            store,
            logger,
            ...(overrides.clock ? { clock: overrides.clock } : {}),
          }),
        }
      : {}),
    ...(serveApi ? { outcomes } : {}),
    ...(serveApi && gitops ? { approvals: gitops.proposer } : {}),
    ...(serveApi ? { feed } : {}),
    ...(serveApi && consoleDir ? { consoleDir } : {}),
    feedback: serveApi
      ? createFeedbackService({
          store,
          clock: overrides.clock,
          onFeedback: async (incident, feedback) => {
            await memory?.learn(incident.id, feedback).catch((error: unknown) => {
              // An incident diagnosed before the memory was on has nothing to learn into.
              if (error instanceof NotFoundError) return;
              // The feedback is stored with the incident; only the memory misses it.
              metrics.memoryFailures.inc({ operation: "learn" });
              logger.warn(
                { err: error, incidentId: incident.id },
                "incident memory unavailable; the feedback is kept with the incident only",
              );
            });
          },
        })
      : undefined,
    readiness: async () => ({
      ready: started && bus.ready() && storeReady(),
      checks: {
        agents: { ok: started, detail: [...roles].join(",") },
        bus: { ok: bus.ready(), detail: bus.name },
        store: { ok: storeReady(), detail: store.name },
        context: { ok: true, detail: context.name },
        memory: { ok: true, detail: memory?.name ?? "none" },
      },
    }),
  });

  return {
    config,
    app,
    store,
    bus,
    metrics,
    logger,
    async start() {
      for (const agent of agents) await agent.start();
      if (serveApi && outcomes) {
        // Incidents whose window passed unresolved are decided by a sweep, a few times per window.
        const everyMs = Math.min(60_000, Math.floor(config.memory.outcomeWindowMs / 6));
        // On a large KV store one sweep reads the whole bucket: startPeriodic keeps it to one
        // at a time and a tenth of the time.
        sweeper = startPeriodic(
          () => outcomes.sweep(),
          everyMs,
          (error) => logger.warn({ err: error }, "outcome sweep failed"),
        );
      }
      if (roles.has("remediator") && gitops?.pollsForge) {
        // Merged pull requests count as applied: the forge is asked about open ones.
        mergePoller = startPeriodic(
          () => gitops.proposer.pollMerged(),
          config.gitops.pollIntervalMs,
          (error) => logger.warn({ err: error }, "pull request poll failed"),
        );
      }
      started = true;
    },
    async listen() {
      return app.listen({ host: config.server.host, port: config.server.port });
    },
    async close() {
      started = false;
      sweeper?.stop();
      mergePoller?.stop();
      await app.close();
      for (const agent of agents) await agent.stop();
      await memory?.close();
      await closeBackends();
    },
  };
}

/**
 * The composition root: configuration in, adapters chosen by name, agents and the HTTP
 * app wired by hand. Nothing else in the system picks an adapter.
 */
import type { FastifyInstance } from "fastify";
import { createCollector } from "./agents/collector.js";
import { createDeadLetterHandler } from "./agents/dead-letters.js";
import { createIntake } from "./agents/intake.js";
import { createRcaAgent } from "./agents/rca.js";
import { createRemediator } from "./agents/remediator.js";
import { diagnose } from "./analysis/diagnose.js";
import type { Config } from "./config/schema.js";
import type { ContextSource } from "./context/context-source.js";
import { NoneContextSource } from "./context/none/none-context-source.js";
import { loadSnapshotFile } from "./context/snapshot/snapshot-file.js";
import { buildApp } from "./http/app.js";
import { createLogger, type Logger } from "./observability/logger.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import { planRemediation } from "./remediation/plan.js";
import type { IncidentStore } from "./store/incident-store.js";
import { MemoryIncidentStore } from "./store/memory/memory-incident-store.js";
import { openDatabase, type SqliteDatabase } from "./store/sqlite/database.js";
import { SqliteBusJournal } from "./store/sqlite/sqlite-bus-journal.js";
import { SqliteIncidentStore } from "./store/sqlite/sqlite-incident-store.js";
import type { Bus } from "./transport/bus.js";
import { MemoryBus } from "./transport/memory/memory-bus.js";

export interface SystemOverrides {
  /** A context source built by the caller (eval, tests) instead of the configured one. */
  context?: ContextSource;
  logger?: Logger;
  clock?: () => Date;
  /** Replaces the analyzers or planners (tests; later, the model-assisted RCA). */
  diagnose?: typeof diagnose;
  plan?: typeof planRemediation;
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

export function createContextSource(config: Config["context"]): ContextSource {
  switch (config.kind) {
    case "none":
      return new NoneContextSource();
    case "snapshot":
      // The schema guarantees the file is set for this kind.
      return loadSnapshotFile(config.snapshot as string);
  }
}

export async function createSystem(config: Config, overrides: SystemOverrides = {}): Promise<System> {
  const logger = overrides.logger ?? createLogger({ level: config.log.level });
  const context = overrides.context ?? createContextSource(config.context);

  let db: SqliteDatabase | undefined;
  let store: IncidentStore;
  if (config.store.kind === "sqlite") {
    db = openDatabase(config.store.path);
    store = new SqliteIncidentStore(db);
  } else {
    store = new MemoryIncidentStore();
  }
  const onDeadLetter = createDeadLetterHandler({ store, logger, clock: overrides.clock });
  const bus: Bus = new MemoryBus({
    // With SQLite the bus is journaled in the same file: accepted means stored.
    journal: db ? new SqliteBusJournal(db) : undefined,
    maxDeliver: config.bus.maxDeliver,
    onError: (error) => logger.error({ err: error }, "bus journal write failed; the message stays pending"),
    onDeadLetter: (letter) => void onDeadLetter(letter),
  });

  const metrics = createMetrics({ incidentCounts: () => store.counts() });
  const common = { bus, store, metrics, logger, clock: overrides.clock, maxDeliver: config.bus.maxDeliver };
  const agents = [
    createCollector({ ...common, context }),
    createRcaAgent({ ...common, diagnose: overrides.diagnose ?? diagnose }),
    createRemediator({ ...common, plan: overrides.plan ?? planRemediation }),
  ];
  const intake = createIntake({ bus, clock: overrides.clock });
  const auth =
    config.auth.bearerToken || config.auth.basicUsername
      ? {
          bearerToken: config.auth.bearerToken,
          basic:
            config.auth.basicUsername && config.auth.basicPassword
              ? { username: config.auth.basicUsername, password: config.auth.basicPassword }
              : undefined,
        }
      : undefined;

  let started = false;
  const app = await buildApp({
    intake,
    store,
    metrics,
    logger,
    auth,
    bodyLimitBytes: config.server.bodyLimitBytes,
    deadLetters: (limit) => bus.deadLetters(limit),
    readiness: async () => ({
      ready: started && bus.ready(),
      checks: {
        agents: { ok: started },
        bus: { ok: bus.ready(), detail: bus.name },
        store: { ok: true, detail: store.name },
        context: { ok: true, detail: context.name },
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
      started = true;
    },
    async listen() {
      return app.listen({ host: config.server.host, port: config.server.port });
    },
    async close() {
      started = false;
      await app.close();
      for (const agent of agents) await agent.stop();
      await bus.close();
      await store.close();
      db?.close();
    },
  };
}

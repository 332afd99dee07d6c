/**
 * The ceilings of the ingest benchmark, each run in a process of its own (so that the
 * load generator does not share its event loop):
 *   node dist/bench/servers.js empty <port> [metrics]
 *     an empty Fastify route: POST /alert parses the JSON body and answers 202; with
 *     `metrics`, also GET /metrics on the agents' own registry (createMetrics: prom-client's
 *     default metrics, prefix aiops_, and the aiops_ families, left empty), the soak's
 *     baseline for RSS and event-loop delay;
 *   node dist/bench/servers.js publish <port> <nats-url> <subject>
 *     the naive baseline: the same route awaiting one JetStream publish (with its PubAck)
 *     of the body per request;
 *   node dist/bench/servers.js intake <port>
 *     a diagnostic: the collector's own HTTP path (createSystem with the collector role,
 *     configured from NATS_URL / AIOPS_* like `aiops collector`) with its agents not
 *     started, so only webhook → parse → durable publish → 202 runs, no alert consumer.
 * Prints "ready" once listening; stops on SIGTERM/SIGINT.
 */
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import Fastify from "fastify";
import type { FastifyInstance } from "fastify";
import { loadConfig } from "../config/load.js";
import { metricsRoutes } from "../http/routes/metrics.js";
import { createSystem } from "../main.js";
import { createMetrics } from "../observability/metrics.js";

async function main(): Promise<void> {
  const [mode, portArg, natsUrl, subject] = process.argv.slice(2);
  const port = Number(portArg);
  if (!["empty", "publish", "intake"].includes(mode ?? "") || !Number.isInteger(port)) {
    throw new Error(
      "usage: servers.js empty <port> [metrics] | publish <port> <nats-url> <subject> | intake <port>",
    );
  }
  if (mode === "intake") {
    const config = loadConfig({
      env: process.env,
      flags: { server: { host: "127.0.0.1", port }, log: { level: "warn" } },
    });
    const system = await createSystem(config, { roles: ["collector"] });
    await system.listen();
    process.stdout.write("ready\n");
    stopOnSignal(() => system.close());
    return;
  }
  const app: FastifyInstance = Fastify({ logger: false });
  let nc: NatsConnection | undefined;
  if (mode === "empty") {
    app.post("/alert", async (_request, reply) => reply.code(202).send({ status: "accepted" }));
    // Only on request: the ingest ceiling stays a bare route, without the event-loop monitor.
    // For `empty`, the third argument is the `metrics` flag, not a NATS URL.
    if (natsUrl === "metrics") await app.register(metricsRoutes, { registry: createMetrics().registry });
  } else {
    if (!natsUrl || !subject) throw new Error("publish needs <nats-url> <subject>");
    nc = await connect({ servers: natsUrl });
    const js = jetstream(nc);
    app.post("/alert", async (request, reply) => {
      await js.publish(subject, JSON.stringify(request.body));
      return reply.code(202).send({ status: "accepted" });
    });
  }
  await app.listen({ host: "127.0.0.1", port });
  process.stdout.write("ready\n");
  stopOnSignal(async () => {
    await app.close();
    await nc?.close();
  });
}

function stopOnSignal(close: () => Promise<void>): void {
  const stop = (): void => {
    void close().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import type { FastifyPluginAsync } from "fastify";
import type { Registry } from "prom-client";

export interface MetricsRouteOptions {
  registry: Registry;
}

/** Prometheus exposition of the process registry; open, never behind auth. */
export const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (app, opts) => {
  app.get("/metrics", async (_request, reply) => {
    const text = await opts.registry.metrics();
    return reply.type(opts.registry.contentType).send(text);
  });
};

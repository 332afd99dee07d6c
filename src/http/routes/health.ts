import type { FastifyPluginAsync } from "fastify";

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** Whether the process can do its work now (bus, store... reachable). */
export type Readiness = () => Promise<ReadinessReport>;

export interface HealthRouteOptions {
  readiness: Readiness;
}

/** Liveness and readiness probes; open, never behind auth. */
export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, opts) => {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (request, reply) => {
    let report: ReadinessReport;
    try {
      report = await opts.readiness();
    } catch (error) {
      request.log.warn({ err: error }, "readiness check failed");
      report = { ready: false, checks: { readiness: { ok: false, detail: "the readiness check failed" } } };
    }
    return reply
      .code(report.ready ? 200 : 503)
      .send({ status: report.ready ? "ready" : "not_ready", checks: report.checks });
  });
};

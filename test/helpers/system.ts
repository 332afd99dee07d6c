import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { validate } from "../../src/config/load.js";
import type { ConfigInput } from "../../src/config/schema.js";
import type { Incident } from "../../src/core/incident.js";
import { createSystem, type System, type SystemOverrides } from "../../src/main.js";
import { createLogger } from "../../src/observability/logger.js";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const DEMO_SNAPSHOT = join(REPO, "examples/demo/cluster.json");
export const SCENARIOS = join(REPO, "../shared/benchmarks/rca/scenarios");

export function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

export function tempDir(prefix = "aiops-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A system on the demo snapshot, silent, with its own SQLite file unless told otherwise. */
export async function startSystem(
  config: ConfigInput = {},
  overrides: SystemOverrides = {},
): Promise<System> {
  const system = await createSystem(
    validate({
      store: { kind: "sqlite", path: join(tempDir(), "aiops.db") },
      context: { kind: "snapshot", snapshot: DEMO_SNAPSHOT },
      auth: { disabled: true },
      ...config,
    } as Record<string, unknown>),
    { logger: createLogger({ level: "silent" }), ...overrides },
  );
  await system.start();
  return system;
}

export async function postWebhook(system: System, body: unknown, headers: Record<string, string> = {}) {
  return system.app.inject({
    method: "POST",
    url: "/alert",
    headers: { "content-type": "application/json", ...headers },
    payload: JSON.stringify(body),
  });
}

/** What a person says about an incident's diagnosis, through the API. */
export async function postFeedback(system: System, incidentId: string, body: Record<string, string>) {
  return system.app.inject({
    method: "POST",
    url: `/api/incidents/${incidentId}/feedback`,
    headers: { "content-type": "application/json" },
    payload: JSON.stringify(body),
  });
}

/** Polls the store until `predicate` holds for some incident, or fails after `timeoutMs`. */
export async function waitForIncident(
  system: System,
  predicate: (incident: Incident) => boolean,
  // Generous: git, the forge and a dry-run sit behind some predicates, on a busy CI machine.
  timeoutMs = 30_000,
): Promise<Incident> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = await system.store.list({ limit: 500 });
    for (const summary of page.items) {
      const incident = await system.store.get(summary.id);
      if (incident && predicate(incident)) return incident;
    }
    if (Date.now() > deadline) throw new Error("timed out waiting for an incident");
    // Not faster: each round reads every incident, in the event loop the pipeline runs in.
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

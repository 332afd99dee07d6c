/**
 * Learning from feedback, end to end: an incident the analyzers leave `unknown` is
 * corrected by a person; a similar new incident elsewhere gets the corrected diagnosis,
 * a dissimilar one does not. When a person then corrects the action, the next similar
 * incident's plan is that action, planned for its own workload.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { tryStartChromaServer } from "./helpers/chroma-server.js";
import { validate } from "../src/config/load.js";
import { createSystem, type System } from "../src/main.js";
import { createLogger } from "../src/observability/logger.js";
import type { Incident } from "../src/core/incident.js";
import { loadScenario, relocate, snapshotOf, whereAlerted, type ScenarioInput } from "./helpers/scenarios.js";
import { postFeedback, postWebhook, SCENARIOS, tempDir, waitForIncident } from "./helpers/system.js";

/** The scenario's evidence class, found by what the analyzers conclude, not by its name. */
const UNKNOWN_FILE = join(SCENARIOS, "d2-unknown-sigkill-no-oom-no-probe.json");
const OOM_FILE = join(SCENARIOS, "oom-python-report-export.json");

const chroma = await tryStartChromaServer();
afterAll(async () => {
  if (!("unavailable" in chroma)) await chroma.dispose();
});
const memories: [string, Record<string, unknown> | undefined][] = [
  ["embedded in the SQLite file", { kind: "embedded" }],
  [
    "on a real Chroma server",
    "unavailable" in chroma ? undefined : { kind: "chroma", chromaUrl: chroma.url },
  ],
];

describe.skipIf(!existsSync(UNKNOWN_FILE) || !existsSync(OOM_FILE)).each(memories)(
  "learning from feedback, memory %s",
  (_name, memory) => {
    let system: System | undefined;
    afterEach(async () => {
      await system?.close();
    });

    /** A person's feedback on one incident, then the next incident through the whole pipeline. */
    async function afterFeedback(
      incidentId: string,
      body: Record<string, string>,
      next: ScenarioInput,
    ): Promise<Incident> {
      const running = system as System;
      expect((await postFeedback(running, incidentId, body)).statusCode).toBe(200);
      await postWebhook(running, next.webhook);
      const { namespace } = whereAlerted(next);
      return waitForIncident(running, (i) => i.namespace === namespace && i.plan !== undefined);
    }

    it.skipIf(memory === undefined)(
      "applies a person's corrections, of the diagnosis and then of the action, to similar new incidents and not to a dissimilar one",
      async () => {
        const unknown = loadScenario(UNKNOWN_FILE);
        const { namespace } = whereAlerted(unknown);
        const similar = relocate(unknown, { namespace: "ledger-eu", app: "quote-svc" });
        const again = relocate(unknown, { namespace: "treasury-apac", app: "fx-quotes" });
        const different = loadScenario(OOM_FILE);

        const all = [unknown, similar, again, different];
        system = await createSystem(
          validate({
            store: { kind: "sqlite", path: join(tempDir(), "a.db") },
            auth: { disabled: true },
            memory,
          }),
          { context: snapshotOf(all), logger: createLogger({ level: "silent" }) },
        );
        await system.start();

        await postWebhook(system, unknown.webhook);
        const first = await waitForIncident(system, (i) => i.namespace === namespace && i.plan !== undefined);
        expect(first.diagnosis?.category).toBe("unknown");

        const second = await afterFeedback(
          first.id,
          { verdict: "correct", category: "node_not_ready", action: "manual", note: "node agent killed it" },
          similar,
        );
        expect(second.diagnosis?.category).toBe("node_not_ready");
        expect(second.diagnosis?.decidedBy).toBe("memory");
        expect(second.diagnosis?.similar?.[0]).toMatchObject({ incidentId: first.id, outcome: "corrected" });
        expect(second.diagnosis?.similar?.[0]?.similarity).toBeGreaterThan(0.9);
        expect(second.plan?.action).toBe("manual");
        expect(second.plan?.rationale).toContain(
          `A person chose manual on near-identical incident ${first.id}`,
        );

        // The diagnosis was right, the action was not: a rolling restart cleared it.
        const fourth = await afterFeedback(
          second.id,
          { verdict: "correct", action: "restart", note: "a rolling restart cleared it" },
          again,
        );
        expect(fourth.diagnosis).toMatchObject({ category: "node_not_ready", memoryAction: "restart" });
        expect(fourth.plan).toMatchObject({
          action: "restart",
          target: { kind: "Deployment", namespace: "treasury-apac", name: "fx-quotes" },
          kubectl: "kubectl rollout restart deployment/fx-quotes -n treasury-apac",
        });
        expect(fourth.plan?.rationale).toContain(
          `A person chose restart on near-identical incident ${second.id}`,
        );

        await postWebhook(system, different.webhook);
        const third = await waitForIncident(
          system,
          (i) => ![first.id, second.id, fourth.id].includes(i.id) && i.plan !== undefined,
        );
        expect(third.diagnosis?.category).toBe("oom_killed");
        expect(third.diagnosis?.decidedBy).toBe("analyzers");
        expect(third.diagnosis?.memoryAction).toBeUndefined();
        expect(third.plan?.action).toBe("increase_memory_limit");
      },
    );
  },
);

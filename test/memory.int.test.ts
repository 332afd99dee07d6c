/**
 * Learning from feedback, end to end: an incident the analyzers leave `unknown` is
 * corrected by a person; a similar new incident elsewhere gets the corrected diagnosis,
 * a dissimilar one does not.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { tryStartChromaServer } from "./helpers/chroma-server.js";
import { validate } from "../src/config/load.js";
import { createSystem, type System } from "../src/main.js";
import { createLogger } from "../src/observability/logger.js";
import { loadScenario, relocate, snapshotOf, whereAlerted } from "./helpers/scenarios.js";
import { postWebhook, SCENARIOS, tempDir, waitForIncident } from "./helpers/system.js";

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

    it.skipIf(memory === undefined)(
      "applies a person's correction to a similar new incident, and not to a dissimilar one",
      async () => {
        const unknown = loadScenario(UNKNOWN_FILE);
        const { namespace } = whereAlerted(unknown);
        const similar = relocate(unknown, { namespace: "ledger-eu", app: "quote-svc" });
        const different = loadScenario(OOM_FILE);

        const all = [unknown, similar, different];
        system = await createSystem(
          validate({ store: { kind: "sqlite", path: join(tempDir(), "a.db") }, memory }),
          { context: snapshotOf(all), logger: createLogger({ level: "silent" }) },
        );
        await system.start();

        await postWebhook(system, unknown.webhook);
        const first = await waitForIncident(system, (i) => i.namespace === namespace && i.plan !== undefined);
        expect(first.diagnosis?.category).toBe("unknown");

        const feedback = await system.app.inject({
          method: "POST",
          url: `/api/incidents/${first.id}/feedback`,
          headers: { "content-type": "application/json" },
          payload: JSON.stringify({
            verdict: "correct",
            category: "node_not_ready",
            action: "manual",
            note: "node agent killed it",
          }),
        });
        expect(feedback.statusCode).toBe(200);

        await postWebhook(system, similar.webhook);
        const second = await waitForIncident(
          system,
          (i) => i.namespace === "ledger-eu" && i.plan !== undefined,
        );
        expect(second.diagnosis?.category).toBe("node_not_ready");
        expect(second.diagnosis?.decidedBy).toBe("memory");
        expect(second.diagnosis?.similar?.[0]).toMatchObject({ incidentId: first.id, outcome: "corrected" });
        expect(second.diagnosis?.similar?.[0]?.similarity).toBeGreaterThan(0.9);

        await postWebhook(system, different.webhook);
        const third = await waitForIncident(
          system,
          (i) => i.id !== first.id && i.id !== second.id && i.plan !== undefined,
        );
        expect(third.diagnosis?.category).toBe("oom_killed");
        expect(third.diagnosis?.decidedBy).toBe("analyzers");
      },
    );
  },
);

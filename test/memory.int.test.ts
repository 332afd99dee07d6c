/**
 * Learning from feedback, end to end: an incident the analyzers leave `unknown` is
 * corrected by a person; a similar new incident elsewhere gets the corrected diagnosis,
 * a dissimilar one does not.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { tryStartChromaServer } from "./helpers/chroma-server.js";
import { validate } from "../src/config/load.js";
import { SnapshotContextSource } from "../src/context/snapshot/snapshot-context-source.js";
import type { KubeObject, LogRecord, MetricRecord } from "../src/context/context-source.js";
import { createSystem, type System } from "../src/main.js";
import { createLogger } from "../src/observability/logger.js";
import { postWebhook, SCENARIOS, tempDir, waitForIncident } from "./helpers/system.js";

interface ScenarioInput {
  webhook: { alerts: { labels: Record<string, string> }[] };
  cluster: { items: KubeObject[] };
  logs?: LogRecord[];
  metrics?: MetricRecord[];
}

/** The scenario's evidence class, found by what the analyzers conclude, not by its name. */
const UNKNOWN_FILE = join(SCENARIOS, "d2-unknown-sigkill-no-oom-no-probe.json");
const OOM_FILE = join(SCENARIOS, "oom-python-report-export.json");

function load(file: string): ScenarioInput {
  const { webhook, cluster, logs, metrics } = JSON.parse(readFileSync(file, "utf8")) as ScenarioInput;
  return { webhook, cluster, logs, metrics };
}

/** The same incident elsewhere: every occurrence of the namespace and app renamed, fingerprints changed. */
function relocate(
  input: ScenarioInput,
  from: { namespace: string; app: string },
  to: { namespace: string; app: string },
) {
  let text = JSON.stringify(input);
  text = text.split(`"${from.namespace}"`).join(`"${to.namespace}"`);
  text = text.split(`${from.namespace}/`).join(`${to.namespace}/`);
  text = text.split(from.app).join(to.app);
  text = text.replace(
    /"fingerprint":"([0-9a-f]+)"/g,
    (_m, fp: string) => `"fingerprint":"${fp.split("").reverse().join("")}"`,
  );
  text = text.replace(/2026-0\d-\d\dT/g, "2026-10-07T");
  return JSON.parse(text) as ScenarioInput;
}

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
        const unknown = load(UNKNOWN_FILE);
        const labels = unknown.webhook.alerts[0]?.labels ?? {};
        const namespace = labels.namespace as string;
        const app = (labels.pod as string).replace(/-[a-z0-9]+-[a-z0-9]+$/, "");
        const similar = relocate(unknown, { namespace, app }, { namespace: "ledger-eu", app: "quote-svc" });
        const different = load(OOM_FILE);

        const all = [unknown, similar, different];
        system = await createSystem(
          validate({ store: { kind: "sqlite", path: join(tempDir(), "a.db") }, memory }),
          {
            context: new SnapshotContextSource({
              objects: all.flatMap((s) => s.cluster.items),
              logs: all.flatMap((s) => s.logs ?? []),
              metrics: all.flatMap((s) => s.metrics ?? []),
            }),
            logger: createLogger({ level: "silent" }),
          },
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

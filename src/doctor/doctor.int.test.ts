import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tryStartChromaServer } from "../../test/helpers/chroma-server.js";
import { startFakeLoki, type FakeLoki } from "../../test/fakes/loki-server.js";
import { startFakeOllama } from "../../test/fakes/ollama-embed-server.js";
import type { FakeEmbeddingServer } from "../../test/fakes/fake-http.js";
import { tempDir } from "../../test/helpers/system.js";
import { freePort, startNatsServer, type NatsServer } from "../harness/nats-server.js";
import { startPrometheus, type PrometheusServer } from "../harness/prometheus.js";
import {
  chromaCheck,
  gitCheck,
  lokiCheck,
  natsCheck,
  ollamaCheck,
  prometheusCheck,
  sqliteCheck,
} from "./checks.js";
import { formatReport, runDoctor } from "./doctor.js";

let nats: NatsServer;
let ollama: FakeEmbeddingServer;
let loki: FakeLoki;
let prometheus: PrometheusServer | undefined;
const chroma = await tryStartChromaServer();

beforeAll(async () => {
  nats = await startNatsServer();
  ollama = await startFakeOllama();
  loki = await startFakeLoki();
  loki.push({ labels: { namespace: "shop", pod: "api-1", container: "app" }, entries: [[new Date(), "x"]] });
  prometheus = await startPrometheus({ targets: [] }).catch(() => undefined);
}, 60_000);

afterAll(async () => {
  await nats?.dispose();
  await ollama?.close();
  await loki?.close();
  await prometheus?.dispose();
  if (!("unavailable" in chroma)) await chroma.dispose();
});

describe("aiops doctor's checks against real and fake backends", () => {
  it("says what works", async () => {
    const checks = [
      natsCheck({ url: nats.url }),
      ollamaCheck(ollama.url, ["nomic-embed-text"]),
      lokiCheck(loki.url),
      gitCheck(),
      sqliteCheck(join(tempDir(), "aiops.db")),
      ...(prometheus ? [prometheusCheck(prometheus.url)] : []),
      ...("unavailable" in chroma ? [] : [chromaCheck(chroma.url)]),
    ];
    const report = await runDoctor(checks);
    expect(report.results.filter((r) => !r.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    const nats0 = report.results.find((r) => r.name === "nats");
    expect(nats0?.detail).toMatch(/JetStream on/);
    if (prometheus) {
      // A Prometheus that scrapes no kube-state-metrics works, with a note on what will be missing.
      expect(report.results.find((r) => r.name === "prometheus")?.warning).toMatch(/kube-state-metrics/);
    }
    expect(formatReport(report).at(-1)).toBe(`all ${checks.length} backends work`);
  });

  it("says what does not work, and the fix", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const readOnly = join(tempDir(), "ro");
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o500);
    const report = await runDoctor([
      natsCheck({ url: `nats://127.0.0.1:${await freePort()}` }),
      ollamaCheck(ollama.url, ["nomic-embed-text", "mistral"]),
      chromaCheck(dead),
      prometheusCheck(dead),
      lokiCheck(dead),
      ...(process.getuid?.() === 0 ? [] : [sqliteCheck(join(readOnly, "aiops.db"))]),
    ]);
    expect(report.ok).toBe(false);
    for (const r of report.results) {
      expect(r.ok, r.name).toBe(false);
      expect(r.fix, r.name).toBeTruthy();
    }
    expect(report.results.find((r) => r.name === "ollama")?.fix).toBe("ollama pull mistral");
    expect(report.results.find((r) => r.name === "nats")?.fix).toMatch(/nats-server -js/);
    const text = formatReport(report).join("\n");
    expect(text).toMatch(/^FAIL {2}nats/m);
    expect(text).toMatch(/fix: ollama pull mistral/);
    expect(text).toMatch(/backends do not work$/);
  });

  it("bounds a check that never answers", async () => {
    const report = await runDoctor(
      [{ name: "slow", target: "x", run: () => new Promise(() => undefined) }],
      200,
    );
    expect(report.results[0]).toMatchObject({ ok: false, detail: "no answer within 200 ms" });
  });
});

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { extractEvidence } from "../../context/evidence.js";
import { parseScenario } from "../../context/snapshot/scenario.js";
import { snapshotFromScenarioInput } from "../../context/snapshot/snapshot-context-source.js";
import { subjectFromAlerts } from "../../context/subject.js";
import { parseWebhook } from "../../core/alertmanager.js";
import { InputError } from "../../core/errors.js";
import { incidentSignature } from "../signature.js";
import { HashingEmbedder, cosine, fnv1a } from "./hashing-embedder.js";

const HOLDOUT = fileURLToPath(new URL("../../../test/fixtures/holdout/", import.meta.url));
const SHARED = fileURLToPath(new URL("../../../../shared/benchmarks/rca/scenarios/", import.meta.url));

/** The signature of a scenario file as the collector would build it, with names renamed first. */
async function signatureOf(path: string, rename: Record<string, string> = {}): Promise<string> {
  let text = readFileSync(path, "utf8");
  for (const [from, to] of Object.entries(rename)) text = text.split(from).join(to);
  const scenario = parseScenario(JSON.parse(text) as unknown, path);
  const webhook = parseWebhook(scenario.input.webhook);
  const firing = webhook.alerts.filter((a) => a.status === "firing");
  const subject = subjectFromAlerts(firing.length > 0 ? firing : webhook.alerts);
  const bundle = await snapshotFromScenarioInput(scenario.input).gather(subject);
  const now = new Date(Date.parse(webhook.alerts[0]?.startsAt ?? "") || Date.now());
  return incidentSignature(extractEvidence(subject, bundle, now));
}

describe("HashingEmbedder", () => {
  it("returns deterministic, L2-normalised vectors of the configured dimension", async () => {
    const e = new HashingEmbedder({ dimension: 64 });
    expect(e.model).toBe("hashing-v1");
    expect(await e.dimension()).toBe(64);
    const [a, b, c] = await e.embed([
      "alert: x\nterminated: oomkilled exit=137",
      "alert: x\nterminated: oomkilled exit=137",
      "alert: y",
    ]);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a?.length).toBe(64);
    expect(Array.from(a ?? [])).toEqual(Array.from(b ?? []));
    expect(Math.hypot(...(a ?? []))).toBeCloseTo(1, 5);
    expect(cosine(a!, c!)).toBeLessThan(0.5);
    expect(await new HashingEmbedder().dimension()).toBe(384);
  });

  it("gives the zero vector for empty text and rejects bad dimensions", async () => {
    const [v] = await new HashingEmbedder({ dimension: 16 }).embed([""]);
    expect(Array.from(v ?? [])).toEqual(new Array<number>(16).fill(0));
    expect(() => new HashingEmbedder({ dimension: 0 })).toThrow(InputError);
    expect(() => new HashingEmbedder({ dimension: 3.5 })).toThrow(InputError);
  });

  it("uses a stable 32-bit FNV-1a", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
  });

  it("honours an aborted signal", async () => {
    const ctl = new AbortController();
    ctl.abort(new Error("stop"));
    await expect(new HashingEmbedder().embed(["x"], ctl.signal)).rejects.toThrow("stop");
  });

  describe.skipIf(!existsSync(SHARED))("on evidence extracted from scenario files", () => {
    it("ranks the same failure in another namespace and app above a different failure in the same one", async () => {
      const e = new HashingEmbedder();
      // An OOM-killed Java Deployment in shop/cart.
      const oomCart = await signatureOf(`${SHARED}oom-java-cart-traffic-growth.json`);
      // OOM kills elsewhere: a Python Deployment in analytics, a DaemonSet in logging.
      const oomReport = await signatureOf(`${SHARED}oom-python-report-export.json`);
      const oomFluent = await signatureOf(`${HOLDOUT}oom-daemonset-fluent-bit-batch-node-logs.json`);
      // An image pull failure, moved into shop/cart so that only the failure differs.
      const pullInCart = await signatureOf(`${SHARED}image-tag-typo-rollout-stuck.json`, {
        "fraud-scorer": "cart",
        payments: "shop",
      });
      expect(pullInCart).not.toMatch(/\bshop\b|\bcart\b/);
      const [vCart, vReport, vFluent, vPull] = await e.embed([oomCart, oomReport, oomFluent, pullInCart]);
      const sameOther = cosine(vCart!, vReport!);
      const sameDaemonSet = cosine(vCart!, vFluent!);
      const differentSame = cosine(vCart!, vPull!);
      console.info(
        `cosine: OOM shop/cart vs OOM analytics/report-api ${sameOther.toFixed(3)}, ` +
          `vs OOM logging/fluent-bit ${sameDaemonSet.toFixed(3)}, vs image pull in shop/cart ${differentSame.toFixed(3)}`,
      );
      expect(sameOther).toBeGreaterThan(differentSame);
      expect(sameDaemonSet).toBeGreaterThan(differentSame);
    });

    it("ranks two image pull failures in different namespaces above an OOM in the same app", async () => {
      const e = new HashingEmbedder();
      const pull = await signatureOf(`${SHARED}image-tag-typo-rollout-stuck.json`);
      const pullQuay = await signatureOf(`${HOLDOUT}image-quay-tag-never-pushed-crio.json`);
      const oomInPayments = await signatureOf(`${SHARED}oom-java-cart-traffic-growth.json`, {
        cart: "fraud-scorer",
        shop: "payments",
      });
      const [a, b, c] = await e.embed([pull, pullQuay, oomInPayments]);
      console.info(
        `cosine: image pull payments vs image pull (quay, other ns) ${cosine(a!, b!).toFixed(3)}, vs OOM in payments/fraud-scorer ${cosine(a!, c!).toFixed(3)}`,
      );
      expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!));
    });

    it("gives the same vector for a scenario moved to another namespace and app", async () => {
      const e = new HashingEmbedder();
      const original = await signatureOf(`${SHARED}oom-java-cart-traffic-growth.json`);
      const moved = await signatureOf(`${SHARED}oom-java-cart-traffic-growth.json`, {
        cart: "basket-svc",
        shop: "retail-eu",
        "6b8f5d7c9d": "7c6d9f8b54",
        wnq2n: "k7x2m",
        "2026-03-14T": "2027-11-02T",
      });
      const [a, b] = await e.embed([original, moved]);
      console.info(`cosine: same scenario renamed ${cosine(a!, b!).toFixed(3)}`);
      expect(cosine(a!, b!)).toBeGreaterThan(0.98);
    });
  });
});

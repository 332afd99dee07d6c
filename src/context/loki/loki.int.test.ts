import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeLoki, type FakeLoki } from "../../../test/fakes/loki-server.js";
import type { AlertSubject } from "../../core/evidence.js";
import type { ContextBundle, ContextSource } from "../context-source.js";
import { LogFallbackContextSource } from "./log-fallback.js";
import { LokiClient } from "./loki-client.js";

const NOW = new Date("2026-03-14T10:00:00.000Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const GONE = "report-api-6c8d7b5f9-tq2lm";
const LIVE = "report-api-6c8d7b5f9-zz9xk";

let loki: FakeLoki;
beforeAll(async () => {
  loki = await startFakeLoki();
  loki.push({
    labels: { namespace: "reporting", pod: GONE, container: "api" },
    entries: [
      [minutesAgo(90), "too old: outside the lookback"],
      [minutesAgo(10), "starting report-api"],
      [minutesAgo(9), "java.lang.OutOfMemoryError: Java heap space"],
    ],
  });
  loki.push({
    labels: { namespace: "reporting", pod: GONE, container: "sidecar" },
    entries: [[minutesAgo(9), "proxy ready"]],
  });
  loki.push({
    labels: { namespace: "other", pod: GONE, container: "api" },
    entries: [[minutesAgo(5), "another namespace"]],
  });
  loki.push({
    labels: { namespace: "reporting", pod: LIVE, container: "api" },
    entries: [[minutesAgo(3), "from loki for the live pod"]],
  });
});
afterAll(async () => {
  await loki?.close();
});

function client(overrides: Partial<ConstructorParameters<typeof LokiClient>[0]> = {}) {
  return new LokiClient({ url: loki.url, clock: () => NOW, ...overrides });
}

describe("LokiClient against the fake Loki", () => {
  it("returns a pod's lines per container within the lookback, oldest first, escaped selector", async () => {
    const records = await client().podLogs("reporting", GONE);
    expect(records.map((r) => [r.container, r.text])).toEqual([
      ["api", "starting report-api\njava.lang.OutOfMemoryError: Java heap space"],
      ["sidecar", "proxy ready"],
    ]);
    expect(loki.queries.at(-1)).toMatchObject({
      query: `{namespace="reporting", pod="${GONE}"}`,
      direction: "backward",
      limit: 500,
    });
    expect(client().selectorFor('a"b', "p\\")).toBe('{namespace="a\\"b", pod="p\\\\"}');
  });

  it("keeps the newest lines within the byte cap", async () => {
    const [api] = await client({ maxBytes: 50 }).podLogs("reporting", GONE, "api");
    expect(api?.text).toBe("java.lang.OutOfMemoryError: Java heap space");
  });

  it("names Loki's reason when it refuses", async () => {
    const tenanted = await startFakeLoki({ requireTenant: "team-a" });
    try {
      const bare = new LokiClient({ url: tenanted.url, clock: () => NOW });
      await expect(bare.podLogs("reporting", GONE)).rejects.toThrow(/401: no org id/);
      const withTenant = new LokiClient({ url: tenanted.url, clock: () => NOW, tenant: "team-a" });
      await expect(withTenant.podLogs("reporting", GONE)).resolves.toEqual([]);
    } finally {
      await tenanted.close();
    }
    await expect(
      new LokiClient({ url: "http://127.0.0.1:9", timeoutMs: 500 }).podLogs("reporting", GONE),
    ).rejects.toThrow(/unreachable/);
  });
});

describe("LogFallbackContextSource", () => {
  const subject: AlertSubject = {
    alertname: "KubePodCrashLooping",
    namespace: "reporting",
    pod: GONE,
    pods: [GONE, LIVE],
    labels: {},
    annotations: {},
  };
  const livePod = {
    kind: "Pod",
    metadata: { name: LIVE, namespace: "reporting" },
    status: { containerStatuses: [{ name: "api", restartCount: 0, lastState: {} }] },
  };

  function primary(bundle: Partial<ContextBundle>): ContextSource {
    return {
      name: "kubernetes",
      gather: async () => ({ objects: [], logs: [], metrics: [], gaps: [], ...bundle }),
    };
  }

  it("adds Loki's logs for alerted pods the API had none for: a gone pod's as previous", async () => {
    const source = new LogFallbackContextSource(primary({ objects: [livePod] }), client());
    const bundle = await source.gather(subject);
    const gone = bundle.logs.filter((l) => l.pod === GONE);
    expect(gone.map((l) => [l.container, l.previous])).toEqual([
      ["api", true],
      ["sidecar", true],
    ]);
    expect(bundle.logs.find((l) => l.pod === LIVE)).toMatchObject({
      previous: false,
      text: "from loki for the live pod",
    });
  });

  it("leaves pods the API gave logs for alone, and turns a Loki failure into a gap", async () => {
    const apiLogs = [
      { namespace: "reporting", pod: GONE, container: "api", previous: true, text: "from the API" },
    ];
    const before = loki.queries.length;
    const source = new LogFallbackContextSource(primary({ logs: apiLogs }), client());
    const bundle = await source.gather({ ...subject, pods: [GONE] });
    expect(bundle.logs).toEqual(apiLogs);
    expect(loki.queries.length).toBe(before);

    const down = new LogFallbackContextSource(
      primary({}),
      new LokiClient({ url: "http://127.0.0.1:9", timeoutMs: 500 }),
    );
    const gapped = await down.gather(subject);
    expect(gapped.logs).toEqual([]);
    expect(gapped.gaps.map((g) => g.source)).toEqual(["loki", "loki"]);
  });
});

import { describe, expect, it } from "vitest";
import { peakWorkingSetBytes } from "../../analysis/facts.js";
import { cpuThrottlingAnalyzer } from "../../analysis/analyzers/cpu-throttling.js";
import { diskFillingAnalyzer } from "../../analysis/analyzers/disk-filling.js";
import type { AlertSubject } from "../../core/evidence.js";
import { extractEvidence } from "../evidence.js";
import { PrometheusContextSource } from "./prometheus-context-source.js";
import { promString, regexLiteral, selector } from "./promql.js";
import { queriesFor } from "./queries.js";

function subject(overrides: Partial<AlertSubject>): AlertSubject {
  return { alertname: "CPUThrottlingHigh", pods: [], labels: {}, annotations: {}, ...overrides };
}

describe("PromQL escaping", () => {
  it("keeps a value inside its string literal", () => {
    expect(promString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    expect(selector([{ label: "namespace", op: "=", value: 'x"}or vector(1)' }])).toBe(
      '{namespace="x\\"}or vector(1)"}',
    );
  });

  it("matches regex metacharacters literally", () => {
    expect(new RegExp(`^${regexLiteral("a.b*c(d)|e")}$`).test("a.b*c(d)|e")).toBe(true);
    expect(new RegExp(`^${regexLiteral("a.b")}$`).test("axb")).toBe(false);
  });

  it("refuses a label name that is not one", () => {
    expect(() => selector([{ label: "bad-name", op: "=", value: "x" }])).toThrow(/label name/);
  });
});

describe("queriesFor", () => {
  it("asks nothing without a namespace", () => {
    expect(queriesFor(subject({ node: "worker-1" }))).toEqual([]);
  });

  it("matches the workload's pods by their generated suffixes, not a longer workload's", () => {
    const [first] = queriesFor(subject({ namespace: "shop", deployment: "checkout" }));
    const regex = /pod=~"([^"]+)"/.exec(first?.query ?? "")?.[1]?.replace(/\\\\/g, "\\") ?? "";
    const pods = new RegExp(`^(?:${regex})$`);
    expect(pods.test("checkout-7c9f6d8b5-k2x4p")).toBe(true);
    expect(pods.test("checkout-x7k2p")).toBe(true);
    expect(pods.test("checkout-0")).toBe(true);
    expect(pods.test("checkout-api-7c9f6d8b5-k2x4p")).toBe(false);
  });
});

describe("live Prometheus answers feed the analyzers", () => {
  // A Prometheus stand-in answering each query with one series, as the HTTP API does.
  const answers: [RegExp, number][] = [
    [/cfs_throttled/, 0.42],
    [/container_memory_working_set_bytes/, 480 * 1024 * 1024],
    [/kubelet_volume_stats_used_bytes\{.*\} \//, 0.93],
  ];
  const fakeFetch: typeof fetch = async (_url, init) => {
    const query = new URLSearchParams(String(init?.body)).get("query") ?? "";
    const hit = answers.find(([re]) => re.test(query));
    const result = hit
      ? [
          {
            metric: { pod: "api-7c9f6d8b5-k2x4p", container: "app", persistentvolumeclaim: "data" },
            value: [1, String(hit[1])],
          },
        ]
      : [];
    return new Response(JSON.stringify({ status: "success", data: { resultType: "vector", result } }));
  };

  it("the throttling ratio, the memory peak and the volume usage are recognised", async () => {
    const source = new PrometheusContextSource({ url: "http://prometheus.test", fetch: fakeFetch });
    const s = subject({
      namespace: "shop",
      pod: "api-7c9f6d8b5-k2x4p",
      pods: ["api-7c9f6d8b5-k2x4p"],
      container: "app",
    });
    const evidence = extractEvidence(s, await source.gather(s));
    expect(peakWorkingSetBytes(evidence, "app")).toBe(480 * 1024 * 1024);
    const throttled = cpuThrottlingAnalyzer.analyze(evidence);
    expect(throttled[0]?.evidence.join(" ")).toContain("42% of CFS periods throttled");

    const disk = subject({
      alertname: "KubePersistentVolumeFillingUp",
      namespace: "shop",
      persistentvolumeclaim: "data",
    });
    const diskEvidence = extractEvidence(disk, await source.gather(disk));
    expect(diskFillingAnalyzer.analyze(diskEvidence)[0]?.summary).toContain("93.0% used");
  });
});

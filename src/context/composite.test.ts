import { describe, expect, it } from "vitest";
import type { AlertSubject } from "../core/evidence.js";
import { CompositeContextSource } from "./composite.js";
import type { ContextBundle, ContextSource } from "./context-source.js";

const subject: AlertSubject = { alertname: "X", namespace: "shop", pods: [], labels: {}, annotations: {} };

function fixed(name: string, bundle: Partial<ContextBundle>): ContextSource {
  return {
    name,
    gather: async () => ({ objects: [], logs: [], metrics: [], gaps: [], ...bundle }),
  };
}

const pod = (name: string, image: string) => ({
  kind: "Pod",
  metadata: { name, namespace: "shop" },
  spec: { containers: [{ name: "app", image }] },
});

describe("CompositeContextSource", () => {
  it("merges the bundles: objects and logs once each (the first source wins), metrics and gaps all", async () => {
    const cluster = fixed("kubernetes", {
      objects: [pod("a", "v2")],
      logs: [{ namespace: "shop", pod: "a", container: "app", previous: false, text: "live" }],
      gaps: [{ source: "kubernetes", reason: "events: Forbidden" }],
    });
    const recorded = fixed("snapshot", {
      objects: [pod("a", "v1"), pod("b", "v1")],
      logs: [
        { namespace: "shop", pod: "a", container: "app", previous: false, text: "recorded" },
        { namespace: "shop", pod: "a", container: "app", previous: true, text: "before" },
      ],
      metrics: [{ query: "up", result: { resultType: "vector", result: [] } }],
    });
    const bundle = await new CompositeContextSource([cluster, recorded]).gather(subject);
    expect(bundle.objects.map((o) => `${o.metadata.name}:${JSON.stringify(o.spec)}`)).toEqual([
      `a:${JSON.stringify(pod("a", "v2").spec)}`,
      `b:${JSON.stringify(pod("b", "v1").spec)}`,
    ]);
    expect(bundle.logs.map((l) => l.text)).toEqual(["live", "before"]);
    expect(bundle.metrics).toHaveLength(1);
    expect(bundle.gaps).toEqual([{ source: "kubernetes", reason: "events: Forbidden" }]);
  });

  it("turns a source that throws into a gap naming it and keeps the others' evidence", async () => {
    const broken: ContextSource = {
      name: "prometheus",
      gather: async () => {
        throw new Error("connection refused");
      },
    };
    const composite = new CompositeContextSource([
      fixed("kubernetes", { objects: [pod("a", "v1")] }),
      broken,
    ]);
    expect(composite.name).toBe("kubernetes+prometheus");
    const bundle = await composite.gather(subject);
    expect(bundle.objects).toHaveLength(1);
    expect(bundle.gaps).toEqual([{ source: "prometheus", reason: "gathering failed: connection refused" }]);
  });

  it("runs the sources concurrently under the caller's signal", async () => {
    const seen: (AbortSignal | undefined)[] = [];
    let running = 0;
    let most = 0;
    const slow = (name: string): ContextSource => ({
      name,
      gather: async (_s, signal) => {
        seen.push(signal);
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return { objects: [], logs: [], metrics: [], gaps: [] };
      },
    });
    const signal = new AbortController().signal;
    await new CompositeContextSource([slow("a"), slow("b")]).gather(subject, signal);
    expect(most).toBe(2);
    expect(seen).toEqual([signal, signal]);
  });
});

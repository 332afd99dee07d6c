import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { clip, conf, containerSpec, incidentPods, podEvents } from "../facts.js";

/**
 * evicted: the kubelet evicted pods for node resource pressure or for exceeding an
 * ephemeral-storage limit (pod phase Failed, reason Evicted; Evicted events). The
 * eviction message says which: the container over its storage limit, or the node
 * low on memory/disk with the container's usage against its request.
 */
export const evictedAnalyzer: Analyzer = {
  name: "evicted",
  category: Category.Evicted,
  analyze(e: Evidence): Finding[] {
    const pods = incidentPods(e);
    const evictedPods = pods.filter((p) => p.reason === "Evicted").map((p) => p.name);
    const events = podEvents(
      e,
      pods.map((p) => p.name),
    ).filter((ev) => ev.reason === "Evicted");
    const names = new Set([...evictedPods, ...events.map((ev) => ev.involved.name)]);
    if (names.size === 0) return [];
    const messages = [
      ...events.map((ev) => ev.message),
      ...pods.filter((p) => p.reason === "Evicted" && p.message).map((p) => p.message as string),
    ];
    const storage = messages.some((m) => /ephemeral[- ]storage|ephemeral local storage/i.test(m));
    const resource = storage
      ? "ephemeral-storage"
      : (/low on resource: (\S+?)\.?\s/.exec(messages.join(" "))?.[1] ?? "unknown");
    const container =
      /Container (\S+) (?:was using|exceeded)/.exec(messages.join(" "))?.[1] ??
      pods.flatMap((p) => p.containers).find((c) => !c.init)?.name;
    const spec = containerSpec(e, container);
    return [
      {
        analyzer: "evicted",
        category: Category.Evicted,
        confidence: conf(events.length > 0 ? 0.88 : 0.8),
        summary: `${names.size} pod(s) were evicted (${storage ? "ephemeral-storage limit exceeded" : `node low on ${resource}`}).`,
        evidence: [
          `evicted pods: ${[...names].slice(0, 5).join(", ")}`,
          ...messages.slice(0, 2).map((m) => `eviction: ${clip(m, 240)}`),
        ],
        ...(container ? { container } : {}),
        data: {
          resource,
          evictedPods: [...names],
          messages: messages.slice(0, 3),
          hasMemoryLimit: spec?.resources.limits["memory"] !== undefined,
          ...(spec?.resources.limits["ephemeral-storage"]
            ? { ephemeralStorageLimit: spec.resources.limits["ephemeral-storage"] }
            : {}),
        },
      },
    ];
  },
};

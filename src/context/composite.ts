import type { AlertSubject } from "../core/evidence.js";
import type { ContextBundle, ContextSource, KubeObject, LogRecord } from "./context-source.js";
import { dedupe } from "./evidence.js";

/**
 * Several context sources as one: the cluster from one, metrics from another, logs of
 * vanished pods from a third. They gather concurrently under the same signal; their
 * bundles are merged (an object or log that two sources return is kept once, from the
 * first source listed); a source that throws becomes a gap naming it, and the others'
 * evidence is kept. `gather` never throws.
 */
export class CompositeContextSource implements ContextSource {
  readonly name: string;

  constructor(private readonly sources: readonly ContextSource[]) {
    this.name = sources.map((s) => s.name).join("+") || "composite";
  }

  async gather(subject: AlertSubject, signal?: AbortSignal): Promise<ContextBundle> {
    const settled = await Promise.allSettled(this.sources.map((s) => s.gather(subject, signal)));
    const bundles: ContextBundle[] = [];
    const failures: ContextBundle["gaps"] = [];
    settled.forEach((result, i) => {
      const source = this.sources[i]?.name ?? `source ${i}`;
      if (result.status === "fulfilled") bundles.push(result.value);
      else {
        const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
        failures.push({ source, reason: `gathering failed: ${reason}` });
      }
    });
    return mergeBundles(bundles, failures);
  }
}

function objectKey(o: KubeObject): string {
  return `${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
}

function logKey(l: LogRecord): string {
  return `${l.namespace}/${l.pod}/${l.container}/${l.previous ? "previous" : "current"}`;
}

/** Bundles merged in order: objects and logs once each (the first wins), metrics and gaps all. */
export function mergeBundles(
  bundles: readonly ContextBundle[],
  gaps: ContextBundle["gaps"] = [],
): ContextBundle {
  return {
    objects: dedupe(
      bundles.flatMap((b) => b.objects),
      objectKey,
    ),
    logs: dedupe(
      bundles.flatMap((b) => b.logs),
      logKey,
    ),
    metrics: bundles.flatMap((b) => b.metrics),
    gaps: [...bundles.flatMap((b) => b.gaps), ...gaps],
  };
}

/**
 * A context source with Loki behind it: what the primary source (the Kubernetes API)
 * gathers, plus Loki's logs for each alerted pod that the primary returned no logs for.
 * Such logs count as the previous container's (the crash logs the analyzers look for)
 * when the pod is gone or its container was restarted; otherwise as current ones.
 */
import type { AlertSubject } from "../../core/evidence.js";
import { isRecord } from "../../core/json.js";
import type { ContextBundle, ContextSource, KubeObject, LogRecord } from "../context-source.js";
import type { LokiClient } from "./loki-client.js";

export class LogFallbackContextSource implements ContextSource {
  readonly name: string;
  readonly #primary: ContextSource;
  readonly #loki: Pick<LokiClient, "podLogs">;

  constructor(primary: ContextSource, loki: Pick<LokiClient, "podLogs">) {
    this.#primary = primary;
    this.#loki = loki;
    this.name = `${primary.name}+loki`;
  }

  async gather(subject: AlertSubject, signal?: AbortSignal): Promise<ContextBundle> {
    const bundle = await this.#primary.gather(subject, signal);
    const ns = subject.namespace;
    if (!ns) return bundle;
    const pods = [...new Set([...subject.pods, ...(subject.pod ? [subject.pod] : [])])];
    const missing = pods.filter((pod) => !bundle.logs.some((l) => l.namespace === ns && l.pod === pod));
    if (missing.length === 0) return bundle;
    const logs: LogRecord[] = [...bundle.logs];
    const gaps = [...bundle.gaps];
    await Promise.all(
      missing.map(async (pod) => {
        try {
          const found = await this.#loki.podLogs(ns, pod, subject.container, signal);
          const object = bundle.objects.find(
            (o) => o.kind === "Pod" && o.metadata.name === pod && o.metadata.namespace === ns,
          );
          for (const record of found) {
            if (record.text)
              logs.push({ ...record, previous: !object || restarted(object, record.container) });
          }
        } catch (error) {
          gaps.push({ source: "loki", reason: `logs of ${ns}/${pod}: ${(error as Error).message}` });
        }
      }),
    );
    return { ...bundle, logs, gaps };
  }
}

function restarted(pod: KubeObject, container: string): boolean {
  const status = isRecord(pod.status) ? pod.status : {};
  const statuses = [status.containerStatuses, status.initContainerStatuses].flatMap((s) =>
    Array.isArray(s) ? s : [],
  );
  const mine = statuses.find((s) => isRecord(s) && s.name === container);
  return isRecord(mine) && isRecord(mine.lastState) && isRecord(mine.lastState.terminated);
}

/**
 * The soak's load generator: `rate` webhooks per second at steady state, half of them new
 * firing alerts (each on a workload of its own) and half the resolutions of the alerts
 * that fired `resolveAfterS` earlier, posted to the collector and to the baseline echo
 * server alike. Until the first resolutions are due only the firing half is sent.
 * What it measures is kept per window (taken and reset by the sampler), so its own
 * memory stays bounded however long the soak runs.
 */
import { performance } from "node:perf_hooks";
import { post, resolvedWebhookBody, sleepUntil, webhookBody } from "./processes.js";
import { percentile } from "./report.js";

export interface LoadWindow {
  /** Webhooks posted to the collector in the window (firing and resolved). */
  sent: number;
  /** Of those answered in the window: 202s, and anything else (errors included). */
  accepted: number;
  failed: number;
  /** Webhooks not posted because `maxInFlight` were still unanswered (the collector stalled). */
  skipped: number;
  /** Latency of the collector's answer, and of the baseline's to the same webhooks. */
  p50Ms: number;
  p99Ms: number;
  baselineP50Ms: number;
  baselineP99Ms: number;
}

export interface SteadyLoad {
  /** Resolves when the last webhook of the run has been answered. */
  readonly done: Promise<void>;
  /** The figures since the previous call. */
  takeWindow(): LoadWindow;
  readonly totals: { firing: number; resolved: number; accepted: number; failed: number; skipped: number };
}

export function startSteadyLoad(options: {
  collectorPort: number;
  baselinePort: number;
  /** Webhooks per second at steady state: rate / 2 new alerts, rate / 2 resolutions. */
  rate: number;
  durationS: number;
  resolveAfterS: number;
  /** Unanswered webhooks per target beyond which a tick is skipped rather than queued. */
  maxInFlight?: number;
  run?: string;
}): SteadyLoad {
  const run = options.run ?? "soak";
  const maxInFlight = options.maxInFlight ?? 1000;
  const totals = { firing: 0, resolved: 0, accepted: 0, failed: 0, skipped: 0 };
  let window = fresh();
  const inFlight = { collector: 0, baseline: 0 };
  const pending = new Set<Promise<void>>();

  function fresh() {
    return { sent: 0, accepted: 0, failed: 0, skipped: 0, ms: [] as number[], baselineMs: [] as number[] };
  }

  function send(body: string): void {
    if (inFlight.collector >= maxInFlight || inFlight.baseline >= maxInFlight) {
      window.skipped += 1;
      totals.skipped += 1;
      return;
    }
    window.sent += 1;
    inFlight.collector += 1;
    inFlight.baseline += 1;
    const collector = post(options.collectorPort, body).then((r) => {
      inFlight.collector -= 1;
      window.ms.push(r.ms);
      if (r.status === 202) {
        window.accepted += 1;
        totals.accepted += 1;
      } else {
        window.failed += 1;
        totals.failed += 1;
      }
    });
    const baseline = post(options.baselinePort, body).then((r) => {
      inFlight.baseline -= 1;
      window.baselineMs.push(r.ms);
    });
    const both = Promise.all([collector, baseline]).then(() => undefined);
    pending.add(both);
    void both.finally(() => pending.delete(both));
  }

  async function drive(): Promise<void> {
    const firingRate = options.rate / 2;
    const total = Math.round(firingRate * options.durationS);
    const lag = Math.round(firingRate * options.resolveAfterS);
    const t0 = performance.now();
    for (let k = 0; k < total; k++) {
      await sleepUntil(t0 + (k * 1000) / firingRate);
      send(webhookBody(run, k));
      totals.firing += 1;
      if (k >= lag) {
        send(resolvedWebhookBody(run, k - lag, new Date()));
        totals.resolved += 1;
      }
    }
    await Promise.all([...pending]);
  }

  return {
    done: drive(),
    totals,
    takeWindow(): LoadWindow {
      const w = window;
      window = fresh();
      w.ms.sort((a, b) => a - b);
      w.baselineMs.sort((a, b) => a - b);
      return {
        sent: w.sent,
        accepted: w.accepted,
        failed: w.failed,
        skipped: w.skipped,
        p50Ms: percentile(w.ms, 50),
        p99Ms: percentile(w.ms, 99),
        baselineP50Ms: percentile(w.baselineMs, 50),
        baselineP99Ms: percentile(w.baselineMs, 99),
      };
    },
  };
}

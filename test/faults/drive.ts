/**
 * A row's stream: distinct alerts posted at a steady pace with a fault injected after the
 * first few, then a bounded wait for the pipeline to settle.
 */
import { postTo } from "../helpers/processes.js";
import type { Rig } from "./fault-rig.js";
import { progress, tally, type Progress, type Tally } from "./tally.js";
import { faultWebhook } from "./workloads.js";

export interface Stream {
  count: number;
  /** Between two posts. */
  paceMs?: number;
  /** Injections by the index of the alert before which they start; they run beside the stream. */
  faults: Record<number, () => Promise<void>>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Posts the alerts; resolves with the indexes answered 202, once every injection has
 * ended. A refused webhook (the collector down, NATS down: 503) is sent again afterwards,
 * as Alertmanager retries a failed notification, a few times.
 */
export async function drive(rig: Rig, stream: Stream): Promise<number[]> {
  const accepted: number[] = [];
  let refused: number[] = [];
  const running: Promise<void>[] = [];
  for (let i = 0; i < stream.count; i++) {
    const fault = stream.faults[i];
    if (fault) running.push(fault());
    if ((await postTo(rig.port, faultWebhook(i))) === 202) accepted.push(i);
    else refused.push(i);
    await sleep(stream.paceMs ?? 250);
  }
  await Promise.all(running);
  for (let round = 0; round < 5 && refused.length > 0; round++) {
    const again: number[] = [];
    for (const i of refused) {
      if ((await postTo(rig.port, faultWebhook(i))) === 202) accepted.push(i);
      else again.push(i);
    }
    refused = again;
    if (refused.length > 0) await sleep(2_000);
  }
  return accepted.sort((a, b) => a - b);
}

export interface SettleOptions {
  /** What the accepted alerts must come to; by default none lost (each finished or dead-lettered). */
  until?: (p: Progress) => boolean;
  timeoutMs?: number;
}

/**
 * Waits until the accepted alerts come to `until` (at most `timeoutMs`), polling their
 * progress, then a quiet moment in which a late duplicate would show, and counts.
 */
export async function settle(
  rig: Rig,
  accepted: readonly number[],
  { until = (p) => p.lost === 0, timeoutMs = 90_000 }: SettleOptions = {},
): Promise<Tally> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await progress(rig, accepted).catch(() => undefined);
    const done = p !== undefined && until(p);
    if (done || Date.now() > deadline) break;
    await sleep(1_000);
  }
  await sleep(3_000);
  return tally(rig, accepted);
}

/**
 * The fault suite's cluster: the demo snapshot's OOM-killed Deployment copied once per
 * alert under its own name (`svc<i>`), so that every alert of a row is its own incident,
 * diagnosed `oom_killed` and planned as a memory increase with a patch: a commit and a
 * pull request each, the side effects the suite counts.
 */
import { readFileSync } from "node:fs";
import type { KubeObject, LogRecord } from "../../src/context/context-source.js";
import { distinctWebhook } from "../helpers/processes.js";
import { DEMO_SNAPSHOT } from "../helpers/system.js";

interface Snapshot {
  cluster: { items: KubeObject[] };
  logs: LogRecord[];
}

/** The namespace of a row's workloads. */
const FAULT_NAMESPACE = "faults";

const demo = JSON.parse(readFileSync(DEMO_SNAPSHOT, "utf8")) as Snapshot;

/** The demo's objects and logs renamed for workload `i` (the pod `svc<i>-7c9f6d8b5-k2x4p` the webhook names). */
function copyFor(i: number): Snapshot {
  const text = JSON.stringify({ cluster: demo.cluster, logs: demo.logs })
    .replaceAll('"demo"', `"${FAULT_NAMESPACE}"`)
    .replaceAll("_demo", `_${FAULT_NAMESPACE}`)
    .replaceAll("checkout", `svc${i}`)
    // Unique uids per copy: owner references are followed by uid.
    .replace(/"(d0000000-0000-4000-8000-0000000000\d\d)"/g, (_m, uid: string) => `"${uid}-${i}"`);
  return JSON.parse(text) as Snapshot;
}

export interface Workloads {
  objects: KubeObject[];
  logs: LogRecord[];
}

/** Objects and logs for workloads 0..count-1; the demo's Node once. */
export function workloads(count: number): Workloads {
  const objects: KubeObject[] = [];
  const logs: LogRecord[] = [];
  for (let i = 0; i < count; i++) {
    const copy = copyFor(i);
    objects.push(...copy.cluster.items.filter((o) => o.kind !== "Node" || i === 0));
    logs.push(...copy.logs);
  }
  return { objects, logs };
}

/** The webhook of alert `i`: one firing alert on workload `svc<i>` with fingerprint f…i. */
export function faultWebhook(i: number): Record<string, unknown> {
  return distinctWebhook(i, FAULT_NAMESPACE);
}

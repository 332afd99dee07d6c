/**
 * What a pod's name says about its owner, by Kubernetes' naming rules. Only for when no
 * cluster context exists (no cluster configured, or the pod is gone); anything read from
 * the API wins over this.
 */

export type PodWorkloadKind = "Deployment" | "StatefulSet" | "Job";

/** The alphabet Kubernetes uses for generated name suffixes and pod-template hashes (no vowels, no 0/1/3). */
const SAFE = "[bcdfghjklmnpqrstvwxz2456789]";
/**
 * The suffixes the controllers give pod names (`-<hash>-<5>`, `-<5>`, `-<ordinal>`), as a
 * regex (RE2 and JavaScript alike): `<workload>-` followed by it matches the workload's
 * pods and not those of `<workload>-api`.
 */
export const GENERATED_POD_SUFFIX = `(?:${SAFE}{5,10}-${SAFE}{5}|${SAFE}{5}|[0-9]+)`;
const DEPLOYMENT_POD = new RegExp(`^(.+)-(${SAFE}{5,10})-(${SAFE}{5})$`);
const CRONJOB_POD = /^(.+-\d{8,})-[a-z0-9]{5}$/;
const STATEFULSET_POD = /^(.+)-(\d+)$/;
const CONTROLLER_POD = new RegExp(`^(.+)-${SAFE}{5}$`);

/**
 * Guesses a pod's workload from its name alone:
 * - `<cronjob>-<scheduled minute>-<5>` → the Job `<cronjob>-<minute>`
 * - `<name>-<rs hash>-<5>` → Deployment `<name>`
 * - `<name>-<ordinal>` → StatefulSet `<name>`
 */
export function workloadFromPodName(pod: string): { kind: PodWorkloadKind; name: string } | undefined {
  const job = CRONJOB_POD.exec(pod);
  if (job?.[1]) return { kind: "Job", name: job[1] };
  const deployment = DEPLOYMENT_POD.exec(pod);
  if (deployment?.[1]) return { kind: "Deployment", name: deployment[1] };
  const sts = STATEFULSET_POD.exec(pod);
  if (sts?.[1]) return { kind: "StatefulSet", name: sts[1] };
  return undefined;
}

/**
 * The owner's name whatever its kind: also strips the single random suffix of
 * DaemonSet and bare Job pods (`node-exporter-x7k2p` → `node-exporter`). For correlation.
 */
export function workloadNameFromPod(pod: string): string {
  const known = workloadFromPodName(pod);
  if (known) return known.name;
  return CONTROLLER_POD.exec(pod)?.[1] ?? pod;
}

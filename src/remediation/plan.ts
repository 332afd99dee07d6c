/**
 * Chooses the remediation for a diagnosis from the closed catalogue and computes its
 * parameters from the evidence. One rule per category: a bounded automatic change
 * where one is safe and the evidence gives the numbers, `manual` with a precise
 * reason otherwise. An action a person chose on a near-identical past incident
 * (`diagnosis.memoryAction`) is planned instead when this evidence supports it
 * (memory-action.ts). Every plan is checked (validate.ts) before it is proposed. Pure:
 * evidence and diagnosis in, plan out.
 */
import type { Diagnosis, Finding, RemediationPlan, TargetRef } from "../core/diagnosis.js";
import type { Evidence, ObjectRef, ProbeEvidence } from "../core/evidence.js";
import { formatBytes } from "../core/quantity.js";
import {
  containerSpec,
  mainContainerNames,
  peakWorkingSetBytes,
  safeBytes,
  safeCpu,
} from "../analysis/facts.js";
import { planAdjustProbe, type ProbeName } from "./planners/adjust-probe.js";
import { describeTarget as describe, incidentTarget as target } from "./planners/common.js";
import { planExpandPvc } from "./planners/expand-pvc.js";
import { planIncreaseCpuLimit } from "./planners/increase-cpu-limit.js";
import { planIncreaseHpaMax } from "./planners/increase-hpa-max.js";
import { planIncreaseMemoryLimit } from "./planners/increase-memory-limit.js";
import { planManual } from "./planners/manual.js";
import { planRestart } from "./planners/restart.js";
import { healthyPrevious, planRollback } from "./planners/rollback.js";
import { planScale } from "./planners/scale.js";
import { followMemoryAction } from "./memory-action.js";
import { validated } from "./validate.js";

type Data = Record<string, unknown>;

function num(d: Data | undefined, k: string): number | undefined {
  const v = d?.[k];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function str(d: Data | undefined, k: string): string | undefined {
  const v = d?.[k];
  return typeof v === "string" ? v : undefined;
}

function ref(d: Data | undefined, k: string): ObjectRef | undefined {
  const v = d?.[k];
  if (typeof v !== "object" || v === null) return undefined;
  const r = v as Record<string, unknown>;
  return typeof r["kind"] === "string" && typeof r["name"] === "string"
    ? {
        kind: r["kind"],
        name: r["name"],
        ...(typeof r["namespace"] === "string" ? { namespace: r["namespace"] } : {}),
      }
    : undefined;
}

function topFinding(d: Diagnosis): Finding | undefined {
  return d.findings.find((f) => f.category === d.category);
}

export function planRemediation(
  evidence: Evidence,
  diagnosis: Diagnosis,
  now: Date = new Date(),
): RemediationPlan {
  const byCategory = validated(evidence, planForCategory(evidence, diagnosis, now), now);
  if (!diagnosis.memoryAction) return byCategory;
  return followMemoryAction(
    evidence,
    diagnosis,
    byCategory,
    (category) => planForCategory(evidence, { ...diagnosis, category }, now),
    now,
  );
}

/** The category's rule. */
function planForCategory(evidence: Evidence, diagnosis: Diagnosis, now: Date): RemediationPlan {
  const e = evidence;
  const f = topFinding(diagnosis);
  const d = f?.data;
  const container = f?.container ?? mainContainerNames(e)[0];
  const t = target(e, container);

  switch (diagnosis.category) {
    case "oom_killed": {
      const spec = containerSpec(e, container);
      const limit = num(d, "limitBytes") ?? safeBytes(spec?.resources.limits["memory"]);
      const peak = num(d, "peakBytes") ?? peakWorkingSetBytes(e, container);
      if (limit !== undefined && limit > 0 && container) {
        const request = num(d, "requestBytes") ?? safeBytes(spec?.resources.requests["memory"]);
        return planIncreaseMemoryLimit(
          { ...t, container },
          {
            limitBytes: limit,
            ...(peak !== undefined ? { peakBytes: peak } : {}),
            ...(request !== undefined ? { requestBytes: request } : {}),
          },
          now,
        );
      }
      return planManual(
        t,
        `Container ${container ?? "?"} of ${describe(t)} is OOMKilled but has no memory limit to raise; the node's memory is what kills it. Set a memory request and limit that match its real footprint${peak !== undefined ? ` (peak working set ${formatBytes(peak)})` : ""}.`,
        now,
      );
    }
    case "cpu_throttling": {
      const limit = num(d, "limitCores") ?? safeCpu(containerSpec(e, container)?.resources.limits["cpu"]);
      if (limit !== undefined && limit > 0 && container) {
        const ratio = num(d, "throttledRatio");
        return planIncreaseCpuLimit(
          { ...t, container },
          { limitCores: limit, ...(ratio !== undefined ? { throttledRatio: ratio } : {}) },
          now,
        );
      }
      return planManual(
        t,
        `Container ${container ?? "?"} of ${describe(t)} is throttled but declares no CPU limit; the throttling comes from a namespace LimitRange or the node. Review the LimitRange/default limits.`,
        now,
      );
    }
    case "bad_rollout": {
      const prev = healthyPrevious(e);
      if (prev)
        return planRollback(
          t,
          prev.healthy,
          prev.current,
          `Revision ${prev.current.revision} fails at run time while the previous revision ran fine.`,
          now,
        );
      return planManual(
        t,
        `The new revision of ${describe(t)} fails at run time and no earlier healthy revision is recorded; fix the release or redeploy the last known-good image.`,
        now,
      );
    }
    case "image_pull_error": {
      const failure = str(d, "failure");
      const image = str(d, "image");
      const prev = healthyPrevious(e);
      const changed =
        prev && container
          ? prev.healthy.images[container] !== undefined &&
            prev.healthy.images[container] !== prev.current.images[container]
          : false;
      if (failure !== "auth" && prev && changed) {
        return planRollback(
          t,
          prev.healthy,
          prev.current,
          `The new revision's image ${image ?? ""} cannot be pulled (${failure ?? "pull error"}).`,
          now,
        );
      }
      if (failure === "auth") {
        const secrets = e.configRefs
          .filter((r) => r.via === "imagePullSecret")
          .map((r) => `${r.namespace}/${r.name}`);
        return planManual(
          t,
          `The registry refuses the pull credentials for ${image ?? "the image"} (401/403). Renew the registry token/robot account and update the imagePullSecret${secrets.length ? ` ${secrets.join(", ")}` : ""}; nothing in ${describe(t)} needs to change.`,
          now,
        );
      }
      return planManual(
        t,
        `Image ${image ?? "?"} of ${describe(t)} cannot be pulled (${failure ?? "pull error"}) and no earlier revision with a different image is healthy. Push the image/tag or correct the image reference in the manifest.`,
        now,
      );
    }
    case "missing_config": {
      const kind = str(d, "kind") ?? "ConfigMap/Secret";
      const name = str(d, "name") ?? "?";
      const ns = str(d, "namespace") ?? t.namespace;
      const key = str(d, "key");
      const via = str(d, "via");
      return planManual(
        t,
        key
          ? `${kind} ${ns ? `${ns}/` : ""}${name} has no key '${key}'. Add the key to the ${kind} (or point the reference of ${describe(t)} at a key it holds); the kubelet retries and the containers start on their own.`
          : `${kind} ${ns ? `${ns}/` : ""}${name}${via ? ` (referenced via ${via})` : ""} does not exist. Create it, or point ${describe(t)} at the object that now holds the configuration.`,
        now,
      );
    }
    case "dependency_unavailable": {
      const dep = ref(d, "dependency");
      const mode = str(d, "mode");
      if (dep && d?.["scaledToZero"] === true) {
        const replicas = num(d, "previousReplicas") ?? 1;
        const depTarget: TargetRef = {
          kind: dep.kind,
          ...((dep.namespace ?? t.namespace) ? { namespace: dep.namespace ?? t.namespace } : {}),
          name: dep.name,
        };
        return planScale(
          depTarget,
          replicas,
          `${dep.kind} ${dep.name}, which ${t.name} depends on, is scaled to 0${num(d, "previousReplicas") !== undefined ? ` (previously ${replicas})` : ""}; scaling it back restores the dependency.`,
          "low",
          now,
        );
      }
      if (mode === "dns") {
        const hosts = Array.isArray(d?.["hosts"])
          ? (d["hosts"] as unknown[]).filter((x): x is string => typeof x === "string")
          : [];
        return planManual(
          t,
          `The name ${hosts[0] ?? "of a dependency"} that ${describe(t)} connects to does not resolve (NXDOMAIN / no such host)${str(d, "missingService") ? `: no Service ${str(d, "missingService")} exists in the namespace` : ""}. Point the app's configuration at the dependency's current address or restore the Service; restarting or resizing cannot help.`,
          now,
        );
      }
      const crashLooping = d?.["appCrashLooping"] === true;
      const stale =
        mode === "reset" ||
        mode === "failover" ||
        d?.["restartHint"] !== undefined ||
        d?.["dependencyHealthy"] === true;
      if (!crashLooping && stale) {
        return planRestart(
          t,
          `The dependency is reachable again but ${t.name}'s pods keep a dead or stale connection (${mode}) and do not recover on their own; a rolling restart makes them reconnect.`,
          now,
        );
      }
      return planManual(
        t,
        `${describe(t)} cannot reach its dependency (${mode ?? "unreachable"}${dep ? `: ${dep.kind} ${dep.name}` : ""}). Restore the dependency (database, broker, service) first; the app recovers once it is reachable.`,
        now,
      );
    }
    case "hpa_maxed_out": {
      const hpa = ref(d, "hpa");
      const max = num(d, "maxReplicas");
      if (hpa && max !== undefined) {
        const current = num(d, "currentUtilisation");
        const targetU = num(d, "targetUtilisation");
        return planIncreaseHpaMax(
          {
            kind: "HorizontalPodAutoscaler",
            ...((hpa.namespace ?? t.namespace) ? { namespace: hpa.namespace ?? t.namespace } : {}),
            name: hpa.name,
          },
          {
            maxReplicas: max,
            ...(current !== undefined ? { currentUtilisation: current } : {}),
            ...(targetU !== undefined ? { targetUtilisation: targetU } : {}),
          },
          now,
        );
      }
      return planManual(
        t,
        `The HorizontalPodAutoscaler of ${describe(t)} is at its maximum but was not found in the evidence; raise its maxReplicas after checking cluster capacity.`,
        now,
      );
    }
    case "disk_filling": {
      const pvc = ref(d, "pvc");
      const request = num(d, "requestedBytes");
      if (pvc && request !== undefined) {
        const used = num(d, "usedRatio");
        const sc = e.pvcs.find((p) => p.ref.name === pvc.name)?.storageClassName;
        return planExpandPvc(
          {
            kind: "PersistentVolumeClaim",
            ...((pvc.namespace ?? t.namespace) ? { namespace: pvc.namespace ?? t.namespace } : {}),
            name: pvc.name,
          },
          {
            requestBytes: request,
            ...(used !== undefined ? { usedRatio: used } : {}),
            ...(sc ? { storageClassName: sc } : {}),
          },
          now,
        );
      }
      return planManual(
        pvc
          ? {
              kind: "PersistentVolumeClaim",
              ...(pvc.namespace ? { namespace: pvc.namespace } : {}),
              name: pvc.name,
            }
          : t,
        `A volume is filling up${pvc ? ` (PVC ${pvc.name})` : ""} but its size is unknown; free space or expand the volume.`,
        now,
      );
    }
    case "insufficient_resources": {
      const prevReplicas = num(d, "previousReplicas");
      const neverFits = Array.isArray(d?.["neverFits"]) ? (d["neverFits"] as unknown[]) : [];
      const resources = Array.isArray(d?.["resources"])
        ? (d["resources"] as unknown[]).join("/")
        : "cpu/memory";
      if (d?.["scaledUp"] === true && prevReplicas !== undefined && neverFits.length === 0) {
        return planScale(
          { kind: t.kind, ...(t.namespace ? { namespace: t.namespace } : {}), name: t.name },
          prevReplicas,
          `${t.name} was scaled from ${prevReplicas} to ${num(d, "currentReplicas") ?? "?"} replicas and the extra pods cannot be placed (insufficient ${resources}); scaling back to ${prevReplicas} frees the Pending pods until capacity is added.`,
          "medium",
          now,
        );
      }
      if (neverFits.length > 0) {
        return planManual(
          t,
          `A single pod of ${describe(t)} requests more ${neverFits.join("/")} than any node can allocate, so no scale-up can help. Add a node pool with larger machines or lower the request.`,
          now,
        );
      }
      return planManual(
        t,
        `Pods of ${describe(t)} are Pending for insufficient ${resources}. Add capacity (node group maximum, cluster autoscaler) or lower the requests.`,
        now,
      );
    }
    case "liveness_probe_failure":
    case "readiness_probe_failure": {
      const probe = (str(d, "probe") ??
        (diagnosis.category === "liveness_probe_failure" ? "liveness" : "readiness")) as ProbeName;
      const spec = (d?.["spec"] as ProbeEvidence | undefined) ?? containerSpec(e, container)?.probes[probe];
      const problem = str(d, "problem");
      if (spec && container && (problem === "timeout" || problem === "slow-start")) {
        const latency = num(d, "latencySeconds");
        const startup = num(d, "startupSeconds");
        return planAdjustProbe(
          { ...t, container },
          probe,
          spec,
          {
            problem,
            ...(latency !== undefined ? { latencySeconds: latency } : {}),
            ...(startup !== undefined ? { startupSeconds: startup } : {}),
          },
          now,
        );
      }
      const status = num(d, "statusCode");
      if (problem === "wrong-target" && spec) {
        return planManual(
          t,
          `The ${probe} probe of ${describe(t)} calls ${spec.path ?? spec.handler} on port ${String(spec.port ?? "?")}, which answers ${status ?? "connection refused"}: it is aimed at the wrong path or port. Correct ${probe}Probe in the manifest to the endpoint the app serves.`,
          now,
        );
      }
      return planManual(
        t,
        `The ${probe} probe of ${describe(t)} fails${status ? ` with HTTP ${status}` : ""}: the application reports itself unhealthy. Find why in its logs and dependencies; loosening the probe would hide it.`,
        now,
      );
    }
    case "node_not_ready": {
      const node = str(d, "node") ?? e.subject.node;
      const problems = Array.isArray(d?.["problems"]) ? (d["problems"] as unknown[]).join("; ") : "";
      return planManual(
        node ? { kind: "Node", name: node } : t,
        `Node ${node ?? "?"} is unhealthy${problems ? ` (${problems})` : ""}. Investigate the machine (kubelet, runtime, the process exhausting its resources), then cordon, drain and repair or replace it; pods stuck Terminating there can be force-deleted once it is confirmed dead.`,
        now,
      );
    }
    case "unschedulable_constraints": {
      const unmatched = (d?.["unmatchedSelector"] ?? {}) as Record<string, string>;
      const cordoned = Array.isArray(d?.["cordonedNodes"]) ? (d["cordonedNodes"] as string[]) : [];
      const parts: string[] = [];
      for (const [k, v] of Object.entries(unmatched))
        parts.push(`nodeSelector ${k}=${v} matches no node: fix the selector value in the manifest`);
      if (cordoned.length)
        parts.push(
          `nodes ${cordoned.join(", ")} are cordoned: uncordon or replace them, or relax the pod's topology/affinity rules`,
        );
      const reasons = Array.isArray(d?.["reasons"])
        ? (d["reasons"] as string[]).join("; ")
        : "placement rules";
      return planManual(
        t,
        `Pods of ${describe(t)} cannot be scheduled: ${reasons}. ${parts.length ? `${parts.join("; ")}.` : "Relax the affinity, tolerations or topology spread constraints, or label/untaint nodes to match."}`,
        now,
      );
    }
    case "volume_error": {
      const pvc = d?.["pvc"] as
        | { name?: string; namespace?: string; storageClassName?: string; storageClassExists?: boolean }
        | undefined;
      if (pvc?.name) {
        const pvcTarget: TargetRef = {
          kind: "PersistentVolumeClaim",
          ...((pvc.namespace ?? t.namespace) ? { namespace: pvc.namespace ?? t.namespace } : {}),
          name: pvc.name,
        };
        return planManual(
          pvcTarget,
          pvc.storageClassExists === false
            ? `PVC ${pvc.name} requests StorageClass ${pvc.storageClassName ?? "?"}, which does not exist. Create that StorageClass or recreate the claim with an existing class; the claim then binds.`
            : `PVC ${pvc.name} does not bind. Check its StorageClass provisioner and the events on the claim.`,
          now,
        );
      }
      const volume = str(d, "volume");
      const server = str(d, "server");
      const node = str(d, "node");
      return planManual(
        t,
        `Volume ${volume ?? "?"}${server ? ` (server ${server}${str(d, "path") ? `:${str(d, "path")}` : ""})` : ""} cannot be mounted${node ? ` on node ${node}` : ""}. Fix access on the storage side (export list, credentials, attach limits) or keep the workload off the affected nodes.`,
        now,
      );
    }
    case "evicted": {
      const resource = str(d, "resource");
      const reason =
        resource === "ephemeral-storage"
          ? `Pods of ${describe(t)} are evicted for exceeding their ephemeral-storage limit${str(d, "ephemeralStorageLimit") ? ` (${str(d, "ephemeralStorageLimit")})` : ""}. Bound what the app writes to its filesystem (caches, temp files), use an emptyDir with a sizeLimit, or raise the limit; then delete the Failed pods.`
          : `Pods of ${describe(t)} are evicted under node ${resource ?? "resource"} pressure${d?.["hasMemoryLimit"] === false ? "; the container has no memory limit and uses far more than it requests" : ""}. Set requests (and a limit) that match the real footprint so the scheduler places it correctly, and fix the growth; then delete the Failed pods.`;
      return planManual(t, reason, now);
    }
    case "init_container_failure": {
      const lines = Array.isArray(d?.["errorLines"]) ? (d["errorLines"] as string[]) : [];
      return planManual(
        t,
        `Init container ${container ?? "?"} of ${describe(t)} keeps failing${lines[0] ? `: ${lines[0].trim()}` : ""}. Fix what it fetches or the credentials it uses; restarts, rollbacks and resource changes cannot help.`,
        now,
      );
    }
    case "job_failed": {
      const reason = str(d, "reason");
      const deadline = num(d, "activeDeadlineSeconds");
      return planManual(
        t,
        reason === "DeadlineExceeded"
          ? `The Job was killed by activeDeadlineSeconds${deadline !== undefined ? ` (${deadline}s)` : ""} before finishing. Raise activeDeadlineSeconds on ${describe(t)} or speed up the work, then re-run it.`
          : `The Job ${str(d, "job") ?? ""} failed${reason ? ` (${reason})` : ""}: its pods exit with an error. Fix the cause in its logs, then re-run it from ${describe(t)}; retrying as is cannot help.`,
        now,
      );
    }
    case "crash_loop_app_error": {
      const lines = Array.isArray(d?.["errorLines"]) ? (d["errorLines"] as string[]) : [];
      const codes = Array.isArray(d?.["exitCodes"]) ? (d["exitCodes"] as number[]).join(", ") : "";
      return planManual(
        t,
        `Container ${container ?? "?"} of ${describe(t)} exits with an application error${codes ? ` (exit ${codes})` : ""}${lines[0] ? `: ${lines[0].trim().slice(0, 200)}` : ""}. Fix the application or the configuration value it rejects; no earlier healthy revision exists to roll back to.`,
        now,
      );
    }
    default:
      return planManual(
        t,
        `The evidence does not show why ${e.subject.alertname} fired for ${describe(t)}: no termination reason, logs or events point to a cause. Retrieve the missing logs (log aggregation, node journal) before changing the workload.`,
        now,
      );
  }
}

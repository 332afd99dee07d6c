import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { clip, conf, incidentPods, podEvents } from "../facts.js";
import { parseMissingRef } from "./missing-config.js";
import { schedulingFailures } from "../scheduling.js";

const MOUNT_FAILURE = /^(FailedMount|FailedAttachVolume|FailedMapVolume|VolumeFailedMount)$/;
const PVC_FAILURE = /^(ProvisioningFailed|FailedBinding|ExternalProvisioning|VolumeResizeFailed)$/;

/**
 * volume_error: a PVC the pods need is Pending/unbound (no StorageClass, failed
 * provisioning), or a volume cannot be attached or mounted (NFS access denied, CSI
 * attach errors). A mount failure for a missing ConfigMap/Secret is missing_config,
 * not this.
 */
export const volumeErrorAnalyzer: Analyzer = {
  name: "volume-error",
  category: Category.VolumeError,
  analyze(e: Evidence): Finding[] {
    const pods = incidentPods(e);
    const claimNames = new Set(
      pods.flatMap((p) =>
        p.volumes
          .filter((v) => v.refName && /persistentVolumeClaim|pvc/i.test(v.type))
          .map((v) => v.refName as string),
      ),
    );
    const evidence: string[] = [];
    let confidence = 0;
    let pvc:
      | { namespace?: string; name: string; storageClassName?: string; storageClassExists?: boolean }
      | undefined;
    let volume: string | undefined;

    for (const c of e.pvcs) {
      const used = claimNames.has(c.ref.name) || e.subject.persistentvolumeclaim === c.ref.name;
      if (!used || c.phase === "Bound") continue;
      pvc = {
        ...(c.ref.namespace ? { namespace: c.ref.namespace } : {}),
        name: c.ref.name,
        ...(c.storageClassName ? { storageClassName: c.storageClassName } : {}),
        ...(c.storageClassExists !== undefined ? { storageClassExists: c.storageClassExists } : {}),
      };
      evidence.push(
        `PVC ${c.ref.name} is ${c.phase ?? "not bound"}${c.storageClassName ? ` (storageClassName ${c.storageClassName}${c.storageClassExists === false ? ", which does not exist" : ""})` : ""}`,
      );
      confidence = Math.max(confidence, 0.85);
    }
    const pvcEvents = e.events.filter(
      (ev) =>
        ev.involved.kind === "PersistentVolumeClaim" &&
        PVC_FAILURE.test(ev.reason) &&
        (claimNames.size === 0 || claimNames.has(ev.involved.name)),
    );
    for (const ev of pvcEvents.slice(0, 2)) {
      evidence.push(`PVC ${ev.involved.name} event ${ev.reason} x${ev.count}: ${clip(ev.message)}`);
      confidence = Math.max(confidence, ev.reason === "ExternalProvisioning" ? 0.6 : 0.92);
      if (!pvc)
        pvc = {
          ...(ev.involved.namespace ? { namespace: ev.involved.namespace } : {}),
          name: ev.involved.name,
        };
      const sc = /storageclass[^"]*"([^"]+)" not found/i.exec(ev.message)?.[1];
      if (sc) pvc = { ...pvc, storageClassName: sc, storageClassExists: false };
    }
    const mountEvents = podEvents(
      e,
      pods.map((p) => p.name),
    ).filter((ev) => MOUNT_FAILURE.test(ev.reason) && !parseMissingRef(ev.message));
    for (const ev of mountEvents.slice(0, 2)) {
      evidence.push(`event ${ev.reason} x${ev.count}: ${clip(ev.message, 260)}`);
      volume ??= /for volume "([^"]+)"|unmounted volumes=\[([^\]]+)\]/
        .exec(ev.message)
        ?.slice(1)
        .find((x) => x !== undefined);
      // "timed out waiting for the condition" alone is a consequence; a SetUp/attach error is the cause.
      confidence = Math.max(
        confidence,
        /SetUp failed|AttachVolume|access denied|permission denied|mount failed|exit status/i.test(ev.message)
          ? 0.92
          : 0.7,
      );
    }
    const sched = schedulingFailures(e);
    if (sched && sched.share.volume > 0) {
      evidence.push(`FailedScheduling: ${clip(sched.events[0]?.message ?? "")}`);
      confidence = Math.max(confidence, 0.6 + 0.3 * sched.share.volume);
    }
    if (confidence === 0) return [];
    const vol = volume ? pods.flatMap((p) => p.volumes).find((v) => v.name === volume) : undefined;
    const node = pods.find((p) => p.phase === "Pending" && p.nodeName)?.nodeName;
    return [
      {
        analyzer: "volume-error",
        category: Category.VolumeError,
        confidence: conf(confidence),
        summary: pvc
          ? `PVC ${pvc.name} cannot be bound, so the pod cannot start.`
          : `Volume ${volume ?? "?"} cannot be mounted, so the pod cannot start.`,
        evidence,
        ...(pods.flatMap((p) => p.containers).find((c) => !c.init)?.name
          ? { container: pods.flatMap((p) => p.containers).find((c) => !c.init)?.name as string }
          : {}),
        data: {
          ...(pvc ? { pvc } : {}),
          ...(volume ? { volume } : {}),
          ...(vol
            ? {
                volumeType: vol.type,
                ...(vol.server ? { server: vol.server } : {}),
                ...(vol.path ? { path: vol.path } : {}),
              }
            : {}),
          ...(node ? { node } : {}),
        },
      },
    ];
  },
};

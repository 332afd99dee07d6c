import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { conf, metricsNamed, safeBytes, seriesValues } from "../facts.js";

const DISK_ALERT =
  /PersistentVolume(Inodes)?FillingUp|PersistentVolumeErrors|FilesystemSpaceFillingUp|FilesystemAlmostOutOf|DiskSpace|VolumeFull/i;

/**
 * disk_filling: a PersistentVolume (or node filesystem) is filling up. The
 * KubePersistentVolumeFillingUp alert or kubelet volume stats above 85% used are
 * the evidence; the PVC's current request is what expand_pvc grows.
 */
export const diskFillingAnalyzer: Analyzer = {
  name: "disk-filling",
  category: Category.DiskFilling,
  analyze(e: Evidence): Finding[] {
    const alert = DISK_ALERT.test(e.subject.alertname);
    const claim = e.subject.persistentvolumeclaim;
    let used: number | undefined;
    for (const m of metricsNamed(e, /kubelet_volume_stats_(used|available)_bytes/)) {
      if (!/\//.test(m.query) || /predict_linear|deriv/.test(m.query)) continue;
      if (claim && /persistentvolumeclaim\s*=\s*"/.test(m.query) && !m.query.includes(`"${claim}"`)) continue;
      const availableRatio = /available_bytes[^/]*\//.test(m.query);
      for (const { labels, value } of seriesValues(m)) {
        if (claim && labels["persistentvolumeclaim"] && labels["persistentvolumeclaim"] !== claim) continue;
        const u = availableRatio ? 1 - value : value;
        if (used === undefined || u > used) used = u;
      }
    }
    if (!alert && (used === undefined || used < 0.85)) return [];
    const pvc =
      e.pvcs.find((p) => p.ref.name === claim) ??
      (claim ? undefined : e.pvcs.length === 1 ? e.pvcs[0] : undefined);
    const requested = pvc?.requested ?? pvc?.capacity;
    const evidence: string[] = [];
    if (alert) evidence.push(`alert ${e.subject.alertname}${claim ? ` for PVC ${claim}` : ""}`);
    if (used !== undefined) evidence.push(`volume ${(used * 100).toFixed(1)}% used`);
    if (requested)
      evidence.push(
        `PVC ${pvc?.ref.name ?? claim} requests ${requested}${pvc?.storageClassName ? ` (storageClass ${pvc.storageClassName})` : ""}`,
      );
    const predicted = e.metrics.some(
      (m) => /predict_linear/.test(m.query) && seriesValues(m).some((v) => v.value < 0),
    );
    if (predicted) evidence.push("predict_linear forecasts the volume full within the alert window");
    return [
      {
        analyzer: "disk-filling",
        category: Category.DiskFilling,
        confidence: conf(alert ? 0.92 : 0.75),
        summary: `Volume ${pvc?.ref.name ?? claim ?? "?"} is filling up${used !== undefined ? ` (${(used * 100).toFixed(1)}% used)` : ""}.`,
        evidence,
        data: {
          ...(pvc
            ? { pvc: pvc.ref }
            : claim
              ? {
                  pvc: {
                    kind: "PersistentVolumeClaim",
                    ...(e.subject.namespace ? { namespace: e.subject.namespace } : {}),
                    name: claim,
                  },
                }
              : {}),
          ...(requested ? { requested, requestedBytes: safeBytes(requested) } : {}),
          ...(used !== undefined ? { usedRatio: used } : {}),
          predicted,
        },
      },
    ];
  },
};

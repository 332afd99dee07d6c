import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { conf, incidentPods, terminations } from "../facts.js";

/**
 * bad_rollout: the workload's current revision has failing pods while an earlier
 * revision was healthy (and usually still serves). More specific causes of the new
 * revision's failure (image pull, missing config, OOM) carry higher confidence and
 * win; this finding names the revision to roll back to either way.
 */
export const badRolloutAnalyzer: Analyzer = {
  name: "bad-rollout",
  category: Category.BadRollout,
  analyze(e: Evidence): Finding[] {
    const r = e.rollout;
    const current = r?.current;
    const healthy = r?.lastHealthy;
    if (!r || !current || !healthy || healthy.revision === current.revision || current.healthy) return [];
    const pods = incidentPods(e).filter(
      (p) => current.revisionHash !== undefined && p.revisionHash === current.revisionHash,
    );
    const failingPods = pods.filter((p) =>
      p.containers.some(
        (c) =>
          !c.ready &&
          (c.waitingReason !== undefined ||
            c.restartCount > 0 ||
            terminations(c).some((t) => (t.exitCode ?? 0) !== 0)),
      ),
    );
    const failing = Math.max(current.failingPods, failingPods.length);
    if (failing === 0) return [];
    const changed = Object.entries(current.images).filter(
      ([name, img]) => healthy.images[name] !== undefined && healthy.images[name] !== img,
    );
    const stuckAlert =
      /RolloutStuck|ProgressDeadline/i.test(e.subject.alertname) || r.progressDeadlineExceeded;
    const oldServing = healthy.readyPods > 0 || healthy.readyReplicas > 0;
    const confidence =
      0.78 + (stuckAlert ? 0.05 : 0) + (oldServing ? 0.03 : 0) + (changed.length > 0 ? 0.02 : 0);
    const container = changed[0]?.[0] ?? Object.keys(current.images)[0];
    return [
      {
        analyzer: "bad-rollout",
        category: Category.BadRollout,
        confidence: conf(confidence),
        summary: `Revision ${current.revision} of ${r.workload.kind} ${r.workload.name} is failing while revision ${healthy.revision} was healthy.`,
        evidence: [
          `current revision ${current.revision} (${current.name}): ${failing} failing pod(s), ${current.readyPods} ready`,
          `revision ${healthy.revision} (${healthy.name}) healthy, ${healthy.readyReplicas} ready replica(s)`,
          ...changed.map(([name, img]) => `container ${name} image changed ${healthy.images[name]} → ${img}`),
          ...(r.progressDeadlineExceeded ? ["rollout exceeded its progress deadline"] : []),
        ],
        ...(container ? { container } : {}),
        data: {
          workload: r.workload,
          currentRevision: current.revision,
          lastHealthyRevision: healthy.revision,
          lastHealthyImages: healthy.images,
          changedImages: Object.fromEntries(changed),
        },
      },
    ];
  },
};

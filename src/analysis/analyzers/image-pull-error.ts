import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { clip, conf, containersOf, eventContainer, incidentPods, podEvents } from "../facts.js";

const PULL_WAITING =
  /^(ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull|RegistryUnavailable)$/;

export type PullFailureKind = "auth" | "not-found" | "invalid-name" | "other";

/** Why the registry refused: credentials (401/403) versus a missing image or tag. */
export function classifyPullMessage(message: string): PullFailureKind {
  if (
    /\b401\b|\b403\b|unauthori[sz]ed|forbidden|authentication required|authorization failed|no basic auth credentials|access denied|denied: /i.test(
      message,
    )
  ) {
    return "auth";
  }
  if (/not found|manifest unknown|NotFound|does not exist|no such image|name unknown/i.test(message))
    return "not-found";
  if (/InvalidImageName|invalid reference format/i.test(message)) return "invalid-name";
  return "other";
}

/**
 * image_pull_error: the kubelet cannot pull a container's image (ErrImagePull,
 * ImagePullBackOff, "Failed to pull image" events). Direct evidence; the pull
 * message tells an auth failure from a missing tag, which decides the remediation.
 */
export const imagePullErrorAnalyzer: Analyzer = {
  name: "image-pull-error",
  category: Category.ImagePullError,
  analyze(e: Evidence): Finding[] {
    const pods = incidentPods(e);
    const byContainer = new Map<
      string,
      { image?: string; pods: Set<string>; revisions: Set<string>; messages: string[]; reason?: string }
    >();
    for (const { pod, container } of containersOf(pods)) {
      if (!PULL_WAITING.test(container.waitingReason ?? "")) continue;
      const c = byContainer.get(container.name) ?? {
        pods: new Set<string>(),
        revisions: new Set<string>(),
        messages: [],
      };
      c.pods.add(pod.name);
      if (pod.revisionHash) c.revisions.add(pod.revisionHash);
      if (container.image) c.image = container.image;
      c.reason = container.waitingReason;
      if (container.waitingMessage) c.messages.push(container.waitingMessage);
      byContainer.set(container.name, c);
    }
    const events = podEvents(
      e,
      pods.map((p) => p.name),
    ).filter(
      (ev) =>
        (ev.reason === "Failed" || ev.reason === "ErrImagePull") &&
        /pull|image/i.test(ev.message) &&
        !/Error: (ErrImagePull|ImagePullBackOff)$/.test(ev.message),
    );
    for (const ev of events) {
      const name = eventContainer(ev);
      if (!name) continue;
      const c = byContainer.get(name) ?? {
        pods: new Set<string>(),
        revisions: new Set<string>(),
        messages: [],
      };
      c.pods.add(ev.involved.name);
      c.messages.unshift(ev.message);
      const img = /Failed to pull image "([^"]+)"/.exec(ev.message)?.[1];
      if (img && !c.image) c.image = img;
      byContainer.set(name, c);
    }
    const findings: Finding[] = [];
    for (const [name, c] of byContainer) {
      const detail = c.messages.find((m) => classifyPullMessage(m) !== "other") ?? c.messages[0] ?? "";
      const kind = classifyPullMessage(detail);
      findings.push({
        analyzer: "image-pull-error",
        category: Category.ImagePullError,
        confidence: conf(c.reason || events.length > 0 ? 0.95 : 0.8),
        summary: `Image ${c.image ?? "?"} of container ${name} cannot be pulled (${kind === "auth" ? "the registry refuses the credentials" : kind === "not-found" ? "the image or tag does not exist" : "pull failure"}).`,
        evidence: [
          `container ${name} ${c.reason ?? "failing to pull"} in ${c.pods.size} pod(s)${c.image ? `, image ${c.image}` : ""}`,
          ...(detail ? [`pull error: ${clip(detail, 240)}`] : []),
        ],
        container: name,
        data: { image: c.image, failure: kind, pods: [...c.pods], revisionHashes: [...c.revisions] },
      });
    }
    return findings;
  },
};

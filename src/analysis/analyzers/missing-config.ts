import type { Finding } from "../../core/diagnosis.js";
import type { Evidence } from "../../core/evidence.js";
import { Category } from "../../core/vocabulary.js";
import type { Analyzer } from "../analyzer.js";
import { clip, conf, containersOf, incidentPods, podEvents } from "../facts.js";

export interface MissingConfigRef {
  kind: "ConfigMap" | "Secret";
  namespace?: string;
  name: string;
  key?: string;
}

/**
 * Parses the kubelet's messages for a missing ConfigMap/Secret or key:
 * `couldn't find key password in Secret messaging/smtp-credentials`,
 * `secret "x" not found`, `configmap "x" not found`,
 * `MountVolume.SetUp failed for volume "v" : configmap "x" not found`.
 */
export function parseMissingRef(message: string): MissingConfigRef | undefined {
  const key = /couldn't find key (\S+) in (ConfigMap|Secret) (?:([\w.-]+)\/)?([\w.-]+)/i.exec(message);
  if (key?.[2] && key[4]) {
    return {
      kind: /secret/i.test(key[2]) ? "Secret" : "ConfigMap",
      ...(key[3] ? { namespace: key[3] } : {}),
      name: key[4],
      ...(key[1] ? { key: key[1] } : {}),
    };
  }
  const obj = /\b(configmap|secret)s? "([\w.-]+)" not found/i.exec(message);
  if (obj?.[1] && obj[2]) return { kind: /secret/i.test(obj[1]) ? "Secret" : "ConfigMap", name: obj[2] };
  return undefined;
}

/**
 * missing_config: a referenced ConfigMap, Secret or key does not exist. The kubelet
 * says so directly (CreateContainerConfigError, FailedMount of a configmap/secret
 * volume); a reference the snapshot shows as absent is weaker support on its own.
 */
export const missingConfigAnalyzer: Analyzer = {
  name: "missing-config",
  category: Category.MissingConfig,
  analyze(e: Evidence): Finding[] {
    const pods = incidentPods(e);
    const found = new Map<
      string,
      { ref: MissingConfigRef; evidence: string[]; container?: string; via?: string }
    >();
    const add = (ref: MissingConfigRef, line: string, container?: string, via?: string): void => {
      const k = `${ref.kind}/${ref.name}/${ref.key ?? ""}`;
      const f = found.get(k) ?? {
        ref,
        evidence: [],
        ...(container ? { container } : {}),
        ...(via ? { via } : {}),
      };
      if (!f.evidence.includes(line) && f.evidence.length < 3) f.evidence.push(line);
      found.set(k, f);
    };
    for (const { container } of containersOf(pods)) {
      if (
        container.waitingReason !== "CreateContainerConfigError" &&
        !/ConfigError/.test(container.waitingReason ?? "")
      )
        continue;
      const ref = parseMissingRef(container.waitingMessage ?? "");
      if (ref)
        add(
          ref,
          `container ${container.name} waiting CreateContainerConfigError: ${clip(container.waitingMessage ?? "")}`,
          container.name,
          "env",
        );
    }
    for (const ev of podEvents(
      e,
      pods.map((p) => p.name),
    )) {
      if (ev.reason !== "Failed" && ev.reason !== "FailedMount") continue;
      const ref = parseMissingRef(ev.message);
      if (!ref) continue;
      const volume = /for volume "([^"]+)"/.exec(ev.message)?.[1];
      add(
        ref,
        `event ${ev.reason} x${ev.count}: ${clip(ev.message)}`,
        undefined,
        ev.reason === "FailedMount" ? `volume ${volume ?? ""}`.trim() : "env",
      );
    }
    const findings: Finding[] = [];
    for (const f of found.values()) {
      // The container the reference belongs to: the one named, else the config ref's, else the first main one.
      const refContainer =
        f.container ??
        e.configRefs.find((r) => r.name === f.ref.name && r.kind === f.ref.kind && r.container)?.container ??
        pods.flatMap((p) => p.containers).find((c) => !c.init)?.name;
      findings.push(finding(f.ref, 0.95, f.evidence, refContainer, f.via));
    }
    if (findings.length > 0) return findings;

    // References the snapshot shows missing, while containers wait to be created: a lead,
    // not proof (the snapshot may simply not hold the object), so below the direct readings.
    const waitingToStart = pods.some((p) =>
      p.containers.some((c) =>
        /^(ContainerCreating|CreateContainerConfigError|CreateContainerError)$/.test(c.waitingReason ?? ""),
      ),
    );
    if (!waitingToStart) return [];
    for (const r of e.configRefs) {
      if (r.exists || r.optional) continue;
      findings.push(
        finding(
          { kind: r.kind, namespace: r.namespace, name: r.name, ...(r.key ? { key: r.key } : {}) },
          0.6,
          [
            `${r.kind} ${r.namespace}/${r.name} referenced via ${r.via}${r.container ? ` by container ${r.container}` : ""} does not exist`,
          ],
          r.container,
          r.via,
        ),
      );
    }
    return findings.slice(0, 3);
  },
};

function finding(
  ref: MissingConfigRef,
  confidence: number,
  evidence: string[],
  container: string | undefined,
  via: string | undefined,
): Finding {
  const what = ref.key
    ? `key '${ref.key}' in ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`
    : `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
  return {
    analyzer: "missing-config",
    category: Category.MissingConfig,
    confidence: conf(confidence),
    summary: `The pod references ${what}, which does not exist.`,
    evidence,
    ...(container ? { container } : {}),
    data: {
      kind: ref.kind,
      name: ref.name,
      ...(ref.namespace ? { namespace: ref.namespace } : {}),
      ...(ref.key ? { key: ref.key } : {}),
      ...(via ? { via } : {}),
    },
  };
}

/**
 * A readable explanation of a diagnosis, 2–4 sentences, built only from the top
 * finding and the evidence it cites: what is wrong, the facts that show it, and what
 * else was considered. For `unknown`, what is missing.
 */
import type { Finding } from "../core/diagnosis.js";
import type { Evidence } from "../core/evidence.js";

function sentence(s: string): string {
  const t = s.trim().replace(/\s+/g, " ");
  if (t === "") return "";
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

function subjectName(e: Evidence): string {
  const w = e.workload?.ref;
  if (w) return `${w.kind} ${w.namespace ? `${w.namespace}/` : ""}${w.name}`;
  const s = e.subject;
  const name =
    s.deployment ??
    s.statefulset ??
    s.daemonset ??
    s.job ??
    s.cronjob ??
    s.node ??
    s.persistentvolumeclaim ??
    s.horizontalpodautoscaler ??
    s.pod;
  return name ? `${s.namespace ? `${s.namespace}/` : ""}${name}` : "the alert's subject";
}

export function explain(e: Evidence, top: Finding | undefined, ranked: readonly Finding[]): string {
  const parts: string[] = [];
  if (!top) {
    parts.push(
      sentence(
        `${e.subject.alertname} fired for ${subjectName(e)}, but the evidence does not support any known failure mode`,
      ),
    );
    const weak = ranked[0];
    if (weak)
      parts.push(
        sentence(
          `The closest reading, ${weak.category} (confidence ${weak.confidence.toFixed(2)}), rests on too little: ${weak.evidence.slice(0, 2).join("; ")}`,
        ),
      );
    const gaps = e.gaps.map((g) => `${g.source} (${g.reason})`);
    if (gaps.length > 0) parts.push(sentence(`Missing evidence: ${gaps.slice(0, 3).join(", ")}`));
    else if (e.pods.length === 0 || !e.pods.some((p) => p.alerted))
      parts.push(sentence("The alerted pod is gone and no termination reason or logs of it survive"));
    return parts.join(" ");
  }
  parts.push(sentence(top.summary));
  if (top.evidence.length > 0) parts.push(sentence(`Evidence: ${top.evidence.slice(0, 3).join("; ")}`));
  const others = ranked.filter((f) => f !== top && f.category !== top.category).slice(0, 2);
  if (others.length > 0) {
    parts.push(
      sentence(
        `Also considered: ${others.map((f) => `${f.category} (${f.confidence.toFixed(2)})`).join(", ")}, which the evidence supports less directly`,
      ),
    );
  }
  return parts.join(" ");
}

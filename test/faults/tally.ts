/**
 * What a row counts, from the outside: the collector's API (incidents, dead letters), the
 * GitOps remote (branches and commits per incident), the forge (pull requests per
 * incident) and the agents' log lines (diagnoses and plans recorded per incident).
 */
import type { Incident } from "../../src/core/incident.js";
import type { DeadLetter } from "../../src/transport/bus.js";
import { git } from "../helpers/git-remote.js";
import { distinctFingerprint } from "../helpers/processes.js";
import type { Rig } from "./fault-rig.js";

export interface Tally {
  accepted: number;
  incidents: number;
  diagnoses: number;
  plans: number;
  /** Pull requests open, one per finished proposal. */
  proposals: number;
  duplicates: number;
  /** What the duplicates were, for the failure message. */
  duplicateDetails: string[];
  /** Accepted alerts with neither a finished incident nor a dead letter naming them. */
  lost: number;
  lostDetails: string[];
  deadLetters: number;
  /** Dead-letter reasons, grouped: reason → count. */
  reasons: Map<string, number>;
  /** Accepted alerts that did not finish. */
  unfinished: number;
  /** Of those, the ones a dead letter names (with its reason). */
  deadLettered: number;
}

/** Where the accepted alerts stand, from the collector's API alone: what a settle waits on. */
export type Progress = Pick<Tally, "lost" | "lostDetails" | "unfinished" | "deadLettered">;

async function api<T>(port: number, path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

async function incidents(port: number): Promise<Incident[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await api<{ items: { id: string }[]; total: number }>(
      port,
      `/api/incidents?limit=500&offset=${offset}`,
    );
    ids.push(...page.items.map((i) => i.id));
    if (ids.length >= page.total || page.items.length === 0) break;
  }
  return Promise.all(ids.map((id) => api<Incident>(port, `/api/incidents/${id}`)));
}

async function deadLetters(port: number): Promise<DeadLetter[]> {
  return (await api<{ items: DeadLetter[] }>(port, "/api/dead-letters?limit=1000")).items;
}

/** Done as the row expects: diagnosed, planned, committed on its branch and its pull request open. */
function finished(incident: Incident): boolean {
  const p = incident.proposal;
  return (
    incident.diagnosis !== undefined &&
    incident.plan !== undefined &&
    p?.state === "proposed" &&
    p.commit !== undefined &&
    p.pullRequest !== undefined
  );
}

function countBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** The fingerprint an alerts-stage dead letter carries, if it is one. */
function letterFingerprint(letter: DeadLetter): string | undefined {
  const payload = letter.envelope.payload as { alert?: { fingerprint?: unknown } } | undefined;
  const fp = payload?.alert?.fingerprint;
  return typeof fp === "string" ? fp : undefined;
}

/** Log lines of one message per incident, across every process of the row (killed ones too). */
function logged(rig: Rig, msg: string): Map<string, number> {
  return countBy(
    rig.processes.flatMap((p) => p.lines().filter((l) => l.msg === msg)),
    (l) => (typeof l.incidentId === "string" ? l.incidentId : undefined),
  );
}

function progressOf(
  list: readonly Incident[],
  letters: readonly DeadLetter[],
  accepted: readonly number[],
): Progress {
  const lettered = new Set<string>();
  for (const l of letters) {
    if (l.envelope.incidentId) lettered.add(l.envelope.incidentId);
    const fp = letterFingerprint(l);
    if (fp) lettered.add(fp);
  }
  const lostDetails: string[] = [];
  let unfinished = 0;
  let deadLettered = 0;
  for (const i of accepted) {
    const fp = distinctFingerprint(i);
    const mine = list.filter((x) => x.alerts.some((a) => a.fingerprint === fp));
    if (mine.some(finished)) continue;
    unfinished++;
    if (lettered.has(fp) || mine.some((x) => lettered.has(x.id))) {
      deadLettered++;
      continue;
    }
    const where = mine.map(
      (x) =>
        `${x.id} ${x.state}${x.proposal ? `/${x.proposal.state}` : ""} ${x.diagnosis?.category ?? "-"} ${x.plan?.action ?? "-"}${x.proposal?.reason ? ` (${x.proposal.reason})` : ""}`,
    );
    lostDetails.push(`alert ${i}: ${where.length > 0 ? where.join(", ") : "no incident"}`);
  }
  return { lost: lostDetails.length, lostDetails, unfinished, deadLettered };
}

/** The progress alone, without the remote, forge and log counts of `tally`: cheap enough to poll. */
export async function progress(rig: Rig, accepted: readonly number[]): Promise<Progress> {
  return progressOf(await incidents(rig.port), await deadLetters(rig.port), accepted);
}

export async function tally(rig: Rig, accepted: readonly number[]): Promise<Tally> {
  const list = await incidents(rig.port);
  const letters = await deadLetters(rig.port);
  const duplicateDetails: string[] = [];
  const extra = (what: string, counts: Map<string, number>): number => {
    let n = 0;
    for (const [key, count] of counts)
      if (count > 1) {
        n += count - 1;
        duplicateDetails.push(`${what} ${key} x${count}`);
      }
    return n;
  };

  // Incidents opened twice for one alert.
  let duplicates = extra(
    "incident for alert",
    countBy(
      list.flatMap((i) => [...new Set(i.alerts.map((a) => a.fingerprint))].map((fp) => ({ fp }))),
      (x) => x.fp,
    ),
  );
  // Diagnoses and plans recorded twice for one incident.
  duplicates += extra("diagnosis of", logged(rig, "incident diagnosed"));
  duplicates += extra("plan of", logged(rig, "remediation proposed"));
  // Branches, commits and pull requests made twice for one incident.
  const branches = git(rig.remote, "for-each-ref", "--format=%(refname:short)", "refs/heads/aiops/")
    .split("\n")
    .filter(Boolean);
  const known = new Set(list.map((i) => `aiops/${i.id}`));
  for (const b of branches) {
    if (!known.has(b)) {
      duplicates++;
      duplicateDetails.push(`branch ${b} of no incident`);
    }
    const commits = Number(git(rig.remote, "rev-list", "--count", `main..${b}`).trim());
    if (commits > 1) {
      duplicates += commits - 1;
      duplicateDetails.push(`${commits} commits on ${b}`);
    }
  }
  duplicates += extra(
    "pull request for",
    countBy(rig.forge.pulls, (p) => p.head),
  );

  const { lostDetails, unfinished, deadLettered } = progressOf(list, letters, accepted);

  return {
    accepted: accepted.length,
    incidents: list.length,
    diagnoses: list.filter((i) => i.diagnosis).length,
    plans: list.filter((i) => i.plan).length,
    proposals: list.filter((i) => i.proposal?.pullRequest).length,
    duplicates,
    duplicateDetails,
    lost: lostDetails.length,
    lostDetails,
    deadLetters: letters.length,
    reasons: countBy(letters, (l) => `${l.stage}: ${l.reason}`),
    unfinished,
    deadLettered,
  };
}

/** The row's line of the table. */
export function tableLine(fault: string, t: Tally): string {
  const cells = [
    fault.padEnd(28),
    `accepted ${t.accepted}`.padEnd(13),
    `incidents ${t.incidents}`.padEnd(14),
    `diagnoses ${t.diagnoses}`.padEnd(14),
    `plans ${t.plans}`.padEnd(10),
    `PRs ${t.proposals}`.padEnd(8),
    `duplicates ${t.duplicates}`.padEnd(14),
    `lost ${t.lost}`.padEnd(8),
    `dead letters ${t.deadLetters}`,
  ];
  const reasons = [...t.reasons].map(([reason, n]) => `    ${n} x ${reason}`);
  return [cells.join(" "), ...reasons].join("\n");
}

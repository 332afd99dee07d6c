/**
 * The proposer: a plan in (the remediations stage), the plan as a GitOps proposal out,
 * and the apply policy carried out. Each step is recorded on the incident before the
 * next, so that a redelivered message (or a replica taking over after a crash) finds
 * what was done and does not do it twice: the branch is looked up on the remote before
 * it is made, the pull request is looked up by branch before it is opened.
 *
 * Also serves the approve and reject decisions of people, and learns that a pull
 * request was merged by polling the forge.
 */
import type { Logger } from "pino";
import type { RemediationPlan } from "../core/diagnosis.js";
import { ConflictError, InputError, NotFoundError } from "../core/errors.js";
import { IncidentState, type Incident, type Proposal } from "../core/incident.js";
import type { Applier } from "../apply/kube-applier.js";
import type { ApplyPolicy } from "../apply/policy.js";
import type { Forge } from "../gitops/forge.js";
import type { GitRepository } from "../gitops/git-repository.js";
import {
  branchFor,
  checkContainerName,
  checkKind,
  checkNamespace,
  checkObjectName,
} from "../gitops/names.js";
import { commitMessage, incidentLink, proposalTitle, pullRequestBody } from "../gitops/proposal-text.js";
import type { IncidentStore } from "../store/incident-store.js";
import type { Bus, Subscription } from "../transport/bus.js";
import { readEnvelope } from "../transport/messages.js";
import { Stage } from "../transport/subjects.js";
import type { OutcomeTracker } from "./outcomes.js";
import { instrumented, type StageMetrics } from "./stage.js";

export interface ProposerDeps {
  bus: Bus;
  store: IncidentStore;
  metrics: StageMetrics;
  logger: Logger;
  policy: ApplyPolicy;
  /** The GitOps repository; without it a proposal lives on the incident only. */
  repository?: GitRepository;
  forge?: Forge;
  /** `auto`: a pull request is opened with the commit; `on-approve`: when a person approves. */
  pullRequests: "auto" | "on-approve";
  labels: readonly string[];
  /** Base URL of this system's API, for the incident link. */
  consoleUrl?: string;
  /** The cluster, for dry-runs and applies. */
  applier?: Applier;
  /** What approve does: open the pull request, or apply the patch to the cluster. */
  onApprove: "pull-request" | "apply";
  outcomes?: Pick<OutcomeTracker, "recordApplied">;
  clock?: () => Date;
  maxDeliver?: number;
  workingIntervalMs?: number;
}

type Patch = NonNullable<RemediationPlan["patch"]>;

/** Names from alerts checked before any becomes a branch, a path or an argument. */
function checkTarget(incident: Incident, plan: RemediationPlan & { patch: Patch }): string {
  const branch = branchFor(incident.id);
  checkKind(plan.patch.kind);
  checkObjectName(plan.patch.name);
  if (plan.patch.namespace !== undefined) checkNamespace(plan.patch.namespace);
  if (plan.target.container !== undefined) checkContainerName(plan.target.container);
  return branch;
}

export function createProposer(deps: ProposerDeps) {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.logger.child({ agent: "proposer" });
  let subscription: Subscription | undefined;

  /** Merges `change` into the incident's proposal (creating it with `mode`). */
  async function record(id: string, mode: Proposal["mode"], change: Partial<Proposal>): Promise<Incident> {
    const at = clock().toISOString();
    return deps.store.update(id, (i) => ({
      ...i,
      proposal: { mode, state: "proposed", ...i.proposal, ...change, updatedAt: at },
      updatedAt: at,
    }));
  }

  async function ensurePullRequest(
    incident: Incident,
    plan: RemediationPlan,
    proposal: Proposal,
  ): Promise<Incident> {
    if (!deps.forge || !deps.repository || !proposal.branch || !proposal.commit) return incident;
    if (proposal.pullRequest) return incident;
    const link = incidentLink(deps.consoleUrl, incident.id);
    const pr =
      (await deps.forge.find(proposal.branch)) ??
      (await deps.forge.open({
        branch: proposal.branch,
        base: deps.repository.baseBranch,
        title: proposalTitle(incident, plan),
        body: pullRequestBody(
          incident,
          plan,
          { diff: proposal.diff ?? "", location: proposal.location ?? "" },
          link,
        ),
        labels: deps.labels,
      }));
    log.info({ incidentId: incident.id, pullRequest: pr.url }, "pull request open");
    return record(incident.id, proposal.mode, { pullRequest: { forge: deps.forge.kind, ...pr } });
  }

  async function applyNow(incident: Incident, patch: Patch, by: string): Promise<Incident> {
    const applier = deps.applier as Applier;
    const result = await applier.patch(patch, { dryRun: false });
    const at = clock().toISOString();
    // The audit line: who applied what where, and what the API server said.
    log.info(
      {
        audit: true,
        incidentId: incident.id,
        by,
        kind: patch.kind,
        namespace: patch.namespace,
        name: patch.name,
        patch: patch.body,
        ok: result.ok,
        result: result.message,
      },
      "remediation applied to the cluster",
    );
    const mode = incident.proposal?.mode ?? "propose";
    const updated = await record(incident.id, mode, {
      apply: { ok: result.ok, at, by, message: result.message },
      ...(result.ok ? { state: "applied" as const } : {}),
    });
    if (result.ok) {
      await deps.outcomes?.recordApplied(incident.id, {
        via: "applied",
        by,
        ref: incident.proposal?.commit ?? `${patch.kind}/${patch.name}`,
      });
    }
    return updated;
  }

  async function handle(incidentId: string): Promise<void> {
    let incident = await deps.store.get(incidentId);
    if (!incident) throw new InputError(`unknown incident ${incidentId}`);
    const plan = incident.plan;
    if (!plan) throw new InputError(`incident ${incidentId} has no plan to propose`);
    if (incident.proposal?.decision || incident.proposal?.state === "applied") return;
    const mode = deps.policy.modeFor(plan);
    if (!plan.patch) {
      if (!incident.proposal)
        await record(incidentId, mode, {
          state: "skipped",
          reason: `a ${plan.action} plan changes no object`,
        });
      return;
    }
    const withPatch = { ...plan, patch: plan.patch };
    const branch = checkTarget(incident, withPatch);

    if (
      !incident.proposal ||
      (incident.proposal.state === "proposed" && !incident.proposal.commit && deps.repository)
    ) {
      if (deps.repository) {
        const link = incidentLink(deps.consoleUrl, incidentId);
        const outcome = await deps.repository.propose({
          branch,
          patch: plan.patch,
          message: commitMessage(incident, plan, link),
        });
        incident =
          outcome.kind === "committed"
            ? await record(incidentId, mode, {
                state: "proposed",
                branch: outcome.branch,
                commit: outcome.commit,
                files: outcome.files,
                location: outcome.location,
                diff: outcome.diff,
              })
            : await record(incidentId, mode, { state: "no_change", reason: outcome.reason });
        log.info(
          {
            incidentId,
            branch,
            outcome: outcome.kind,
            files: outcome.kind === "committed" ? outcome.files : [],
          },
          "proposal committed",
        );
      } else {
        incident = await record(incidentId, mode, { state: "proposed" });
      }
    }
    const proposal = incident.proposal as Proposal;
    if (deps.pullRequests === "auto") incident = await ensurePullRequest(incident, plan, proposal);

    if (mode === "dry-run" && deps.applier && !incident.proposal?.dryRun) {
      const result = await deps.applier.patch(plan.patch, { dryRun: true });
      await record(incidentId, mode, {
        dryRun: { ok: result.ok, at: clock().toISOString(), message: result.message },
      });
      log.info({ incidentId, ok: result.ok, result: result.message }, "server-side dry-run");
    }
    if (
      mode === "auto" &&
      !incident.proposal?.apply &&
      !incident.proposal?.autoRefused &&
      !incident.applied
    ) {
      const admitted = deps.applier
        ? deps.policy.admitAuto(plan)
        : { ok: false as const, reason: "no cluster applier is configured" };
      if (admitted.ok) await applyNow(incident, plan.patch, "aiops");
      else {
        await record(incidentId, mode, { autoRefused: admitted.reason });
        log.info(
          { audit: true, incidentId, action: plan.action, reason: admitted.reason },
          "automatic apply refused",
        );
      }
    }
  }

  /**
   * Takes a rejected proposal back: closes its pull request (the recorded one, or the
   * one the forge has for the branch) and deletes the branch from the remote. Safe to
   * repeat; a merged pull request is a conflict, left for pollMerged to record.
   */
  async function withdraw(incident: Incident): Promise<Partial<Proposal>> {
    const branch = incident.proposal?.branch;
    if (!branch) return {};
    const change: Partial<Proposal> = {};
    const recorded = incident.proposal?.pullRequest;
    const pr = recorded ?? (deps.forge ? await deps.forge.find(branch) : undefined);
    if (deps.forge && pr && pr.state !== "closed") {
      const now = await deps.forge.close(pr.number);
      if (now.state === "merged")
        throw new ConflictError(`incident ${incident.id}'s pull request ${now.url} is merged already`);
      change.pullRequest = { forge: deps.forge.kind, ...pr, state: now.state };
    }
    if (deps.repository) {
      await deps.repository.deleteBranch(branch);
      change.branchDeleted = clock().toISOString();
    }
    return change;
  }

  function decisionOf(
    verdict: "approved" | "rejected",
    by?: string,
    note?: string,
  ): NonNullable<Proposal["decision"]> {
    return { verdict, at: clock().toISOString(), ...(by ? { by } : {}), ...(note ? { note } : {}) };
  }

  /** The incident with a plan that has a patch and no decision yet; NotFoundError / ConflictError otherwise. */
  async function decidable(
    id: string,
  ): Promise<{ incident: Incident; plan: RemediationPlan & { patch: Patch } }> {
    const incident = await deps.store.get(id);
    if (!incident) throw new NotFoundError(`no incident ${id}`);
    const plan = incident.plan;
    if (!plan?.patch) throw new ConflictError(`incident ${id} has no proposed change to decide on`);
    if (incident.proposal?.decision)
      throw new ConflictError(`incident ${id} was ${incident.proposal.decision.verdict} already`);
    if (incident.applied || incident.proposal?.state === "applied")
      throw new ConflictError(`incident ${id}'s remediation is in effect already`);
    if (incident.state === IncidentState.Resolved) throw new ConflictError(`incident ${id} is resolved`);
    return { incident, plan: { ...plan, patch: plan.patch } };
  }

  return {
    async start(): Promise<void> {
      subscription = await deps.bus.consume(
        Stage.Remediations,
        instrumented(
          "propose",
          deps.metrics,
          log,
          async (env) => {
            await handle(readEnvelope(Stage.Remediations, env).payload.incidentId);
          },
          deps.workingIntervalMs,
        ),
        { durable: "proposer", concurrency: 2, maxDeliver: deps.maxDeliver },
      );
    },
    async stop(): Promise<void> {
      await subscription?.drain();
    },
    /** Runs the proposal steps for an incident now (what a delivery does). */
    propose: handle,

    /** A person approves: the pull request is opened, or the patch applied, per `onApprove`. */
    async approve(id: string, by?: string, note?: string): Promise<Incident> {
      const { incident, plan } = await decidable(id);
      const who = by ?? "api";
      const decision = decisionOf("approved", by, note);
      const mode = incident.proposal?.mode ?? deps.policy.modeFor(plan);
      if (deps.onApprove === "apply") {
        if (!deps.applier)
          throw new ConflictError("approve applies to the cluster, but no cluster applier is configured");
        checkTarget(incident, plan);
        const applied = await applyNow(incident, plan.patch, who);
        if (!applied.proposal?.apply?.ok)
          throw new ConflictError(`the cluster refused the patch: ${applied.proposal?.apply?.message ?? ""}`);
        return record(id, mode, { decision });
      }
      if (!deps.forge || !deps.repository)
        throw new ConflictError("approve opens a pull request, but no forge is configured");
      if (!incident.proposal?.commit) await handle(id);
      const current = (await deps.store.get(id)) as Incident;
      if (!current.proposal?.commit)
        throw new ConflictError(
          `incident ${id} has no commit to open a pull request for (${current.proposal?.reason ?? "nothing changed"})`,
        );
      await ensurePullRequest(current, plan, current.proposal);
      log.info({ audit: true, incidentId: id, by: who }, "proposal approved");
      return record(id, mode, { decision });
    },

    /**
     * A person dismisses the proposal: its pull request is closed and its branch deleted
     * (before the decision is recorded, so that a failed attempt can be repeated), and
     * nothing further happens to it.
     */
    async reject(id: string, by?: string, note?: string): Promise<Incident> {
      const { incident, plan } = await decidable(id);
      const withdrawn = await withdraw(incident);
      log.info({ audit: true, incidentId: id, by: by ?? "api", ...withdrawn }, "proposal rejected");
      return record(id, incident.proposal?.mode ?? deps.policy.modeFor(plan), {
        ...withdrawn,
        state: "rejected",
        decision: decisionOf("rejected", by, note),
      });
    },

    /** Asks the forge about open pull requests; a merged one is recorded and counts as applied. */
    async pollMerged(): Promise<number> {
      if (!deps.forge) return 0;
      let merged = 0;
      const page = await deps.store.list({ state: IncidentState.Planned, limit: 500 });
      for (const summary of page.items) {
        const pr = summary.proposal?.pullRequest;
        if (!pr || pr.state !== "open") continue;
        const now = await deps.forge.get(pr.number);
        if (now.state === "open") continue;
        const incident = await record(summary.id, summary.proposal?.mode ?? "propose", {
          pullRequest: { ...pr, state: now.state },
        });
        if (now.state === "merged") {
          merged++;
          await deps.outcomes?.recordApplied(incident.id, { via: "merged", ref: pr.url });
          log.info({ incidentId: incident.id, pullRequest: pr.url }, "pull request merged");
        }
      }
      return merged;
    },
  };
}

export type Proposer = ReturnType<typeof createProposer>;

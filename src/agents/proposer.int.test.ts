import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeForge, type FakeForge } from "../../test/fakes/forge-servers.js";
import {
  startFakeKubeApiServer,
  type FakeKubeApiServer,
  type PolicyRule,
} from "../../test/fakes/kube-api-server.js";
import { bareRemote, git, GITOPS_FIXTURE } from "../../test/helpers/git-remote.js";
import { REPO } from "../../test/helpers/system.js";
import { KubeApplier } from "../apply/kube-applier.js";
import { ApplyPolicy, type ApplyPolicyOptions } from "../apply/policy.js";
import type { KubeObject } from "../context/context-source.js";
import { loadKubeConfig } from "../context/kubernetes/kube-api.js";
import type { RemediationPlan } from "../core/diagnosis.js";
import { ConflictError, InputError, NotFoundError } from "../core/errors.js";
import { IncidentState, type Incident } from "../core/incident.js";
import { createForge } from "../gitops/forge.js";
import { createGit } from "../gitops/git.js";
import { GitRepository } from "../gitops/git-repository.js";
import { createLogger } from "../observability/logger.js";
import { MemoryIncidentStore } from "../store/memory/memory-incident-store.js";
import { MemoryBus } from "../transport/memory/memory-bus.js";
import { createOutcomeTracker } from "./outcomes.js";
import { createProposer, type ProposerDeps } from "./proposer.js";

const DEMO = JSON.parse(readFileSync(join(REPO, "examples/demo/cluster.json"), "utf8")) as {
  cluster: { items: KubeObject[] };
};
const NOW = new Date("2026-11-25T10:10:00.000Z");

function memoryPlan(namespace = "demo", name = "checkout", memory = "384Mi"): RemediationPlan {
  const body = {
    spec: { template: { spec: { containers: [{ name: "app", resources: { limits: { memory } } }] } } },
  };
  return {
    action: "increase_memory_limit",
    target: { kind: "Deployment", namespace, name, container: "app" },
    params: { memory },
    patch: { apiVersion: "apps/v1", kind: "Deployment", namespace, name, body },
    risk: "low",
    rationale: "Container app is OOMKilled at its 256Mi limit.",
    createdAt: NOW.toISOString(),
  };
}

function incident(id: string, plan: RemediationPlan): Incident {
  return {
    id,
    correlationKey: `KubePodCrashLooping/${id}`,
    state: IncidentState.Planned,
    alertname: "KubePodCrashLooping",
    namespace: plan.target.namespace,
    alerts: [],
    notifications: 1,
    openedAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    diagnosis: {
      category: "oom_killed",
      confidence: 0.95,
      summary: "Container app is killed for exceeding its memory limit of 256Mi.",
      findings: [
        {
          analyzer: "oom-killed",
          category: "oom_killed",
          confidence: 0.95,
          summary: "OOMKilled",
          evidence: ["container app terminated with reason OOMKilled in 1 pod(s)"],
        },
      ],
      decidedBy: "analyzers",
      createdAt: NOW.toISOString(),
    },
    plan,
  };
}

describe("the proposer", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()?.();
  });

  async function setup(
    policy: Partial<ApplyPolicyOptions> = {},
    extra: Partial<ProposerDeps> = {},
    rules?: PolicyRule[],
  ) {
    const { remote, dir } = bareRemote();
    const forgeFake: FakeForge = await startFakeForge("github");
    const kube: FakeKubeApiServer = await startFakeKubeApiServer({
      objects: DEMO.cluster.items,
      ...(rules ? { rules } : {}),
    });
    closers.push(
      () => forgeFake.close(),
      () => kube.close(),
    );
    const store = new MemoryIncidentStore();
    const lines: string[] = [];
    const logger = createLogger({
      level: "info",
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const repository = new GitRepository({
      remote,
      workdir: join(dir, "work"),
      baseBranch: "main",
      paths: ["apps"],
      git: createGit({}, { name: "aiops", email: "aiops@example.com" }),
    });
    const forge = createForge({
      kind: "github",
      url: forgeFake.url,
      repo: forgeFake.repo,
      token: forgeFake.token,
    });
    const outcomes = createOutcomeTracker({ store, windowMs: 600_000, logger, clock: () => NOW });
    const proposer = createProposer({
      bus: new MemoryBus(),
      store,
      metrics: { stageDuration: { observe: () => undefined }, stageErrors: { inc: () => undefined } },
      logger,
      policy: new ApplyPolicy({
        mode: "propose",
        rules: [],
        allowActions: [],
        allowNamespaces: [],
        ratePerHour: 3,
        clock: () => NOW,
        ...policy,
      }),
      repository,
      forge,
      pullRequests: "auto",
      labels: ["aiops", "remediation"],
      consoleUrl: "https://aiops.example.com",
      applier: new KubeApplier(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath })),
      onApprove: "pull-request",
      outcomes,
      clock: () => NOW,
      ...extra,
    });
    const add = async (id: string, plan = memoryPlan()) => store.create(incident(id, plan));
    const deployment = async () =>
      (await await fetch(`${kube.url}/apis/apps/v1/namespaces/demo/deployments/checkout`, {
        headers: { authorization: `Bearer ${kube.token}` },
      }).then((r) => r.json())) as {
        spec: { template: { spec: { containers: { resources: { limits: { memory: string } } }[] } } };
      };
    const patches = () => kube.requests.filter((r) => r.method === "PATCH");
    return {
      remote,
      dir,
      forgeFake,
      kube,
      store,
      proposer,
      lines,
      add,
      repository,
      forge,
      deployment,
      patches,
    };
  }

  it("commits the change, pushes the branch and opens one labelled pull request holding the diagnosis and the diff", async () => {
    const s = await setup();
    await s.add("inc-one");
    await s.proposer.propose("inc-one");
    await s.proposer.propose("inc-one"); // a redelivery
    const stored = await s.store.get("inc-one");
    expect(stored?.proposal).toMatchObject({
      mode: "propose",
      state: "proposed",
      branch: "aiops/inc-one",
      files: ["apps/demo.yaml"],
    });
    expect(git(s.remote, "show", "aiops/inc-one:apps/demo.yaml")).toBe(
      readFileSync(join(GITOPS_FIXTURE, "apps/demo.yaml"), "utf8").replace(
        "memory: 256Mi # sized",
        "memory: 384Mi # sized",
      ),
    );
    const message = git(s.remote, "log", "-1", "--format=%B", "aiops/inc-one");
    expect(message).toContain("Diagnosis: oom_killed (confidence 0.95)");
    expect(message).toContain("- container app terminated with reason OOMKilled");
    expect(message).toContain("Aiops-Incident-Link: https://aiops.example.com/#/incidents/inc-one");
    expect(git(s.remote, "rev-list", "--count", "main..aiops/inc-one").trim()).toBe("1");
    expect(s.forgeFake.pulls).toHaveLength(1);
    const pr = s.forgeFake.pulls[0];
    expect(pr?.labels).toEqual(["aiops", "remediation"]);
    expect(pr?.body).toContain("Container app is killed for exceeding its memory limit of 256Mi.");
    expect(pr?.body).toContain("+            memory: 384Mi # sized for launch");
    expect(stored?.proposal?.pullRequest).toMatchObject({ forge: "github", number: 1, state: "open" });
    expect(s.patches()).toHaveLength(0);
  });

  it("ends with one branch, one commit and one pull request after a crash between push and pull request", async () => {
    const s = await setup();
    await s.add("inc-crash");
    // The push happened, then the process died before anything was recorded.
    await s.repository.propose({
      branch: "aiops/inc-crash",
      patch: memoryPlan().patch!,
      message: "first attempt",
    });
    await s.proposer.propose("inc-crash");
    // And a crash after the pull request was opened but before it was recorded.
    await s.store.update("inc-crash", (i) => ({
      ...i,
      proposal: { ...i.proposal!, pullRequest: undefined },
    }));
    await s.proposer.propose("inc-crash");
    expect(git(s.remote, "rev-list", "--count", "main..aiops/inc-crash").trim()).toBe("1");
    expect(s.forgeFake.pulls).toHaveLength(1);
    expect((await s.store.get("inc-crash"))?.proposal?.pullRequest?.number).toBe(1);
  });

  it("refuses malicious names with a clear error and writes nothing", async () => {
    const s = await setup();
    for (const [id, plan] of [
      ["inc-evil-ns", memoryPlan("../../etc")],
      ["inc-evil-name", memoryPlan("demo", "--upload-pack=touch /tmp/pwned")],
      ["inc-evil-newline", memoryPlan("demo", "checkout\nx")],
      ["inc-evil-space", memoryPlan("demo", "check out")],
    ] as const) {
      await s.add(id, plan);
      await expect(s.proposer.propose(id)).rejects.toThrow(InputError);
    }
    await s.add("bad id with spaces");
    await expect(s.proposer.propose("bad id with spaces")).rejects.toThrow(/refusing incident id/);
    expect(git(s.remote, "for-each-ref", "--format=%(refname)", "refs/heads/").trim()).toBe(
      "refs/heads/main",
    );
    expect(s.forgeFake.pulls).toHaveLength(0);
  });

  it("dry-run: sends the patch with dryRun=All and records the result; the cluster is unchanged", async () => {
    const s = await setup({ mode: "dry-run" });
    await s.add("inc-dry");
    await s.proposer.propose("inc-dry");
    await s.proposer.propose("inc-dry");
    expect(s.patches()).toHaveLength(1);
    expect(s.patches()[0]).toMatchObject({
      query: { dryRun: "All", fieldManager: "aiops" },
      contentType: "application/strategic-merge-patch+json",
      status: 200,
    });
    expect((await s.store.get("inc-dry"))?.proposal?.dryRun).toMatchObject({
      ok: true,
      message: expect.stringContaining("dry-run accepted"),
    });
    expect((await s.deployment()).spec.template.spec.containers[0]?.resources.limits.memory).toBe("256Mi");
  });

  it("dry-run: records the API server's refusal when RBAC does not allow patch", async () => {
    const readOnly: PolicyRule[] = [
      { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "watch"] },
    ];
    const s = await setup({ mode: "dry-run" }, {}, readOnly);
    await s.add("inc-forbidden");
    await s.proposer.propose("inc-forbidden");
    expect(s.patches()[0]).toMatchObject({ status: 403, verb: "patch", resource: "deployments" });
    const dryRun = (await s.store.get("inc-forbidden"))?.proposal?.dryRun;
    expect(dryRun?.ok).toBe(false);
    expect(dryRun?.message).toMatch(/403.*cannot patch resource "deployments"/);
  });

  it("auto: applies allow-listed actions in allow-listed namespaces, with an audit line and the applied record", async () => {
    const s = await setup({
      mode: "auto",
      allowActions: ["increase_memory_limit"],
      allowNamespaces: ["demo"],
    });
    await s.add("inc-auto");
    await s.proposer.propose("inc-auto");
    await s.proposer.propose("inc-auto");
    expect(s.patches()).toHaveLength(1);
    expect(s.patches()[0]?.query.dryRun).toBeUndefined();
    expect((await s.deployment()).spec.template.spec.containers[0]?.resources.limits.memory).toBe("384Mi");
    const stored = await s.store.get("inc-auto");
    expect(stored?.proposal).toMatchObject({ state: "applied", apply: { ok: true, by: "aiops" } });
    expect(stored?.applied).toMatchObject({ via: "applied", by: "aiops" });
    const audit = s.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.audit === true);
    expect(audit).toEqual([
      expect.objectContaining({ incidentId: "inc-auto", namespace: "demo", name: "checkout", ok: true }),
    ]);
  });

  it("auto: refuses what is not allow-listed, and past the hourly rate", async () => {
    const s = await setup({
      mode: "auto",
      allowActions: ["increase_memory_limit"],
      allowNamespaces: ["demo"],
      ratePerHour: 1,
    });
    await s.add("inc-other-ns", memoryPlan("shop", "checkout"));
    await s.proposer.propose("inc-other-ns");
    expect((await s.store.get("inc-other-ns"))?.proposal?.autoRefused).toMatch(
      /namespace shop is not in apply.allow.namespaces/,
    );
    await s.add("inc-first");
    await s.proposer.propose("inc-first");
    await s.add("inc-second", memoryPlan("demo", "checkout", "512Mi"));
    await s.proposer.propose("inc-second");
    expect((await s.store.get("inc-second"))?.proposal?.autoRefused).toMatch(/rate limit/);
    expect(s.patches()).toHaveLength(1);
  });

  it("approve opens the pull request (on-approve) or applies; reject dismisses; 404 and 409 as named errors", async () => {
    const s = await setup({}, { pullRequests: "on-approve" });
    await s.add("inc-approve");
    await s.proposer.propose("inc-approve");
    expect(s.forgeFake.pulls).toHaveLength(0);
    const approved = await s.proposer.approve("inc-approve", "alice");
    expect(approved.proposal).toMatchObject({
      decision: { verdict: "approved", by: "alice" },
      pullRequest: { number: 1 },
    });
    expect(s.forgeFake.pulls).toHaveLength(1);
    await expect(s.proposer.approve("inc-approve")).rejects.toThrow(ConflictError);
    await expect(s.proposer.reject("inc-approve")).rejects.toThrow(ConflictError);
    await expect(s.proposer.approve("inc-missing")).rejects.toThrow(NotFoundError);

    await s.add("inc-reject");
    const rejected = await s.proposer.reject("inc-reject", "bob", "not now");
    expect(rejected.proposal).toMatchObject({
      state: "rejected",
      decision: { verdict: "rejected", by: "bob", note: "not now" },
    });
    await s.proposer.propose("inc-reject");
    expect(git(s.remote, "branch", "--list", "aiops/inc-reject").trim()).toBe("");

    const manual: RemediationPlan = { ...memoryPlan(), action: "manual", patch: undefined };
    await s.add("inc-manual", manual);
    await expect(s.proposer.approve("inc-manual")).rejects.toThrow(/no proposed change/);
  });

  it("reject closes the pull request and deletes the branch, and does so when either is gone already", async () => {
    const s = await setup();
    const branches = () => git(s.remote, "branch", "--list", "aiops/*").trim();
    await s.add("inc-withdraw");
    await s.proposer.propose("inc-withdraw");
    expect(s.forgeFake.pulls[0]?.state).toBe("open");
    expect(branches()).toContain("aiops/inc-withdraw");
    const rejected = await s.proposer.reject("inc-withdraw", "bob");
    expect(rejected.proposal).toMatchObject({
      state: "rejected",
      pullRequest: { number: 1, state: "closed" },
      branchDeleted: NOW.toISOString(),
      decision: { verdict: "rejected", by: "bob" },
    });
    expect(s.forgeFake.pulls[0]?.state).toBe("closed");
    expect(branches()).toBe("");
    const closes = s.forgeFake.requests.filter((r) => r.method === "PATCH");
    expect(closes.map((r) => [r.path, r.body])).toEqual([
      [`/repos/${s.forgeFake.repo}/pulls/1`, { state: "closed" }],
    ]);

    // Closed by hand and the branch deleted on the forge before the rejection: still fine.
    await s.add("inc-gone");
    await s.proposer.propose("inc-gone");
    git(s.remote, "branch", "-D", "aiops/inc-gone");
    const recorded = (await s.store.get("inc-gone"))?.proposal?.pullRequest;
    expect(await s.forge.close(recorded?.number ?? 0)).toMatchObject({ state: "closed" });
    const again = await s.proposer.reject("inc-gone");
    expect(again.proposal).toMatchObject({ state: "rejected", pullRequest: { state: "closed" } });
    expect(branches()).toBe("");

    // A pull request merged meanwhile is not taken back.
    await s.add("inc-merged");
    await s.proposer.propose("inc-merged");
    s.forgeFake.merge(3);
    await expect(s.proposer.reject("inc-merged")).rejects.toThrow(ConflictError);
    expect(branches()).toContain("aiops/inc-merged");
    expect((await s.store.get("inc-merged"))?.proposal?.decision).toBeUndefined();
  });

  it("approve with onApprove apply patches the cluster and records it applied", async () => {
    const s = await setup({}, { onApprove: "apply" });
    await s.add("inc-apply");
    const approved = await s.proposer.approve("inc-apply", "carol");
    expect(approved.proposal).toMatchObject({ state: "applied", apply: { ok: true, by: "carol" } });
    expect(approved.applied ?? (await s.store.get("inc-apply"))?.applied).toMatchObject({
      via: "applied",
      by: "carol",
    });
    expect((await s.deployment()).spec.template.spec.containers[0]?.resources.limits.memory).toBe("384Mi");
  });

  it("learns a merge by polling the forge and records the remediation as merged", async () => {
    const s = await setup();
    await s.add("inc-merge");
    await s.proposer.propose("inc-merge");
    expect(await s.proposer.pollMerged()).toBe(0);
    s.forgeFake.merge(1);
    expect(await s.proposer.pollMerged()).toBe(1);
    const stored = await s.store.get("inc-merge");
    expect(stored?.applied).toMatchObject({ via: "merged", ref: stored?.proposal?.pullRequest?.url });
    expect(stored?.proposal?.pullRequest?.state).toBe("merged");
    expect(await s.proposer.pollMerged()).toBe(0);
  });
});

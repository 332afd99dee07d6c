import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bareRemote, git, GITOPS_FIXTURE, show } from "../../test/helpers/git-remote.js";
import { createGit } from "./git.js";
import { GitRepository, type ProposalRequest } from "./git-repository.js";
import { branchFor } from "./names.js";

const fixture = (path: string) => readFileSync(join(GITOPS_FIXTURE, path), "utf8");

function repository(paths = ["apps", "kustomize"]) {
  const { remote, dir } = bareRemote();
  const repo = new GitRepository({
    remote,
    workdir: join(dir, "work"),
    baseBranch: "main",
    paths,
    git: createGit({}, { name: "aiops", email: "aiops@example.com" }),
  });
  return { remote, dir, repo };
}

const template = (containers: unknown[]) => ({ spec: { template: { spec: { containers } } } });

function request(
  incidentId: string,
  kind: string,
  namespace: string,
  name: string,
  body: Record<string, unknown>,
): ProposalRequest {
  const apiVersion =
    kind === "HorizontalPodAutoscaler"
      ? "autoscaling/v2"
      : kind === "PersistentVolumeClaim"
        ? "v1"
        : "apps/v1";
  return {
    branch: branchFor(incidentId),
    patch: { apiVersion, kind, namespace, name, body },
    message: `aiops: change ${kind} ${namespace}/${name}\n\nIncident: ${incidentId}`,
  };
}

/** Each action's patch, and the one-line change it must make to apps/shop.yaml. */
const SHOP_CASES: {
  action: string;
  kind: string;
  name: string;
  body: Record<string, unknown>;
  from: string;
  to: string;
}[] = [
  {
    action: "increase_memory_limit",
    kind: "Deployment",
    name: "checkout",
    body: template([{ name: "app", resources: { limits: { memory: "384Mi" } } }]),
    from: "memory: 256Mi # raised in May",
    to: "memory: 384Mi # raised in May",
  },
  {
    action: "increase_cpu_limit",
    kind: "Deployment",
    name: "checkout",
    body: template([{ name: "app", resources: { limits: { cpu: "1" } } }]),
    from: "            cpu: 500m\n",
    to: "            cpu: 1\n",
  },
  {
    action: "rollback",
    kind: "Deployment",
    name: "checkout",
    body: template([{ name: "app", image: "registry.example/checkout:1.4.1" }]),
    from: 'image: "registry.example/checkout:1.4.2"',
    to: 'image: "registry.example/checkout:1.4.1"',
  },
  {
    action: "scale",
    kind: "Deployment",
    name: "checkout",
    body: { spec: { replicas: 3 } },
    from: "replicas: 2 # scaled by hand",
    to: "replicas: 3 # scaled by hand",
  },
  {
    action: "increase_hpa_max",
    kind: "HorizontalPodAutoscaler",
    name: "checkout",
    body: { spec: { maxReplicas: 8 } },
    from: "maxReplicas: 4 # capacity plan Q3",
    to: "maxReplicas: 8 # capacity plan Q3",
  },
  {
    action: "expand_pvc",
    kind: "PersistentVolumeClaim",
    name: "orders-data",
    body: { spec: { resources: { requests: { storage: "15Gi" } } } },
    from: "storage: 10Gi",
    to: "storage: 15Gi",
  },
  {
    action: "adjust_probe",
    kind: "Deployment",
    name: "checkout",
    body: template([{ name: "app", livenessProbe: { timeoutSeconds: 5, failureThreshold: 6 } }]),
    from: "          timeoutSeconds: 1\n          failureThreshold: 3\n",
    to: "          timeoutSeconds: 5\n          failureThreshold: 6\n",
  },
];

describe("GitRepository against a real bare remote", () => {
  it.each(SHOP_CASES)("$action: one commit on aiops/<id> changes exactly the field", async (c) => {
    const { remote, repo } = repository();
    const id = `inc-${c.action.replace(/_/g, "-")}`;
    const outcome = await repo.propose(request(id, c.kind, "shop", c.name, c.body));
    expect(outcome).toMatchObject({ kind: "committed", files: ["apps/shop.yaml"], existing: false });
    if (outcome.kind !== "committed") return;
    const before = fixture("apps/shop.yaml");
    expect(before).toContain(c.from);
    expect(show(remote, `aiops/${id}`, "apps/shop.yaml")).toBe(before.replace(c.from, c.to));
    expect(git(remote, "rev-parse", `aiops/${id}`).trim()).toBe(outcome.commit);
    expect(git(remote, "rev-list", "--count", `main..aiops/${id}`).trim()).toBe("1");
    expect(git(remote, "log", "-1", "--format=%an <%ae>%n%B", `aiops/${id}`)).toContain(
      "aiops <aiops@example.com>",
    );
    const added = outcome.diff.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++"));
    expect(added.map((l) => l.slice(1).trim())).toEqual(
      c.to
        .trim()
        .split("\n")
        .map((l) => l.trim()),
    );
  });

  it("edits the overlay's own patch for the namespace, not the base shared with staging", async () => {
    const { remote, repo } = repository();
    const body = template([{ name: "web", resources: { limits: { memory: "768Mi" } } }]);
    const outcome = await repo.propose(request("inc-overlay", "Deployment", "prod", "web", body));
    expect(outcome).toMatchObject({
      kind: "committed",
      files: ["kustomize/overlays/prod/web-resources.yaml"],
    });
    const path = "kustomize/overlays/prod/web-resources.yaml";
    expect(show(remote, "aiops/inc-overlay", path)).toBe(
      fixture(path).replace("memory: 512Mi # prod peak + 30%", "memory: 768Mi # prod peak + 30%"),
    );
    expect(show(remote, "aiops/inc-overlay", "kustomize/base/deployment.yaml")).toBe(
      fixture("kustomize/base/deployment.yaml"),
    );
  });

  it("adds a field the overlay's patch lacks beside its siblings", async () => {
    const { remote, repo } = repository();
    const body = template([{ name: "web", resources: { limits: { cpu: "750m" } } }]);
    await repo.propose(request("inc-overlay-cpu", "Deployment", "prod", "web", body));
    const path = "kustomize/overlays/prod/web-resources.yaml";
    expect(show(remote, "aiops/inc-overlay-cpu", path)).toBe(
      fixture(path).replace("# prod peak + 30%\n", "# prod peak + 30%\n              cpu: 750m\n"),
    );
  });

  it("writes a strategic-merge patch and references it where the manifest is a base shared by namespaces", async () => {
    const { remote, repo } = repository();
    const outcome = await repo.propose(
      request("inc-staging", "Deployment", "staging", "web", { spec: { replicas: 2 } }),
    );
    const patchPath = "kustomize/overlays/staging/aiops-deployment-web.yaml";
    expect(outcome).toMatchObject({
      kind: "committed",
      files: [patchPath, "kustomize/overlays/staging/kustomization.yaml"],
    });
    const patch = show(remote, "aiops/inc-staging", patchPath);
    expect(patch).toContain(
      "kind: Deployment\nmetadata:\n  name: web\n  namespace: staging\nspec:\n  replicas: 2\n",
    );
    expect(show(remote, "aiops/inc-staging", "kustomize/overlays/staging/kustomization.yaml")).toBe(
      `${fixture("kustomize/overlays/staging/kustomization.yaml")}patches:\n  - path: aiops-deployment-web.yaml\n`,
    );
    expect(show(remote, "aiops/inc-staging", "kustomize/base/deployment.yaml")).toBe(
      fixture("kustomize/base/deployment.yaml"),
    );
  });

  it("falls back to a patch file in the namespace's kustomization when no manifest defines the target", async () => {
    const { remote, repo } = repository();
    await repo.propose(request("inc-ghost", "Deployment", "prod", "ghost", { spec: { replicas: 1 } }));
    const k = show(remote, "aiops/inc-ghost", "kustomize/overlays/prod/kustomization.yaml");
    expect(k).toBe(
      fixture("kustomize/overlays/prod/kustomization.yaml").replace(
        "  - path: web-resources.yaml\n",
        "  - path: web-resources.yaml\n  - path: aiops-deployment-ghost.yaml\n",
      ),
    );
  });

  it("reports no change, and pushes nothing, where nothing defines the target and no kustomization renders its namespace", async () => {
    const { remote, repo } = repository();
    const outcome = await repo.propose(
      request("inc-nowhere", "Deployment", "elsewhere", "x", { spec: { replicas: 1 } }),
    );
    expect(outcome.kind).toBe("no-change");
    expect(git(remote, "branch", "--list", "aiops/*").trim()).toBe("");
  });

  it("ignores manifests outside the configured folders", async () => {
    const { remote, repo } = repository(["apps"]);
    await repo.propose(request("inc-paths", "Deployment", "shop", "checkout", { spec: { replicas: 5 } }));
    expect(show(remote, "aiops/inc-paths", "docs/notes.yaml")).toBe(fixture("docs/notes.yaml"));
  });

  it("is idempotent: a redelivery, and a fresh workspace after a crash past the push, find the branch and make no second commit", async () => {
    const { remote, dir, repo } = repository();
    const req = request("inc-twice", "Deployment", "shop", "checkout", { spec: { replicas: 4 } });
    const first = await repo.propose(req);
    const second = await repo.propose(req);
    expect(second).toMatchObject({ kind: "committed", existing: true });
    if (first.kind !== "committed" || second.kind !== "committed") return;
    expect(second.commit).toBe(first.commit);
    expect(second.files).toEqual(["apps/shop.yaml"]);
    expect(second.diff).toContain("+  replicas: 4");
    const restarted = new GitRepository({
      remote,
      workdir: join(dir, "work-after-crash"),
      baseBranch: "main",
      paths: ["apps"],
      git: createGit(),
    });
    const third = await restarted.propose(req);
    expect(third).toMatchObject({ kind: "committed", commit: first.commit, existing: true });
    expect(git(remote, "rev-list", "--count", "main..aiops/inc-twice").trim()).toBe("1");
    expect(git(remote, "for-each-ref", "--format=%(refname)", "refs/heads/").trim().split("\n")).toEqual([
      "refs/heads/aiops/inc-twice",
      "refs/heads/main",
    ]);
  });

  it("proposes after a git killed mid-command left its lock files in the workspace", async () => {
    const { remote, dir, repo } = repository();
    await repo.propose(request("inc-before", "Deployment", "shop", "checkout", { spec: { replicas: 3 } }));
    // What git leaves when it is killed (the container OOM-killed, kill -9) holding its locks.
    const gitDir = join(dir, "work", ".git");
    writeFileSync(join(gitDir, "index.lock"), "");
    writeFileSync(join(gitDir, "refs", "remotes", "origin", "main.lock"), "");
    const outcome = await repo.propose(
      request("inc-after", "Deployment", "shop", "checkout", { spec: { replicas: 4 } }),
    );
    expect(outcome).toMatchObject({ kind: "committed", existing: false });
    expect(show(remote, "aiops/inc-after", "apps/shop.yaml")).toContain("replicas: 4");
  });

  it("refuses remotes and branches that git would read as options", () => {
    const { dir } = repository();
    for (const remote of ["--upload-pack=touch /tmp/pwned", "ext::sh -c touch% /tmp/pwned", "a\nb"]) {
      expect(
        () =>
          new GitRepository({
            remote,
            workdir: join(dir, "w"),
            baseBranch: "main",
            paths: ["."],
            git: createGit(),
          }),
      ).toThrow(/refusing git remote/);
    }
    expect(existsSync(join(dir, "w"))).toBe(false);
  });
});

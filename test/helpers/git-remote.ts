import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { KubeObject } from "../../src/context/context-source.js";
import { REPO } from "./system.js";

export const GITOPS_FIXTURE = join(REPO, "test/fixtures/gitops-repo");

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_AUTHOR_NAME: "seed",
      GIT_AUTHOR_EMAIL: "seed@example.com",
      GIT_COMMITTER_NAME: "seed",
      GIT_COMMITTER_EMAIL: "seed@example.com",
    },
  });
}

/** A bare repository holding the fixture manifests on `main`, in a fresh temp dir; returns its path and the dir. */
export function bareRemote(fixture = GITOPS_FIXTURE): { remote: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "aiops-gitops-"));
  const remote = join(dir, "remote.git");
  const seed = join(dir, "seed");
  git(dir, "init", "--quiet", "--bare", "-b", "main", remote);
  cpSync(fixture, seed, { recursive: true });
  git(seed, "init", "--quiet", "-b", "main");
  git(seed, "add", "-A");
  git(seed, "commit", "--quiet", "-m", "manifests");
  git(seed, "push", "--quiet", remote, "main");
  return { remote, dir };
}

/** A GitOps repository in `dir` holding the objects' Deployments as apps/<namespace>-<name>.yaml; returns `dir`. */
export function gitopsFixture(dir: string, objects: readonly KubeObject[]): string {
  mkdirSync(join(dir, "apps"), { recursive: true });
  for (const o of objects.filter((x) => x.kind === "Deployment")) {
    const { name, namespace, labels } = o.metadata as {
      name: string;
      namespace: string;
      labels?: Record<string, string>;
    };
    const manifest = {
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: { name, namespace, ...(labels ? { labels } : {}) },
      spec: (o as KubeObject & { spec: unknown }).spec,
    };
    writeFileSync(join(dir, "apps", `${namespace}-${name}.yaml`), stringify(manifest));
  }
  return dir;
}

/** The file at `ref` in the bare repository. */
export function show(remote: string, ref: string, path: string): string {
  return git(remote, "show", `${ref}:${path}`);
}

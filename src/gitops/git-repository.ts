/**
 * The proposal sink: a Git repository (a local path or a remote over HTTPS or SSH)
 * cloned into a workspace. One branch per incident, one commit on it holding exactly the
 * plan's field changes, pushed to the remote. Idempotent: when the incident's branch
 * exists on the remote already (a redelivery, or a crash after the push), it is read
 * back instead of being made again.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { RemediationPlan } from "../core/diagnosis.js";
import { InputError } from "../core/errors.js";
import { KeyedMutex } from "../agents/keyed-mutex.js";
import type { Git } from "./git.js";
import { locateTarget, type Location } from "./locate.js";
import { appendToTopLevelList, applyPatchToDocument, patchFileText } from "./manifest-edit.js";
import { checkRefName } from "./names.js";
import { insideRoot } from "./paths.js";

export interface GitRepositoryOptions {
  /** What `git clone` is given: a local path or an https:// or ssh:// (or scp-like) URL. */
  remote: string;
  /** The workspace clone; created when absent. */
  workdir: string;
  baseBranch: string;
  /** Folder globs, relative to the repository root, that hold manifests. */
  paths: readonly string[];
  git: Git;
}

export type CommitOutcome =
  | {
      kind: "committed";
      branch: string;
      commit: string;
      files: string[];
      diff: string;
      /** Where the change went and why there. */
      location: string;
      /** True when the branch was found on the remote (made by an earlier delivery). */
      existing: boolean;
    }
  | { kind: "no-change"; reason: string };

export interface ProposalRequest {
  branch: string;
  patch: NonNullable<RemediationPlan["patch"]>;
  message: string;
}

/** Remotes git may be given: a path, https, ssh (URL or scp-like), or file. Never an option or ext::. */
export function checkRemote(remote: string): string {
  const ok =
    !remote.startsWith("-") &&
    !/[\0\n\r]/.test(remote) &&
    !/^[a-z][a-z0-9+.-]*::/i.test(remote) &&
    (/^(https?|ssh|file):\/\//i.test(remote) || /^[\w.-]+@[\w.-]+:/.test(remote) || !remote.includes("://"));
  if (!ok) throw new InputError(`refusing git remote ${JSON.stringify(remote)}`, "gitops.repo");
  return remote;
}

export class GitRepository {
  private readonly lock = new KeyedMutex();

  constructor(private readonly options: GitRepositoryOptions) {
    checkRemote(options.remote);
    checkRefName(options.baseBranch);
  }

  get baseBranch(): string {
    return this.options.baseBranch;
  }

  /** Makes (or finds) the incident's branch with its commit; serialised per workspace. */
  async propose(request: ProposalRequest): Promise<CommitOutcome> {
    const branch = checkRefName(request.branch);
    return this.lock.run("workspace", async () => {
      await this.prepare();
      const existing = await this.remoteBranch(branch);
      if (existing) return this.describeExisting(branch, existing);
      return this.commit(branch, request);
    });
  }

  /** Deletes the incident's branch on the remote; true when it was there. Idempotent. */
  async deleteBranch(name: string): Promise<boolean> {
    const branch = checkRefName(name);
    return this.lock.run("workspace", async () => {
      // Only the remote is asked and pushed to: the base branch need not be fetched.
      await this.cloneIfAbsent();
      if (!(await this.remoteBranch(branch))) return false;
      try {
        await this.run(["push", "--quiet", "--", "origin", `:refs/heads/${branch}`]);
      } catch (error) {
        // Deleted by someone else meanwhile: the end is the same.
        if (await this.remoteBranch(branch)) throw error;
      }
      return true;
    });
  }

  /** The commit the remote branch points at, if it exists. */
  private async remoteBranch(branch: string): Promise<string | undefined> {
    const out = await this.run(["ls-remote", "--heads", "--", "origin", `refs/heads/${branch}`]);
    const sha = out.split("\t")[0]?.trim();
    return sha && /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
  }

  /** Clones the workspace when it is not there; true when it did (the base is then fresh). */
  private async cloneIfAbsent(): Promise<boolean> {
    const { workdir, remote, baseBranch } = this.options;
    if (existsSync(`${workdir}/.git`)) return false;
    mkdirSync(dirname(workdir), { recursive: true });
    await this.options.git.run(dirname(workdir), [
      "clone",
      "--quiet",
      "--no-tags",
      "--branch",
      baseBranch,
      "--",
      remote,
      workdir,
    ]);
    return true;
  }

  /** The workspace with the remote's base branch fetched. */
  private async prepare(): Promise<void> {
    if (await this.cloneIfAbsent()) return;
    this.removeStaleLocks();
    const { baseBranch } = this.options;
    await this.run([
      "fetch",
      "--quiet",
      "--prune",
      "--no-tags",
      "--",
      "origin",
      `+refs/heads/${baseBranch}:refs/remotes/origin/${baseBranch}`,
    ]);
  }

  /**
   * Deletes the lock files a git killed mid-command leaves in the workspace (the process
   * killed with -9, or a git child killed by a timeout): with `index.lock` there, every
   * later checkout fails, so every later proposal of this process would. Only called
   * under the workspace mutex, and the workspace is this process's own, so no git that
   * could still own a lock is running.
   */
  private removeStaleLocks(): void {
    const gitDir = join(this.options.workdir, ".git");
    for (const name of ["index.lock", "HEAD.lock", "packed-refs.lock", "shallow.lock", "config.lock"]) {
      rmSync(join(gitDir, name), { force: true });
    }
    const refs = join(gitDir, "refs");
    if (!existsSync(refs)) return;
    for (const entry of readdirSync(refs, { recursive: true, encoding: "utf8" })) {
      if (entry.endsWith(".lock")) rmSync(join(refs, entry), { force: true });
    }
  }

  private async describeExisting(branch: string, sha: string): Promise<CommitOutcome> {
    await this.run([
      "fetch",
      "--quiet",
      "--no-tags",
      "--",
      "origin",
      `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
    ]);
    const range = `refs/remotes/origin/${this.options.baseBranch}...${sha}`;
    const files = (await this.run(["diff", "--name-only", range, "--"])).split("\n").filter(Boolean);
    const diff = await this.run(["diff", range, "--"]);
    return {
      kind: "committed",
      branch,
      commit: sha,
      files,
      diff,
      location: files.join(", "),
      existing: true,
    };
  }

  private async commit(branch: string, request: ProposalRequest): Promise<CommitOutcome> {
    const root = this.options.workdir;
    await this.run([
      "checkout",
      "--quiet",
      "--force",
      "-B",
      branch,
      `refs/remotes/origin/${this.options.baseBranch}`,
      "--",
    ]);
    await this.run(["clean", "--quiet", "-fd"]);
    const { patch } = request;
    const location = locateTarget(root, this.options.paths, {
      kind: patch.kind,
      name: patch.name,
      ...(patch.namespace ? { namespace: patch.namespace } : {}),
    });
    const files = this.write(location, request);
    if (files.length === 0) {
      return {
        kind: "no-change",
        reason: location.kind === "none" ? location.reason : "the manifest already holds these values",
      };
    }
    await this.run(["add", "--", ...files]);
    if (await this.options.git.ok(root, ["diff", "--cached", "--quiet"])) {
      return { kind: "no-change", reason: "the manifest already holds these values" };
    }
    await this.options.git.run(root, ["commit", "--quiet", "--no-verify", "-F", "-"], request.message);
    const commit = (await this.run(["rev-parse", "--verify", "HEAD^{commit}"])).trim();
    const diff = await this.run(["diff", `${commit}~1`, commit, "--"]);
    try {
      await this.run(["push", "--quiet", "--", "origin", `refs/heads/${branch}:refs/heads/${branch}`]);
    } catch (error) {
      // Another replica pushed the branch first: its commit is the proposal.
      const theirs = await this.remoteBranch(branch);
      if (theirs) return this.describeExisting(branch, theirs);
      throw error;
    }
    return { kind: "committed", branch, commit, files, diff, location: describe(location), existing: false };
  }

  /** Writes the change; returns the files written (relative paths). */
  private write(location: Location, request: ProposalRequest): string[] {
    const root = this.options.workdir;
    const { patch } = request;
    if (location.kind === "none") return [];
    if (location.kind === "edit") {
      const path = insideRoot(root, location.file);
      const result = applyPatchToDocument(readFileSync(path, "utf8"), location.index, patch.body);
      if (!result.changed) return [];
      writeFileSync(path, result.text);
      return [location.file];
    }
    const patchPath = insideRoot(root, location.file);
    const kustomizationPath = insideRoot(root, location.kustomization);
    const header = `Strategic-merge patch written by aiops: ${location.reason}.`;
    writeFileSync(patchPath, patchFileText(patch, header));
    const fileName = location.file.slice(location.file.lastIndexOf("/") + 1);
    const text = readFileSync(kustomizationPath, "utf8");
    const usesLegacy = /^patchesStrategicMerge:/m.test(text);
    const edited = usesLegacy
      ? appendToTopLevelList(text, "patchesStrategicMerge", fileName)
      : appendToTopLevelList(text, "patches", { path: fileName });
    if (edited.changed) writeFileSync(kustomizationPath, edited.text);
    return [location.file, location.kustomization];
  }

  private run(args: readonly string[]): Promise<string> {
    return this.options.git.run(this.options.workdir, args);
  }
}

function describe(location: Location): string {
  switch (location.kind) {
    case "edit":
      return `${location.file} (${location.via === "overlay-patch" ? "the overlay's patch" : location.via === "base" ? "the base" : "the manifest"})`;
    case "patch-file":
      return `${location.file}, referenced from ${location.kustomization} (${location.reason})`;
    case "none":
      return location.reason;
  }
}

/**
 * Pull and merge requests through the forges' REST APIs, with token auth. One port,
 * three adapters (GitHub, GitLab, Gitea), each speaking its documented endpoints:
 *
 * - GitHub: GET /repos/{owner}/{repo}/pulls?head={owner}:{branch}&state=all,
 *   POST /repos/{owner}/{repo}/pulls (422 "A pull request already exists" when one is open),
 *   POST /repos/{owner}/{repo}/issues/{number}/labels, GET /repos/{owner}/{repo}/pulls/{number},
 *   PATCH /repos/{owner}/{repo}/pulls/{number} with state=closed;
 * - GitLab: GET /api/v4/projects/:id/merge_requests?source_branch=, POST
 *   /api/v4/projects/:id/merge_requests (labels as a comma-separated string; 409 when an open
 *   one exists), GET /api/v4/projects/:id/merge_requests/:iid, PUT
 *   /api/v4/projects/:id/merge_requests/:iid with state_event=close;
 * - Gitea: GET /api/v1/repos/{owner}/{repo}/pulls?state=all, POST /api/v1/repos/{owner}/{repo}/pulls
 *   (409 when one exists), labels by id through /labels and /issues/{index}/labels,
 *   GET and PATCH (state=closed) /api/v1/repos/{owner}/{repo}/pulls/{index}.
 */
import { BackendError, ConfigError } from "../core/errors.js";
import { isRetryableStatus } from "../core/http-status.js";
import { isRecord } from "../core/json.js";

export interface PullRequest {
  number: number;
  url: string;
  state: "open" | "merged" | "closed";
}

export interface PullRequestDraft {
  branch: string;
  base: string;
  title: string;
  body: string;
  labels: readonly string[];
}

/** A forge's pull requests. */
export interface Forge {
  readonly kind: "github" | "gitlab" | "gitea";
  /** The pull request from `branch`, in any state, if one exists. */
  find(branch: string): Promise<PullRequest | undefined>;
  /** Opens a pull request with its labels; when one exists already for the branch, returns that one. */
  open(draft: PullRequestDraft): Promise<PullRequest>;
  /** The current state of a pull request (to learn that it was merged). */
  get(number: number): Promise<PullRequest>;
  /** Closes a pull request; one closed or merged already is returned as it is. */
  close(number: number): Promise<PullRequest>;
}

export interface ForgeOptions {
  kind: "github" | "gitlab" | "gitea";
  /** API base: https://api.github.com, https://gitlab.example.com, https://gitea.example.com. */
  url: string;
  /** owner/repo (GitHub, Gitea) or the project's full path (GitLab). */
  repo: string;
  token: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

interface Answer {
  status: number;
  body: unknown;
}

function client(options: ForgeOptions, headers: Record<string, string>) {
  const f = options.fetch ?? fetch;
  const base = options.url.replace(/\/+$/, "");
  return async (method: string, path: string, body?: unknown): Promise<Answer> => {
    let response: Response;
    try {
      response = await f(`${base}${path}`, {
        method,
        headers: {
          accept: "application/json",
          ...headers,
          ...(body ? { "content-type": "application/json" } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      throw new BackendError(`${options.kind} ${method} ${path}: ${(error as Error).message}`, options.kind);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // kept as text
    }
    return { status: response.status, body: parsed };
  };
}

function fail(kind: string, what: string, answer: Answer): never {
  const message = isRecord(answer.body) && typeof answer.body.message === "string" ? answer.body.message : "";
  const retryable = isRetryableStatus(answer.status);
  throw new BackendError(`${kind} ${what}: ${answer.status} ${message}`.trim(), kind, retryable);
}

function repoParts(repo: string): { owner: string; name: string } {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repo);
  if (!m) throw new ConfigError(`gitops.forge.repo must be owner/name, not ${JSON.stringify(repo)}`);
  return { owner: m[1] as string, name: m[2] as string };
}

/** The JSON array of a 200 answer, its objects only. */
function listOf(answer: Answer, kind: string, what: string): Record<string, unknown>[] {
  if (answer.status !== 200 || !Array.isArray(answer.body)) fail(kind, what, answer);
  return (answer.body as unknown[]).filter(isRecord);
}

/** The JSON object of an answer with the expected status. */
function objectOf(answer: Answer, kind: string, what: string, status = 200): Record<string, unknown> {
  if (answer.status !== status || !isRecord(answer.body)) fail(kind, what, answer);
  return answer.body as Record<string, unknown>;
}

/**
 * The pull request a close answered with; when the forge refused (merged, or closed
 * already), the pull request as it is, provided it is not open.
 */
async function closedOr(
  answer: Answer,
  kind: string,
  toPr: (b: Record<string, unknown>) => PullRequest,
  get: () => Promise<PullRequest>,
): Promise<PullRequest> {
  if (answer.status === 200 && isRecord(answer.body)) return toPr(answer.body);
  if (answer.status < 500 && answer.status !== 429) {
    const now = await get().catch(() => undefined);
    if (now && now.state !== "open") return now;
  }
  fail(kind, "close", answer);
}

const enc = encodeURIComponent;

function github(options: ForgeOptions): Forge {
  const { owner, name } = repoParts(options.repo);
  const call = client(options, {
    authorization: `Bearer ${options.token}`,
    accept: "application/vnd.github+json",
    "x-github-api-version": "2022-11-28",
  });
  const repo = `/repos/${enc(owner)}/${enc(name)}`;
  const toPr = (b: Record<string, unknown>): PullRequest => ({
    number: Number(b.number),
    url: String(b.html_url),
    state: b.merged_at ? "merged" : b.state === "open" ? "open" : "closed",
  });
  async function find(branch: string): Promise<PullRequest | undefined> {
    const answer = await call("GET", `${repo}/pulls?head=${enc(`${owner}:${branch}`)}&state=all&per_page=10`);
    const first = listOf(answer, "github", "list pulls")[0];
    return first ? toPr(first) : undefined;
  }
  return {
    kind: "github",
    find,
    async open(draft) {
      const answer = await call("POST", `${repo}/pulls`, {
        title: draft.title,
        head: draft.branch,
        base: draft.base,
        body: draft.body,
      });
      let pr: PullRequest | undefined;
      if (answer.status === 201 && isRecord(answer.body)) pr = toPr(answer.body);
      else if (answer.status === 422) pr = await find(draft.branch);
      if (!pr) fail("github", "create pull request", answer);
      if (draft.labels.length > 0) {
        const labelled = await call("POST", `${repo}/issues/${pr.number}/labels`, { labels: draft.labels });
        if (labelled.status !== 200) fail("github", "add labels", labelled);
      }
      return pr;
    },
    async get(number) {
      const answer = await call("GET", `${repo}/pulls/${number}`);
      return toPr(objectOf(answer, "github", "get pull"));
    },
    async close(number) {
      const answer = await call("PATCH", `${repo}/pulls/${number}`, { state: "closed" });
      return closedOr(answer, "github", toPr, () => this.get(number));
    },
  };
}

function gitlab(options: ForgeOptions): Forge {
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/.test(options.repo))
    throw new ConfigError(
      `gitops.forge.repo must be the project's path (group/project), not ${JSON.stringify(options.repo)}`,
    );
  const call = client(options, { "private-token": options.token });
  const project = `/api/v4/projects/${enc(options.repo)}`;
  const toPr = (b: Record<string, unknown>): PullRequest => ({
    number: Number(b.iid),
    url: String(b.web_url),
    state: b.state === "merged" ? "merged" : b.state === "opened" ? "open" : "closed",
  });
  async function find(branch: string): Promise<PullRequest | undefined> {
    const answer = await call("GET", `${project}/merge_requests?source_branch=${enc(branch)}&state=all`);
    const first = listOf(answer, "gitlab", "list merge requests")[0];
    return first ? toPr(first) : undefined;
  }
  return {
    kind: "gitlab",
    find,
    async open(draft) {
      const answer = await call("POST", `${project}/merge_requests`, {
        source_branch: draft.branch,
        target_branch: draft.base,
        title: draft.title,
        description: draft.body,
        labels: draft.labels.join(","),
        remove_source_branch: true,
      });
      if (answer.status === 201 && isRecord(answer.body)) return toPr(answer.body);
      if (answer.status === 409) {
        const existing = await find(draft.branch);
        if (existing) return existing;
      }
      fail("gitlab", "create merge request", answer);
    },
    async get(number) {
      const answer = await call("GET", `${project}/merge_requests/${number}`);
      return toPr(objectOf(answer, "gitlab", "get merge request"));
    },
    async close(number) {
      const answer = await call("PUT", `${project}/merge_requests/${number}`, { state_event: "close" });
      return closedOr(answer, "gitlab", toPr, () => this.get(number));
    },
  };
}

function gitea(options: ForgeOptions): Forge {
  const { owner, name } = repoParts(options.repo);
  const call = client(options, { authorization: `token ${options.token}` });
  const repo = `/api/v1/repos/${enc(owner)}/${enc(name)}`;
  const toPr = (b: Record<string, unknown>): PullRequest => ({
    number: Number(b.number),
    url: String(b.html_url),
    state: b.merged ? "merged" : b.state === "open" ? "open" : "closed",
  });
  async function find(branch: string): Promise<PullRequest | undefined> {
    for (let page = 1; page <= 10; page++) {
      const answer = await call("GET", `${repo}/pulls?state=all&page=${page}&limit=50`);
      const items = listOf(answer, "gitea", "list pulls");
      const hit = items.find((p) => isRecord(p.head) && p.head.ref === branch);
      if (hit) return toPr(hit);
      if (items.length < 50) return undefined;
    }
    return undefined;
  }
  /** Label ids by name, creating the missing labels. */
  async function labelIds(names: readonly string[]): Promise<number[]> {
    // Every page: a label past the first one is not missing (creating it again would fail).
    const known = new Map<string, number>();
    for (let page = 1; page <= 20; page++) {
      const answer = await call("GET", `${repo}/labels?page=${page}&limit=50`);
      const items = listOf(answer, "gitea", "list labels");
      for (const l of items) known.set(String(l.name), Number(l.id));
      if (items.length < 50) break;
    }
    const ids: number[] = [];
    for (const label of names) {
      let id = known.get(label);
      if (id === undefined) {
        const created = await call("POST", `${repo}/labels`, { name: label, color: "#e4e669" });
        id = Number(objectOf(created, "gitea", "create label", 201).id);
      }
      ids.push(id);
    }
    return ids;
  }
  return {
    kind: "gitea",
    find,
    async open(draft) {
      const labels = draft.labels.length > 0 ? await labelIds(draft.labels) : [];
      const answer = await call("POST", `${repo}/pulls`, {
        head: draft.branch,
        base: draft.base,
        title: draft.title,
        body: draft.body,
        labels,
      });
      if (answer.status === 201 && isRecord(answer.body)) return toPr(answer.body);
      if (answer.status === 409 || answer.status === 422) {
        const existing = await find(draft.branch);
        if (existing) return existing;
      }
      fail("gitea", "create pull request", answer);
    },
    async get(number) {
      const answer = await call("GET", `${repo}/pulls/${number}`);
      return toPr(objectOf(answer, "gitea", "get pull"));
    },
    async close(number) {
      const answer = await call("PATCH", `${repo}/pulls/${number}`, { state: "closed" });
      return closedOr(answer, "gitea", toPr, () => this.get(number));
    },
  };
}

const FORGES = { github, gitlab, gitea } as const;

export function createForge(options: ForgeOptions): Forge {
  return FORGES[options.kind](options);
}

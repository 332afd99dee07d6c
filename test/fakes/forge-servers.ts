/**
 * Fakes of the GitHub, GitLab and Gitea REST APIs, for the endpoints the forge adapters
 * use, with their documented request and response bodies and errors: GitHub's 422
 * "Validation Failed" / "A pull request already exists for owner:branch.", GitLab's 409
 * "Another open merge request already exists for this source branch", Gitea's 409, and
 * 401 for a wrong token. Closing: GitHub's PATCH pulls/{n} state=closed (422 on a merged
 * one), GitLab's PUT merge_requests/:iid state_event=close (a merged one stays merged),
 * Gitea's PATCH pulls/{n} state=closed (412 on a merged one); closing a closed one
 * answers 200. Pull requests live in memory; `merge(n)` merges one.
 */
import { startJsonServer, type FakeEmbeddingServer, type RecordedRequest, type Reply } from "./fake-http.js";

export interface FakePull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  labels: string[];
  state: "open" | "closed" | "merged";
}

export interface FakeForge {
  readonly url: string;
  readonly kind: "github" | "gitlab" | "gitea";
  readonly repo: string;
  readonly token: string;
  readonly pulls: FakePull[];
  readonly requests: RecordedRequest[];
  merge(number: number): void;
  failNext(status: number, message?: string, times?: number): void;
  /**
   * An outage: every request answers `status` (a 502 from the proxy in front, say) until
   * `setOutage(undefined)` ends it.
   */
  setOutage(status: number | undefined, message?: string): void;
  close(): Promise<void>;
}

const TOKEN = "forge-token-0123456789";

function authorised(kind: FakeForge["kind"], req: RecordedRequest): boolean {
  const h = req.headers;
  if (kind === "github") return h.authorization === `Bearer ${TOKEN}`;
  if (kind === "gitlab") return h["private-token"] === TOKEN;
  return h.authorization === `token ${TOKEN}`;
}

export async function startFakeForge(
  kind: FakeForge["kind"],
  options: { labels?: string[] } = {},
): Promise<FakeForge> {
  const pulls: FakePull[] = [];
  const labels: { id: number; name: string }[] = (options.labels ?? ["bug"]).map((name, i) => ({
    id: i + 1,
    name,
  }));
  const owner = "acme";
  const repo = kind === "gitlab" ? "platform/gitops" : "acme/gitops";
  let base = "";
  const html = (p: FakePull) =>
    kind === "gitlab" ? `${base}/${repo}/-/merge_requests/${p.number}` : `${base}/${repo}/pull/${p.number}`;

  const githubPull = (p: FakePull) => ({
    number: p.number,
    html_url: html(p),
    state: p.state === "open" ? "open" : "closed",
    merged_at: p.state === "merged" ? "2026-01-01T00:00:00Z" : null,
    title: p.title,
    body: p.body,
    head: { ref: p.head, label: `${owner}:${p.head}` },
    base: { ref: p.base },
    labels: p.labels.map((name) => ({ name })),
  });
  const gitlabMr = (p: FakePull) => ({
    iid: p.number,
    web_url: html(p),
    state: p.state === "open" ? "opened" : p.state,
    title: p.title,
    description: p.body,
    source_branch: p.head,
    target_branch: p.base,
    labels: p.labels,
  });
  const giteaPull = (p: FakePull) => ({
    number: p.number,
    html_url: html(p),
    state: p.state === "open" ? "open" : "closed",
    merged: p.state === "merged",
    title: p.title,
    body: p.body,
    head: { ref: p.head },
    base: { ref: p.base },
    labels: p.labels.map((name) => ({ id: labels.find((l) => l.name === name)?.id, name })),
  });
  const create = (head: string, baseRef: string, title: string, body: string, names: string[]): FakePull => {
    const p: FakePull = {
      number: pulls.length + 1,
      head,
      base: baseRef,
      title,
      body,
      labels: names,
      state: "open",
    };
    pulls.push(p);
    return p;
  };
  const openFor = (head: string) => pulls.find((p) => p.head === head && p.state === "open");
  /** Applies a close to a pull request that is not merged; returns whether it could. */
  const closePull = (p: FakePull): boolean => {
    if (p.state === "merged") return false;
    p.state = "closed";
    return true;
  };
  const str = (v: unknown) => (typeof v === "string" ? v : "");

  function github(req: RecordedRequest): Reply {
    const prefix = `/repos/${repo}`;
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (req.method === "GET" && req.path === `${prefix}/pulls`) {
      const head = req.query.get("head");
      const state = req.query.get("state") ?? "open";
      const list = pulls.filter(
        (p) =>
          (!head || `${owner}:${p.head}` === head) &&
          (state === "all" || (state === "open") === (p.state === "open")),
      );
      return { status: 200, body: list.map(githubPull) };
    }
    if (req.method === "POST" && req.path === `${prefix}/pulls`) {
      if (!b.head || !b.base)
        return {
          status: 422,
          body: {
            message: "Validation Failed",
            errors: [{ resource: "PullRequest", code: "missing_field" }],
          },
        };
      if (openFor(str(b.head)))
        return {
          status: 422,
          body: {
            message: "Validation Failed",
            errors: [
              {
                resource: "PullRequest",
                code: "custom",
                message: `A pull request already exists for ${owner}:${str(b.head)}.`,
              },
            ],
            documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
          },
        };
      return {
        status: 201,
        body: githubPull(create(str(b.head), str(b.base), str(b.title), str(b.body), [])),
      };
    }
    let m = new RegExp(`^${prefix}/issues/(\\d+)/labels$`).exec(req.path);
    if (req.method === "POST" && m) {
      const p = pulls.find((x) => x.number === Number(m?.[1]));
      if (!p) return { status: 404, body: { message: "Not Found" } };
      for (const l of (b.labels as string[]) ?? []) if (!p.labels.includes(l)) p.labels.push(l);
      return { status: 200, body: p.labels.map((name) => ({ name })) };
    }
    m = new RegExp(`^${prefix}/pulls/(\\d+)$`).exec(req.path);
    const p = m ? pulls.find((x) => x.number === Number(m?.[1])) : undefined;
    if (req.method === "GET" && p) return { status: 200, body: githubPull(p) };
    if (req.method === "PATCH" && p && b.state === "closed") {
      if (!closePull(p))
        return {
          status: 422,
          body: {
            message: "Validation Failed",
            errors: [{ resource: "PullRequest", code: "custom", field: "state", message: "merged" }],
          },
        };
      return { status: 200, body: githubPull(p) };
    }
    return { status: 404, body: { message: "Not Found" } };
  }

  function gitlab(req: RecordedRequest): Reply {
    const prefix = `/api/v4/projects/${encodeURIComponent(repo)}`;
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (req.method === "GET" && req.path === `${prefix}/merge_requests`) {
      const source = req.query.get("source_branch");
      const state = req.query.get("state") ?? "all";
      const list = pulls.filter(
        (p) => (!source || p.head === source) && (state === "all" || gitlabMr(p).state === state),
      );
      return { status: 200, body: list.map(gitlabMr) };
    }
    if (req.method === "POST" && req.path === `${prefix}/merge_requests`) {
      const head = str(b.source_branch);
      const existing = openFor(head);
      if (existing)
        return {
          status: 409,
          body: {
            message: [
              `Another open merge request already exists for this source branch: !${existing.number}`,
            ],
          },
        };
      const names = str(b.labels).split(",").filter(Boolean);
      return {
        status: 201,
        body: gitlabMr(create(head, str(b.target_branch), str(b.title), str(b.description), names)),
      };
    }
    const m = new RegExp(`^${prefix.replace(/[%]/g, "%")}/merge_requests/(\\d+)$`).exec(req.path);
    const p = m ? pulls.find((x) => x.number === Number(m[1])) : undefined;
    if (req.method === "GET" && p) return { status: 200, body: gitlabMr(p) };
    if (req.method === "PUT" && p && b.state_event === "close") {
      closePull(p);
      return { status: 200, body: gitlabMr(p) };
    }
    return { status: 404, body: { message: "404 Not found" } };
  }

  function gitea(req: RecordedRequest): Reply {
    const prefix = `/api/v1/repos/${repo}`;
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (req.method === "GET" && req.path === `${prefix}/pulls`) {
      const state = req.query.get("state") ?? "open";
      const limit = Number(req.query.get("limit") ?? 30);
      const page = Number(req.query.get("page") ?? 1);
      const list = pulls.filter((p) => state === "all" || (state === "open") === (p.state === "open"));
      return { status: 200, body: list.slice((page - 1) * limit, page * limit).map(giteaPull) };
    }
    if (req.method === "GET" && req.path === `${prefix}/labels`) {
      // Paged as Gitea pages (page from 1, limit 50 at most).
      const limit = Math.min(50, Number(req.query.get("limit") ?? 50));
      const page = Number(req.query.get("page") ?? 1);
      return { status: 200, body: labels.slice((page - 1) * limit, page * limit) };
    }
    if (req.method === "POST" && req.path === `${prefix}/labels`) {
      if (labels.some((l) => l.name === str(b.name)))
        return { status: 409, body: { message: "label already exists" } };
      const label = { id: labels.length + 1, name: str(b.name) };
      labels.push(label);
      return { status: 201, body: { ...label, color: str(b.color) } };
    }
    if (req.method === "POST" && req.path === `${prefix}/pulls`) {
      const head = str(b.head);
      if (openFor(head))
        return {
          status: 409,
          body: {
            message: `pull request already exists for these targets [id: 1, issue_id: 1, head_repo_id: 1, base_repo_id: 1, head_branch: ${head}, base_branch: ${str(b.base)}]`,
            url: "",
          },
        };
      const ids = Array.isArray(b.labels) ? (b.labels as number[]) : [];
      const names = ids
        .map((id) => labels.find((l) => l.id === id)?.name)
        .filter((n): n is string => n !== undefined);
      return { status: 201, body: giteaPull(create(head, str(b.base), str(b.title), str(b.body), names)) };
    }
    const m = new RegExp(`^${prefix}/pulls/(\\d+)$`).exec(req.path);
    const p = m ? pulls.find((x) => x.number === Number(m[1])) : undefined;
    if (req.method === "GET" && p) return { status: 200, body: giteaPull(p) };
    if (req.method === "PATCH" && p && b.state === "closed") {
      if (!closePull(p))
        return {
          status: 412,
          body: { message: "cannot change state of this pull request, it was already merged", url: "" },
        };
      return { status: 200, body: giteaPull(p) };
    }
    return { status: 404, body: { message: "The target couldn't be found." } };
  }

  const handlers = { github, gitlab, gitea };
  let outage: { status: number; message: string } | undefined;
  const server: FakeEmbeddingServer = await startJsonServer(
    (req) =>
      outage
        ? { status: outage.status, body: { message: outage.message } }
        : authorised(kind, req)
          ? handlers[kind](req)
          : { status: 401, body: { message: "Bad credentials" } },
    (status, message) => ({ message, status }),
  );
  base = server.url;
  return {
    url: server.url,
    kind,
    repo,
    token: TOKEN,
    pulls,
    requests: server.requests,
    merge(number) {
      const p = pulls.find((x) => x.number === number);
      if (p) p.state = "merged";
    },
    failNext: (status, message, times) => server.failNext(status, message, times),
    setOutage(status, message = "Bad Gateway") {
      outage = status === undefined ? undefined : { status, message };
    },
    close: () => server.close(),
  };
}

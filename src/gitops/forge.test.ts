import { afterEach, describe, expect, it } from "vitest";
import { startFakeForge, type FakeForge } from "../../test/fakes/forge-servers.js";
import { BackendError } from "../core/errors.js";
import { createForge } from "./forge.js";

const draft = {
  branch: "aiops/inc-1",
  base: "main",
  title: "aiops: increase_memory_limit on Deployment shop/cart",
  body: "## Diagnosis\n\n**oom_killed**\n\n```diff\n-memory: 256Mi\n+memory: 384Mi\n```",
  labels: ["aiops", "remediation"],
};

describe.each(["github", "gitlab", "gitea"] as const)("the %s forge", (kind) => {
  let fake: FakeForge;
  afterEach(async () => fake.close());

  async function forge(token?: string) {
    fake = await startFakeForge(kind);
    return createForge({ kind, url: fake.url, repo: fake.repo, token: token ?? fake.token });
  }

  it("opens one pull request with labels and the body, and finds it again by branch", async () => {
    const f = await forge();
    expect(await f.find(draft.branch)).toBeUndefined();
    const pr = await f.open(draft);
    expect(pr).toMatchObject({ number: 1, state: "open" });
    expect(pr.url).toContain(fake.url);
    expect(await f.find(draft.branch)).toEqual(pr);
    // Opening again (a redelivery that missed the lookup) answers the existing one.
    expect(await f.open(draft)).toEqual(pr);
    expect(fake.pulls).toHaveLength(1);
    expect(fake.pulls[0]).toMatchObject({
      head: "aiops/inc-1",
      base: "main",
      title: draft.title,
      body: draft.body,
    });
    expect(fake.pulls[0]?.labels).toEqual(expect.arrayContaining(["aiops", "remediation"]));
  });

  it("sees a merge", async () => {
    const f = await forge();
    const pr = await f.open(draft);
    fake.merge(pr.number);
    expect((await f.get(pr.number)).state).toBe("merged");
  });

  it("closes a pull request, again without harm, and leaves a merged one merged", async () => {
    const f = await forge();
    const pr = await f.open(draft);
    expect(await f.close(pr.number)).toMatchObject({ number: pr.number, state: "closed" });
    expect(await f.close(pr.number)).toMatchObject({ number: pr.number, state: "closed" });
    expect(fake.pulls[0]?.state).toBe("closed");
    const other = await f.open({ ...draft, branch: "aiops/inc-2" });
    fake.merge(other.number);
    expect((await f.close(other.number)).state).toBe("merged");
    expect(fake.pulls[1]?.state).toBe("merged");
  });

  it("fails with a non-retryable BackendError on bad credentials", async () => {
    const f = await forge("wrong-token");
    const error = await f.open(draft).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).retryable).toBe(false);
    expect(fake.pulls).toHaveLength(0);
  });
});

describe("GitHub specifics", () => {
  it("treats 422 'A pull request already exists' as the existing pull request", async () => {
    const fake = await startFakeForge("github");
    try {
      const f = createForge({ kind: "github", url: fake.url, repo: fake.repo, token: fake.token });
      await f.open(draft);
      const again = await f.open(draft);
      const creates = fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/pulls"));
      expect(creates).toHaveLength(2);
      expect(again.number).toBe(1);
      expect(fake.pulls).toHaveLength(1);
      const lookups = fake.requests.filter((r) => r.method === "GET" && r.path.endsWith("/pulls"));
      expect(lookups.at(-1)?.query.get("head")).toBe("acme:aiops/inc-1");
      expect(fake.requests[0]?.headers["x-github-api-version"]).toBe("2022-11-28");
    } finally {
      await fake.close();
    }
  });
});

describe("the gitea forge's labels", () => {
  it("finds an existing label past the first page instead of creating it again", async () => {
    const many = Array.from({ length: 60 }, (_, i) => `label-${i}`);
    const fake = await startFakeForge("gitea", { labels: [...many, "aiops", "remediation"] });
    try {
      const f = createForge({ kind: "gitea", url: fake.url, repo: fake.repo, token: fake.token });
      const pr = await f.open(draft);
      expect(pr.state).toBe("open");
      expect(fake.pulls[0]?.labels).toEqual(expect.arrayContaining(["aiops", "remediation"]));
    } finally {
      await fake.close();
    }
  });
});

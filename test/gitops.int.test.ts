import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KubeApplier } from "../src/apply/kube-applier.js";
import type { KubeObject } from "../src/context/context-source.js";
import { loadKubeConfig } from "../src/context/kubernetes/kube-api.js";
import type { System } from "../src/main.js";
import { startFakeForge, type FakeForge } from "./fakes/forge-servers.js";
import { startFakeKubeApiServer } from "./fakes/kube-api-server.js";
import { bareRemote, git, GITOPS_FIXTURE } from "./helpers/git-remote.js";
import {
  DEMO_SNAPSHOT,
  REPO,
  postWebhook,
  readJson,
  startSystem,
  tempDir,
  waitForIncident,
} from "./helpers/system.js";

const FIRING = readJson(join(REPO, "examples/webhooks/crashloop-firing.json"));
const TOKEN = "a-long-enough-token";

describe("GitOps through the whole pipeline", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()?.();
  });

  async function start(forge: FakeForge, remote: string, auth = false): Promise<System> {
    const kube = await startFakeKubeApiServer({
      objects: (JSON.parse(readFileSync(DEMO_SNAPSHOT, "utf8")) as { cluster: { items: KubeObject[] } })
        .cluster.items,
    });
    closers.push(() => kube.close());
    const system = await startSystem(
      {
        ...(auth ? { auth: { bearerToken: TOKEN } } : {}),
        server: { publicUrl: "https://aiops.example.com" },
        gitops: {
          repo: remote,
          workdir: join(tempDir(), "gitops"),
          paths: ["apps"],
          forge: { kind: "github", url: forge.url, repo: forge.repo, token: forge.token },
        },
        apply: { mode: "dry-run" },
      },
      { applier: new KubeApplier(loadKubeConfig({ kubeconfigPath: kube.kubeconfigPath })) },
    );
    closers.push(() => system.close());
    return system;
  }

  it("turns a webhook into a commit on the remote, a pull request in the forge and a recorded dry-run; once", async () => {
    const { remote } = bareRemote();
    const forge = await startFakeForge("github");
    closers.push(() => forge.close());
    const system = await start(forge, remote);
    expect((await postWebhook(system, FIRING)).statusCode).toBe(202);
    const incident = await waitForIncident(system, (i) => i.proposal?.dryRun !== undefined);
    expect(incident.plan?.action).toBe("increase_memory_limit");
    const memory = String(incident.plan?.params.memory);
    const branch = `aiops/${incident.id}`;
    expect(incident.proposal).toMatchObject({
      branch,
      files: ["apps/demo.yaml"],
      pullRequest: { number: 1 },
    });
    expect(incident.proposal?.dryRun?.ok).toBe(true);
    expect(git(remote, "show", `${branch}:apps/demo.yaml`)).toBe(
      readFileSync(join(GITOPS_FIXTURE, "apps/demo.yaml"), "utf8").replace(
        "memory: 256Mi # sized for launch",
        `memory: ${memory} # sized for launch`,
      ),
    );
    expect(forge.pulls).toHaveLength(1);
    expect(forge.pulls[0]?.body).toContain(incident.diagnosis?.summary ?? "(none)");
    expect(forge.pulls[0]?.body).toContain(`https://aiops.example.com/#/incidents/${incident.id}`);

    // A repeat notification joins the incident: no second branch, commit or pull request.
    expect((await postWebhook(system, FIRING)).statusCode).toBe(202);
    await waitForIncident(system, (i) => i.id === incident.id && i.notifications === 2);
    expect(git(remote, "rev-list", "--count", `main..${branch}`).trim()).toBe("1");
    expect(
      git(remote, "for-each-ref", "--format=%(refname)", "refs/heads/aiops/").trim().split("\n"),
    ).toHaveLength(1);
    expect(forge.pulls).toHaveLength(1);
  });

  it("serves approve and reject behind auth: 401, 404, 200, then 409", async () => {
    const { remote } = bareRemote();
    const forge = await startFakeForge("github");
    closers.push(() => forge.close());
    const system = await start(forge, remote, true);
    const auth = { authorization: `Bearer ${TOKEN}` };
    await postWebhook(system, FIRING, auth);
    const incident = await waitForIncident(system, (i) => i.proposal?.pullRequest !== undefined);
    const post = (path: string, headers: Record<string, string> = auth, payload: unknown = {}) =>
      system.app.inject({
        method: "POST",
        url: path,
        headers: { "content-type": "application/json", ...headers },
        payload: JSON.stringify(payload),
      });
    expect((await post(`/api/incidents/${incident.id}/approve`, {})).statusCode).toBe(401);
    expect((await post("/api/incidents/inc-nope/approve")).statusCode).toBe(404);
    expect(
      (await post(`/api/incidents/${incident.id}/approve`, auth, { by: "alice", extra: 1 })).statusCode,
    ).toBe(400);
    const approved = await post(`/api/incidents/${incident.id}/approve`, auth, { by: "alice" });
    expect(approved.statusCode).toBe(200);
    expect(approved.json().proposal).toMatchObject({
      decision: { verdict: "approved", by: "alice" },
      pullRequest: { number: 1 },
    });
    const again = await post(`/api/incidents/${incident.id}/reject`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toBe("conflict");
    expect(forge.pulls).toHaveLength(1);
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import {
  startFakeKubeApiServer,
  type FakeKubeApiServer,
  type PolicyRule,
} from "../../test/fakes/kube-api-server.js";
import { REPO, tempDir } from "../../test/helpers/system.js";
import { runDoctor } from "./doctor.js";
import { kubernetesCheck } from "./kubernetes-check.js";

/** The rules of the ClusterRole that deploy/ ships (the file also holds its binding). */
const SHIPPED_RULES = parseAllDocuments(
  readFileSync(join(REPO, "deploy/rbac/clusterrole-context.yaml"), "utf8"),
)
  .map((d) => d.toJS() as { kind?: string; rules?: PolicyRule[] })
  .find((d) => d.kind === "ClusterRole")?.rules as PolicyRule[];

describe("aiops doctor's Kubernetes check", () => {
  const servers: FakeKubeApiServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  async function start(rules?: PolicyRule[]) {
    const server = await startFakeKubeApiServer({ objects: [], ...(rules ? { rules } : {}) });
    servers.push(server);
    return server;
  }

  it("passes with the shipped ClusterRole", async () => {
    const server = await start(SHIPPED_RULES);
    const { results } = await runDoctor([kubernetesCheck({ kubeconfigPath: server.kubeconfigPath })]);
    expect(results[0]).toMatchObject({ ok: true, target: server.url });
  });

  it("names the reads the credentials may not do, and the RBAC fix", async () => {
    const server = await start(SHIPPED_RULES.filter((r) => !(r.resources ?? []).includes("events")));
    const { results } = await runDoctor([kubernetesCheck({ kubeconfigPath: server.kubeconfigPath })]);
    expect(results[0]).toMatchObject({ ok: false, detail: "may not list events" });
    expect(results[0]?.fix).toContain("deploy/rbac/clusterrole-context.yaml");
  });

  it("says when there is no usable configuration or no server", async () => {
    const missing = await runDoctor([kubernetesCheck({ kubeconfigPath: join(tempDir(), "none.yaml") })]);
    expect(missing.results[0]).toMatchObject({ ok: false });
    expect(missing.results[0]?.fix).toMatch(/KUBECONFIG/);
    const server = await start();
    const path = server.kubeconfigPath;
    await server.close();
    servers.splice(0);
    const gone = await runDoctor([kubernetesCheck({ kubeconfigPath: path })]);
    expect(gone.results[0]).toMatchObject({ ok: false });
    expect(gone.results[0]?.fix).toMatch(/reachable/);
  });
});

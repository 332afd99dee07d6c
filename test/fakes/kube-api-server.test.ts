import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NS, clusterLogs, clusterObjects } from "../fixtures/kube-cluster.js";
import { parseLabelSelector, startFakeKubeApiServer, type FakeKubeApiServer } from "./kube-api-server.js";

/** The fake answers as the Kubernetes API server does: paths, selectors, List and Status bodies. */

let server: FakeKubeApiServer;
beforeAll(async () => {
  server = await startFakeKubeApiServer({
    objects: clusterObjects,
    logs: clusterLogs,
    rules: [{ apiGroups: [""], resources: ["pods", "pods/log", "events"], verbs: ["get", "list"] }],
  });
});
afterAll(() => server.close());

interface Body {
  kind?: string;
  message?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: { kind?: string; metadata: { name: string } }[];
}

async function request(path: string) {
  return fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${server.token}` } });
}

async function get(path: string): Promise<{ status: number; body: Body }> {
  const res = await request(path);
  return { status: res.status, body: (await res.json()) as Body };
}

async function getText(path: string): Promise<{ status: number; text: string }> {
  const res = await request(path);
  return { status: res.status, text: await res.text() };
}

function names(body: Body): string[] {
  return body.items.map((i) => i.metadata.name);
}

describe("the fake Kubernetes API server", () => {
  it("lists with kind, apiVersion and resourceVersion, items in key order without kind", async () => {
    const { status, body } = await get(`/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dcart`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      kind: "PodList",
      apiVersion: "v1",
      metadata: { resourceVersion: expect.any(String) },
    });
    expect(names(body)).toEqual(["cart-7c9f6d8b5-k2x4p", "cart-7c9f6d8b5-w9z8q"]);
    expect(body.items[0]).not.toHaveProperty("kind");
  });

  it("pages with limit and continue", async () => {
    const first = await get(`/api/v1/namespaces/${NS}/pods?limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.metadata.remainingItemCount ?? 0).toBeGreaterThan(0);
    const next = await get(
      `/api/v1/namespaces/${NS}/pods?limit=2&continue=${encodeURIComponent(first.body.metadata.continue ?? "")}`,
    );
    expect(names(next.body)[0]).not.toBe(names(first.body)[0]);
  });

  it("answers a missing object with the API server's NotFound Status", async () => {
    const { status, body } = await get(`/api/v1/namespaces/${NS}/pods/nope`);
    expect(status).toBe(404);
    expect(body).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'pods "nope" not found',
      reason: "NotFound",
      details: { name: "nope", kind: "pods" },
      code: 404,
    });
  });

  it("answers what the ClusterRole does not allow with the API server's Forbidden Status", async () => {
    const { status, body } = await get(`/apis/apps/v1/namespaces/${NS}/deployments/cart`);
    expect(status).toBe(403);
    expect(body).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "Forbidden",
      code: 403,
      details: { name: "cart", group: "apps", kind: "deployments" },
      message: `deployments.apps "cart" is forbidden: User "system:serviceaccount:aiops:aiops-context" cannot get resource "deployments" in API group "apps" in the namespace "${NS}"`,
    });
  });

  it("filters events by involvedObject field selectors and rejects unsupported fields", async () => {
    const ok = await get(
      `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.kind%3DPod,involvedObject.name%3Dagent-x7k2p`,
    );
    expect(names(ok.body)).toEqual(["agent-x7k2p.1"]);
    const bad = await get(`/api/v1/namespaces/${NS}/events?fieldSelector=spec.foo%3Dbar`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe("field label not supported: spec.foo");
  });

  it("serves logs with tailLines, and answers a missing previous container as the kubelet does", async () => {
    const tail = await getText(
      `/api/v1/namespaces/${NS}/pods/cart-7c9f6d8b5-w9z8q/log?container=app&tailLines=2`,
    );
    expect(tail.status).toBe(200);
    expect(tail.text).toMatch(/^line 398 x+\nline 399 x+\n$/);
    const previous = await get(
      `/api/v1/namespaces/${NS}/pods/cart-7c9f6d8b5-w9z8q/log?container=app&previous=true`,
    );
    expect(previous.status).toBe(400);
    expect(previous.body.message).toBe(
      'previous terminated container "app" in pod "cart-7c9f6d8b5-w9z8q" not found',
    );
  });

  it("requires the kubeconfig's bearer token", async () => {
    const res = await fetch(`${server.url}/api/v1/namespaces/${NS}/pods`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
  });

  it("parses equality- and set-based label selectors", () => {
    const match = (s: string, labels: Record<string, string>) =>
      parseLabelSelector(s).every((r) => r(labels));
    expect(match("app=cart,tier!=db", { app: "cart", tier: "web" })).toBe(true);
    expect(match("env in (prod, staging),!canary", { env: "prod" })).toBe(true);
    expect(match("env notin (prod),owner", { env: "prod", owner: "x" })).toBe(false);
    expect(() => parseLabelSelector("app===x")).toThrow();
  });
});

import { describe, expect, it } from "vitest";
import type { Evidence, PodEvidence } from "../core/evidence.js";
import { incidentSignature, maskText } from "./signature.js";

interface Place {
  ns: string;
  app: string;
  pod: string;
  node: string;
  image: string;
  at: string;
}

const SHOP: Place = {
  ns: "shop",
  app: "cart",
  pod: "cart-6b8f5d7c9d-wnq2n",
  node: "ip-10-0-3-17.eu-west-1.compute.internal",
  image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/cart:4.12.3",
  at: "2026-03-14T10:31:14Z",
};
const BILLING: Place = {
  ns: "billing",
  app: "invoice-renderer",
  pod: "invoice-renderer-7f9c8b6d5-x2kqz",
  node: "gke-prod-pool-2-1a2b3c4d-9xyz",
  image: "ghcr.io/acme/invoice-renderer:v2.0.1",
  at: "2026-05-02T23:05:59Z",
};

function pod(p: Place, container: Partial<PodEvidence["containers"][number]>): PodEvidence {
  return {
    name: p.pod,
    namespace: p.ns,
    phase: "Running",
    nodeName: p.node,
    deleting: false,
    alerted: true,
    owner: { kind: "ReplicaSet", namespace: p.ns, name: p.pod.split("-").slice(0, -1).join("-") },
    conditions: [],
    containers: [
      {
        name: p.app,
        init: false,
        image: p.image,
        resources: { requests: {}, limits: { memory: "512Mi" } },
        probes: {},
        ready: false,
        restartCount: 4,
        state: "waiting",
        ...container,
      },
    ],
    nodeSelector: {},
    hasAffinity: false,
    topologySpread: [],
    volumes: [],
  };
}

function evidence(p: Place, kind: "oom" | "image"): Evidence {
  const container =
    kind === "oom"
      ? {
          waitingReason: "CrashLoopBackOff",
          lastTermination: { reason: "OOMKilled", exitCode: 137, finishedAt: p.at },
        }
      : { waitingReason: "ImagePullBackOff", waitingMessage: `Back-off pulling image "${p.image}"` };
  const events =
    kind === "oom"
      ? [
          {
            type: "Warning",
            reason: "BackOff",
            message: `Back-off restarting failed container ${p.app} in pod ${p.pod}_${p.ns}(6e303e93-c1b2-4a93-a47f-d5d2813a208c)`,
          },
          {
            type: "Warning",
            reason: "OOMKilling",
            message: `Memory cgroup out of memory: Killed process 2418771 (java) total-vm:1184520kB, anon-rss:201932kB`,
          },
        ]
      : [
          {
            type: "Warning",
            reason: "Failed",
            message: `Failed to pull image "${p.image}": rpc error: code = NotFound desc = ${p.image}: not found`,
          },
        ];
  const logs =
    kind === "oom"
      ? [
          `${p.at} ERROR 1 --- [${p.app}] [nio-8080-exec-7] c.a.${p.app}.Worker : java.lang.OutOfMemoryError: Java heap space`,
          `${p.at} WARN  request ${crypto.randomUUID()} from 10.0.4.12:51234 took 5123 ms`,
        ]
      : [];
  return {
    collectedAt: p.at,
    subject: {
      alertname: kind === "oom" ? "KubePodCrashLooping" : "KubePodNotReady",
      namespace: p.ns,
      pod: p.pod,
      container: p.app,
      pods: [p.pod],
      labels: { namespace: p.ns, pod: p.pod },
      annotations: {},
    },
    pods: [pod(p, container)],
    ownerChain: [{ kind: "Deployment", namespace: p.ns, name: p.app }],
    workload: {
      ref: { kind: "Deployment", namespace: p.ns, name: p.app },
      conditions: [],
      containers: [],
      labels: {},
      annotations: {},
    },
    relatedWorkloads: [],
    events: events.map((e) => ({
      ...e,
      count: 3,
      lastTimestamp: p.at,
      involved: { kind: "Pod", namespace: p.ns, name: p.pod },
    })),
    logs: [
      {
        namespace: p.ns,
        pod: p.pod,
        container: p.app,
        previous: true,
        totalLines: 100,
        errorLines: logs,
        tail: [],
        truncated: false,
      },
    ],
    configRefs: [],
    nodes: [],
    pvcs: [],
    hpas: [],
    services: [],
    metrics: [],
    gaps: [],
  };
}

describe("incidentSignature", () => {
  it("is the same for the same failure in another namespace, app, pod, node, image and time", () => {
    const a = incidentSignature(evidence(SHOP, "oom"));
    const b = incidentSignature(evidence(BILLING, "oom"));
    expect(a).toBe(b);
    expect(a).toContain("last-terminated: oomkilled exit=137");
    expect(a).toContain("waiting: crashloopbackoff");
    expect(a).toContain("workload: deployment");
    expect(a).toContain(
      "log: <ts> error <n> --- [<name>] [nio-<n>-exec-<n>] c.a.<name>.worker : java.lang.outofmemoryerror: java heap space",
    );
  });

  it("differs for different failures of the same app", () => {
    const oom = incidentSignature(evidence(SHOP, "oom"));
    const image = incidentSignature(evidence(SHOP, "image"));
    expect(image).not.toBe(oom);
    expect(image).toContain("waiting: imagepullbackoff");
    expect(image).not.toContain("oomkilled");
  });

  it("never names the namespace, app, pod, node, image or times", () => {
    for (const place of [SHOP, BILLING]) {
      for (const kind of ["oom", "image"] as const) {
        const s = incidentSignature(evidence(place, kind));
        for (const leak of [
          place.ns,
          place.app,
          place.pod,
          place.node,
          place.image,
          "2026",
          "4.12.3",
          "ecr",
          "10.0.4.12",
        ])
          expect(s).not.toContain(leak);
      }
    }
  });

  it("orders sections and facts deterministically", () => {
    const e = evidence(SHOP, "oom");
    const reversed = { ...e, events: [...e.events].reverse() };
    expect(incidentSignature(reversed)).toBe(incidentSignature(e));
    const sections = incidentSignature(e)
      .split("\n")
      .map((l) => l.slice(0, l.indexOf(":")));
    expect(sections.indexOf("alert")).toBe(0);
    expect(sections.lastIndexOf("terminated")).toBeLessThan(sections.indexOf("event"));
  });
});

describe("maskText", () => {
  it.each([
    ["dial tcp 10.0.44.183:8080: connect: connection refused", "dial tcp <ip>: connect: connection refused"],
    ['Get "http://10.1.2.3:8080/healthz": context deadline exceeded', "get <q>: context deadline exceeded"],
    [
      "request 6e303e93-c1b2-4a93-a47f-d5d2813a208c failed after 3 retries",
      "request <uuid> failed after <n> retries",
    ],
    ["commit 431fa79ae2 at 0xc000123456", "commit <hex> at <hex>"],
    ["could not resolve redis.shop.svc.cluster.local", "could not resolve <host>"],
    ["pod checkout-7d9f8c6b5-xk2lp_ns evicted", "pod <pod>_ns evicted"],
    [
      "2026-03-14T10:31:14.518Z [error] open /var/lib/data/123/file.db",
      "<ts> [error] open /var/lib/data/<v>/file.db",
    ],
    [
      '{"level":"error","ts":1712345678.1,"msg":"connection reset by peer"}',
      '{<q>:<q>,<q>:<n>,<q>:"connection reset by peer"}',
    ],
  ])("%s", (input, expected) => {
    expect(maskText(input)).toBe(expected);
  });

  it("masks known names as whole words only", () => {
    expect(maskText("container cart in pod cart-x; cartography ok", ["cart", "cart-x"])).toBe(
      "container <name> in pod <name>; cartography ok",
    );
  });
});

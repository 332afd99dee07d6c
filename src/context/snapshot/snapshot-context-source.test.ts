import { describe, expect, it } from "vitest";
import type { AlertSubject } from "../../core/evidence.js";
import type { KubeObject } from "../context-source.js";
import {
  SnapshotContextSource,
  selectObjects,
  snapshotFromScenarioInput,
} from "./snapshot-context-source.js";

function obj(
  kind: string,
  name: string,
  namespace?: string,
  extra: Record<string, unknown> = {},
): KubeObject {
  return { apiVersion: "v1", kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra };
}

function subject(extra: Partial<AlertSubject> = {}): AlertSubject {
  return { alertname: "KubePodCrashLooping", pods: [], labels: {}, annotations: {}, ...extra };
}

const objects: KubeObject[] = [
  obj("Deployment", "api", "shop", {
    spec: {
      template: {
        spec: {
          containers: [
            { name: "app", env: [{ name: "AMQP", value: "amqp://u@rabbitmq.messaging.svc:5672/" }] },
          ],
        },
      },
    },
  }),
  obj("Pod", "api-6b8f5d7c9d-wnq2n", "shop", { spec: { nodeName: "n1" } }),
  obj("Pod", "rabbitmq-0", "messaging", {
    metadata: {
      name: "rabbitmq-0",
      namespace: "messaging",
      labels: { "app.kubernetes.io/name": "rabbitmq" },
    },
  }),
  obj("Pod", "unrelated-0", "elsewhere", { spec: { nodeName: "n2" } }),
  obj("Pod", "neighbour-0", "elsewhere", { spec: { nodeName: "n1" } }),
  obj("Node", "n1"),
  obj("StorageClass", "gp3"),
  obj("Event", "e1", "shop", {
    involvedObject: { kind: "Pod", name: "api-6b8f5d7c9d-wnq2n", namespace: "shop" },
  }),
  obj("Event", "e2", "default", { involvedObject: { kind: "Node", name: "n1" } }),
  obj("Event", "e3", "elsewhere", {
    involvedObject: { kind: "Pod", name: "unrelated-0", namespace: "elsewhere" },
  }),
  obj("Event", "e4", "messaging", {
    involvedObject: { kind: "Pod", name: "rabbitmq-0", namespace: "messaging" },
  }),
];

const names = (list: KubeObject[]): string[] => list.map((o) => o.metadata.name).sort();

describe("selectObjects", () => {
  it("keeps the namespace, cluster-scoped objects, referenced services' pods and their events", () => {
    const picked = names(selectObjects(objects, subject({ namespace: "shop" })));
    expect(picked).toEqual(["api", "api-6b8f5d7c9d-wnq2n", "e1", "e2", "e4", "gp3", "n1", "rabbitmq-0"]);
  });

  it("adds pods on the alerted node", () => {
    const picked = names(selectObjects(objects, subject({ namespace: "shop", node: "n1" })));
    expect(picked).toContain("neighbour-0");
    expect(picked).not.toContain("unrelated-0");
  });

  it("keeps everything without a namespace", () => {
    expect(selectObjects(objects, subject({ node: "n1" }))).toHaveLength(objects.length);
  });
});

describe("SnapshotContextSource", () => {
  it("returns all logs and metrics and the scoped objects", async () => {
    const source = new SnapshotContextSource({
      objects: [...objects, { kind: 42 } as unknown as KubeObject],
      logs: [
        {
          namespace: "kube-system",
          pod: "coredns-1",
          container: "coredns",
          previous: false,
          text: "NXDOMAIN",
        },
      ],
      metrics: [{ query: "up", result: { resultType: "vector", result: [] } }],
    });
    expect(source.name).toBe("snapshot");
    const bundle = await source.gather(subject({ namespace: "shop" }));
    expect(bundle.logs).toHaveLength(1);
    expect(bundle.metrics).toHaveLength(1);
    expect(bundle.gaps).toEqual([]);
    expect(names(bundle.objects)).not.toContain("unrelated-0");
  });

  it("scope all returns every valid object", async () => {
    const bundle = await new SnapshotContextSource({ objects }, { scope: "all" }).gather(
      subject({ namespace: "shop" }),
    );
    expect(bundle.objects).toHaveLength(objects.length);
  });

  it("records an empty snapshot as a gap and honours an aborted signal", async () => {
    const source = new SnapshotContextSource({ objects: [] });
    expect((await source.gather(subject())).gaps).toHaveLength(1);
    const controller = new AbortController();
    controller.abort();
    await expect(source.gather(subject(), controller.signal)).rejects.toThrow();
  });

  it("is built from a scenario input", async () => {
    const source = snapshotFromScenarioInput({
      webhook: { alerts: [], groupLabels: {}, commonLabels: {}, commonAnnotations: {} },
      cluster: { items: objects },
      logs: [],
      metrics: [],
    });
    const bundle = await source.gather(subject({ namespace: "shop" }));
    expect(names(bundle.objects)).toContain("api");
  });
});

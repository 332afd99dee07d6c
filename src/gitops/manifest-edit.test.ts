import { describe, expect, it } from "vitest";
import { appendToTopLevelList, applyPatchToDocument, objectsIn } from "./manifest-edit.js";

const TWO_DOCS = `# first
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings   # keep this comment
data: {a: "1"}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
      - name: app
        resources: {}
`;

describe("in-place manifest edits", () => {
  it("finds the objects of each document", () => {
    expect(objectsIn(TWO_DOCS).map((o) => `${o.index}:${o.kind}/${o.name}`)).toEqual([
      "0:ConfigMap/settings",
      "1:Deployment/api",
    ]);
  });

  it("re-renders only the changed document where the shape needs it (a flow `{}`), comments and the other document kept", () => {
    const body = {
      spec: {
        template: { spec: { containers: [{ name: "app", resources: { limits: { memory: "1Gi" } } }] } },
      },
    };
    const { text, changed } = applyPatchToDocument(TWO_DOCS, 1, body);
    expect(changed).toBe(true);
    const [first, second] = text.split("---\n");
    expect(`${first}`).toBe(TWO_DOCS.split("---\n")[0]);
    expect(second).toContain("resources:\n          limits:\n            memory: 1Gi\n");
    expect(second).toContain("      - name: app\n");
  });

  it("reports no change when the document holds the values already", () => {
    const body = { metadata: { name: "settings" } };
    expect(applyPatchToDocument(TWO_DOCS, 0, body)).toEqual({ text: TWO_DOCS, changed: false });
  });

  it("adds a container the list lacks at the list's indentation", () => {
    const body = {
      spec: { template: { spec: { containers: [{ name: "sidecar", image: "busybox:1.36" }] } } },
    };
    const { text } = applyPatchToDocument(TWO_DOCS, 1, body);
    expect(text).toBe(`${TWO_DOCS}      - name: sidecar\n        image: busybox:1.36\n`);
  });

  it("appends to a kustomization's list once", () => {
    const k = "resources:\n  - a.yaml\npatches:\n  - path: p.yaml\n";
    const once = appendToTopLevelList(k, "patches", { path: "q.yaml" });
    expect(once.text).toBe(`${k}  - path: q.yaml\n`);
    expect(appendToTopLevelList(once.text, "patches", { path: "q.yaml" }).changed).toBe(false);
    expect(appendToTopLevelList("resources:\n  - a.yaml\n", "patches", { path: "q.yaml" }).text).toBe(
      "resources:\n  - a.yaml\npatches:\n  - path: q.yaml\n",
    );
  });
});

import { describe, expect, it } from "vitest";
import type { Diagnosis } from "../../core/diagnosis.js";
import { diagnose } from "../diagnose.js";
import { crashing, evidence, pod } from "../test-evidence.js";
import { ANSWER_JSON_SCHEMA, parseAnswer, type ModelAnswer } from "./answer.js";
import { combine, ModelPolicy } from "./combine.js";
import { buildPrompt } from "./prompt.js";

const NOW = new Date("2026-03-14T10:46:00Z");
const USAGE = { calls: 1, inputTokens: 900, outputTokens: 80, latencyMs: 1200 };

function answer(overrides: Partial<ModelAnswer> = {}): ModelAnswer {
  return {
    summary: "The app exits on a bad flag. It never starts.",
    category: "crash_loop_app_error",
    confidence: 0.8,
    evidence: ["E1"],
    contradicts: [],
    action: "manual",
    params: {},
    ...overrides,
  };
}

function run(e = evidence(), d: Diagnosis = diagnose(e), a: ModelAnswer = answer()) {
  const prompt = buildPrompt({ evidence: e, diagnosis: d });
  return combine(d, a, { evidence: e, items: prompt.items, model: "fake/scripted", usage: USAGE, now: NOW });
}

const oom = () =>
  evidence({ pods: [pod({ containers: [crashing({ reason: "OOMKilled", exitCode: 137 })] })] });

const oomOnPressuredNode = () =>
  evidence({
    pods: [pod({ nodeName: "worker-1", containers: [crashing({ reason: "OOMKilled", exitCode: 137 })] })],
    nodes: [
      {
        name: "worker-1",
        ready: "False",
        conditions: [{ type: "Ready", status: "False", reason: "KubeletNotReady" }],
        unschedulable: false,
        taints: [],
        labels: {},
        allocatable: {},
        capacity: {},
      },
    ],
  });

describe("combine", () => {
  it("keeps a strong analyzer finding when the model disagrees without contradicting evidence", () => {
    const e = oom();
    const d = diagnose(e);
    expect(d.confidence).toBeGreaterThanOrEqual(ModelPolicy.strongFinding);
    const out = run(e, d, answer({ category: "liveness_probe_failure", contradicts: [] }));
    expect(out.category).toBe("oom_killed");
    expect(out.decidedBy).toBe("analyzers");
    expect(out.model?.verdict).toBe("disregarded");
    expect(out.model?.category).toBe("liveness_probe_failure");
  });

  it("lets the model overrule a strong finding when it cites evidence the prompt held against it", () => {
    // The OOM kill happened on a node that is NotReady: an analyzer found that too.
    const e = oomOnPressuredNode();
    const d = diagnose(e);
    expect(d.findings.map((f) => f.category)).toContain("node_not_ready");
    // The model cites the node's condition as the prompt listed it.
    const items = buildPrompt({ evidence: e, diagnosis: d }).items;
    const nodeItem = [...items].find(([, item]) => item.source === "node")?.[0];
    expect(nodeItem).toBeDefined();
    const out = run(e, d, answer({ category: "node_not_ready", contradicts: [nodeItem as string] }));
    expect(out.category).toBe("node_not_ready");
    expect(out.decidedBy).toBe("model");
    expect(out.model?.verdict).toBe("overruled");
    expect(out.model?.contradicting?.[0]).toMatch(new RegExp(`^${nodeItem}: `));
    expect(out.confidence).toBeLessThanOrEqual(ModelPolicy.maxModelConfidence);
  });

  it("never moves a strong finding to a cause no analyzer found evidence for, whatever it cites", () => {
    const e = oom();
    const out = run(e, diagnose(e), answer({ category: "node_not_ready", contradicts: ["E2"] }));
    expect(out.category).toBe("oom_killed");
    expect(out.model?.verdict).toBe("disregarded");
    expect(out.model?.reason).toContain("no analyzer found evidence of node_not_ready");
  });

  it("ignores contradictions citing ids the prompt never showed, log lines or the finding itself", () => {
    const e = oom();
    for (const ids of [["E99"], ["E1"]]) {
      const out = run(e, diagnose(e), answer({ category: "node_not_ready", contradicts: ids }));
      expect(out.category).toBe("oom_killed");
      expect(out.model?.verdict).toBe("disregarded");
    }
  });

  it("lets the model decide where the analyzers say unknown, and records which model said what", () => {
    const e = evidence();
    const d = diagnose(e);
    expect(d.category).toBe("unknown");
    const out = run(e, d, answer({ confidence: 0.95 }));
    expect(out.category).toBe("crash_loop_app_error");
    expect(out.decidedBy).toBe("model");
    expect(out.confidence).toBe(ModelPolicy.maxModelConfidence);
    expect(out.summary).toContain("fake/scripted");
    expect(out.model).toMatchObject({
      model: "fake/scripted",
      verdict: "decided",
      calls: 1,
      inputTokens: 900,
    });
  });

  it("does not let an unsure model decide", () => {
    const e = evidence();
    const out = run(e, diagnose(e), answer({ confidence: 0.2 }));
    expect(out.category).toBe("unknown");
    expect(out.model?.verdict).toBe("disregarded");
  });

  it("refuses a proposed target in another namespace and accepts one inside the owner chain", () => {
    const e = evidence();
    const outside = run(
      e,
      diagnose(e),
      answer({
        action: "restart",
        target: { kind: "Deployment", namespace: "kube-system", name: "coredns" },
      }),
    );
    expect(outside.model?.proposal).toMatchObject({ action: "restart", accepted: false });
    expect(outside.model?.proposal?.problem).toContain("outside the incident's namespace");
    const inside = run(e, diagnose(e), answer({ action: "restart" }));
    expect(inside.model?.proposal).toMatchObject({
      accepted: true,
      target: { kind: "Deployment", name: "app", namespace: "shop" },
    });
  });

  it("refuses a proposed quantity beyond the planner's bounds", () => {
    const e = oom();
    const out = run(
      e,
      diagnose(e),
      answer({ category: "oom_killed", action: "increase_memory_limit", params: { memory: "64Gi" } }),
    );
    expect(out.model?.verdict).toBe("agreed");
    expect(out.model?.proposal?.accepted).toBe(false);
    expect(out.model?.proposal?.problem).toMatch(/more than 4x/);
  });
});

describe("parseAnswer", () => {
  const valid = {
    summary: "Out of memory.",
    category: "oom_killed",
    confidence: 0.9,
    evidence: ["E1", "E1"],
    contradicts: [],
    action: "increase_memory_limit",
    params: [{ name: "memory", value: "384Mi" }],
    target: { kind: "Deployment", namespace: "shop", name: "app", container: "app" },
  };

  it("reads a valid answer, in a code fence or not", () => {
    const parsed = parseAnswer("```json\n" + JSON.stringify(valid) + "\n```");
    expect(parsed).toMatchObject({
      ok: true,
      answer: { category: "oom_killed", evidence: ["E1"], params: { memory: "384Mi" } },
    });
  });

  it("rejects actions and categories outside the closed vocabulary, and non-JSON", () => {
    const bad = parseAnswer(JSON.stringify({ ...valid, action: "delete_namespace" }));
    expect(bad).toMatchObject({ ok: false });
    expect(!bad.ok && bad.problem).toContain("action");
    expect(parseAnswer(JSON.stringify({ ...valid, category: "hacked" })).ok).toBe(false);
    expect(parseAnswer("The cause is memory.")).toEqual({
      ok: false,
      problem: "the answer is not valid JSON",
    });
  });

  it("sends a JSON Schema that requires every field and no others", () => {
    expect(ANSWER_JSON_SCHEMA["type"]).toBe("object");
    expect(ANSWER_JSON_SCHEMA["additionalProperties"]).toBe(false);
    expect(ANSWER_JSON_SCHEMA["required"]).toEqual(Object.keys(valid));
  });
});

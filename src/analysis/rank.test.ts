import { describe, expect, it } from "vitest";
import { diagnose } from "./diagnose.js";
import { MIN_CONFIDENCE, rankFindings } from "./rank.js";
import {
  container,
  crashing,
  event,
  evidence,
  log,
  NS,
  pod,
  probe,
  revision,
  workload,
} from "./test-evidence.js";

const NOW = new Date("2026-03-14T10:45:00Z");

describe("classic confusions", () => {
  it("a crash loop whose last termination is OOMKilled is oom_killed", () => {
    const e = evidence({
      pods: [pod({ containers: [crashing({ reason: "OOMKilled", exitCode: 137 })] })],
      logs: [log("java.lang.OutOfMemoryError: Java heap space\n\tat App.run(App.java:1)")],
    });
    const d = diagnose(e, NOW);
    expect(d.category).toBe("oom_killed");
    expect(d.decidedBy).toBe("analyzers");
    expect(d.createdAt).toBe(NOW.toISOString());
  });

  it("a Job whose pods were OOMKilled is oom_killed, not job_failed", () => {
    const e = evidence({
      subject: {
        alertname: "KubeJobFailed",
        namespace: NS,
        pods: [],
        labels: { job_name: "backfill" },
        annotations: {},
      },
      workload: workload({
        ref: { kind: "Job", namespace: NS, name: "backfill" },
        conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }],
        job: { active: 0, succeeded: 0, failed: 4, backoffLimit: 3 },
      }),
      ownerChain: [{ kind: "Job", namespace: NS, name: "backfill" }],
      pods: [
        pod({
          name: "backfill-x",
          phase: "Failed",
          alerted: false,
          owner: { kind: "Job", namespace: NS, name: "backfill" },
          containers: [
            container({
              ready: false,
              state: "terminated",
              terminated: { reason: "OOMKilled", exitCode: 137 },
            }),
          ],
        }),
      ],
    });
    const d = diagnose(e, NOW);
    expect(d.category).toBe("oom_killed");
    expect(d.findings.map((f) => f.category)).toContain("job_failed");
  });

  it("NotReady caused by a missing Secret key is missing_config", () => {
    const e = evidence({
      subject: {
        alertname: "KubePodNotReady",
        namespace: NS,
        pod: "app-6b8f5d7c9d-abcde",
        pods: ["app-6b8f5d7c9d-abcde"],
        labels: {},
        annotations: {},
      },
      pods: [
        pod({
          phase: "Pending",
          containers: [
            container({
              ready: false,
              state: "waiting",
              waitingReason: "CreateContainerConfigError",
              waitingMessage: "couldn't find key token in Secret shop/api",
            }),
          ],
        }),
      ],
    });
    expect(diagnose(e, NOW).category).toBe("missing_config");
  });

  it("a crash caused by an unreachable database is dependency_unavailable, not crash_loop_app_error", () => {
    const e = evidence({
      pods: [pod({ containers: [crashing({ reason: "Error", exitCode: 1 })] })],
      logs: [
        log(
          'Traceback (most recent call last):\npsycopg.OperationalError: connection failed: Connection refused\n\tIs the server running on host "db" and accepting TCP/IP connections?',
        ),
      ],
    });
    const d = diagnose(e, NOW);
    expect(d.category).toBe("dependency_unavailable");
    expect(d.findings[1]?.category).toBe("crash_loop_app_error");
  });

  it("a failing new revision beside a healthy one is bad_rollout, but an unpullable new image stays image_pull_error", () => {
    const current = revision({
      revision: 5,
      current: true,
      healthy: false,
      failingPods: 1,
      readyPods: 0,
      revisionHash: "new",
    });
    const old = revision({ revision: 4, revisionHash: "old", readyPods: 2 });
    const rollout = {
      workload: { kind: "Deployment", namespace: NS, name: "app" },
      revisions: [current, old],
      current,
      lastHealthy: old,
      progressDeadlineExceeded: true,
    };
    const crash = evidence({
      rollout,
      pods: [pod({ revisionHash: "new", containers: [crashing({ reason: "Error", exitCode: 2 })] })],
      logs: [log("panic: runtime error: invalid memory address or nil pointer dereference")],
    });
    expect(diagnose(crash, NOW).category).toBe("bad_rollout");
    const pull = evidence({
      rollout,
      pods: [
        pod({
          revisionHash: "new",
          phase: "Pending",
          containers: [
            container({
              ready: false,
              state: "waiting",
              waitingReason: "ImagePullBackOff",
              waitingMessage: 'Back-off pulling image "r/app:v5"',
            }),
          ],
        }),
      ],
    });
    expect(diagnose(pull, NOW).category).toBe("image_pull_error");
  });

  it("a node alert outranks the crash loops it causes", () => {
    const e = evidence({
      subject: { alertname: "KubeNodePressure", node: "node-1", pods: [], labels: {}, annotations: {} },
      pods: [pod({ containers: [crashing({ reason: "Error", exitCode: 1 })] })],
      logs: [log("java.lang.OutOfMemoryError: unable to create native thread")],
      nodes: [
        {
          name: "node-1",
          ready: "True",
          conditions: [{ type: "PIDPressure", status: "True" }],
          unschedulable: false,
          taints: [],
          labels: {},
          allocatable: {},
          capacity: {},
        },
      ],
    });
    expect(diagnose(e, NOW).category).toBe("node_not_ready");
  });

  it("exit 137 without OOMKilled, probe or node pressure is unknown", () => {
    const e = evidence({
      subject: {
        alertname: "KubeContainerRestartsHigh",
        namespace: NS,
        pod: "app-6b8f5d7c9d-abcde",
        container: "app",
        pods: ["app-6b8f5d7c9d-abcde"],
        labels: {},
        annotations: {},
      },
      pods: [
        pod({
          containers: [container({ restartCount: 4, lastTermination: { reason: "Error", exitCode: 137 } })],
        }),
      ],
      logs: [log("info: Request finished 200 in 3ms")],
    });
    const d = diagnose(e, NOW);
    expect(d.category).toBe("unknown");
    expect(d.summary.length).toBeGreaterThan(20);
  });

  it("a crash-looping pod that is gone, with only BackOff events, is unknown", () => {
    const e = evidence({
      pods: [pod({ name: "app-6b8f5d7c9d-other", alerted: false })],
      events: [
        event({
          reason: "BackOff",
          count: 300,
          message: "Back-off restarting failed container app in pod app-6b8f5d7c9d-abcde",
        }),
      ],
      logs: [log('Error from server (NotFound): pods "app-6b8f5d7c9d-abcde" not found')],
    });
    expect(diagnose(e, NOW).category).toBe("unknown");
  });

  it("a readiness probe timing out while the app answers slowly is readiness_probe_failure; a 503 with a refused database is dependency_unavailable", () => {
    const readiness = probe({ path: "/ready", timeoutSeconds: 1 });
    const base = {
      workload: workload({ containers: [container({ probes: { readiness } })] }),
      pods: [pod({ containers: [container({ ready: false, probes: { readiness } })] })],
    };
    const slow = evidence({
      ...base,
      events: [
        event({
          reason: "Unhealthy",
          count: 300,
          message: 'Readiness probe failed: Get "http://10.0.0.1:8080/ready": context deadline exceeded',
        }),
      ],
    });
    expect(diagnose(slow, NOW).category).toBe("readiness_probe_failure");
    const dep = evidence({
      ...base,
      events: [
        event({
          reason: "Unhealthy",
          count: 300,
          message: "Readiness probe failed: HTTP probe failed with statuscode: 503",
        }),
      ],
      logs: [
        log("org.postgresql.util.PSQLException: Connection to db.shop.svc.cluster.local:5432 refused.", {
          previous: false,
        }),
      ],
    });
    expect(diagnose(dep, NOW).category).toBe("dependency_unavailable");
  });
});

describe("rankFindings", () => {
  it("orders by confidence, then specificity", () => {
    const f = (category: "job_failed" | "oom_killed" | "crash_loop_app_error", confidence: number) => ({
      analyzer: category,
      category,
      confidence,
      summary: "",
      evidence: [],
    });
    expect(rankFindings([f("job_failed", 0.7), f("oom_killed", 0.95)]).map((x) => x.category)).toEqual([
      "oom_killed",
      "job_failed",
    ]);
    expect(
      rankFindings([f("crash_loop_app_error", 0.8), f("oom_killed", 0.8)]).map((x) => x.category),
    ).toEqual(["oom_killed", "crash_loop_app_error"]);
  });
  it("has a threshold below which nothing is concluded", () => {
    expect(MIN_CONFIDENCE).toBeGreaterThan(0.3);
  });
});

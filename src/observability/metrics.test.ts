import { describe, expect, it } from "vitest";
import { register as globalRegistry } from "prom-client";
import { createMetrics } from "./metrics.js";

describe("createMetrics", () => {
  it("uses a registry of its own, so two instances do not collide", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.alertsReceived.inc({ status: "firing" });
    expect(a.registry).not.toBe(globalRegistry);
    expect(await a.registry.metrics()).toContain('aiops_alerts_received_total{status="firing"} 1');
    expect(await b.registry.metrics()).not.toContain('aiops_alerts_received_total{status="firing"} 1');
    expect(globalRegistry.getSingleMetric("aiops_alerts_received_total")).toBeUndefined();
  });

  it("exposes every metric under its name, default metrics prefixed aiops_", async () => {
    const m = createMetrics();
    m.webhooksRejected.inc({ reason: "invalid_webhook" });
    m.stageDuration.observe({ stage: "diagnose" }, 1.5);
    m.stageErrors.inc({ stage: "plan" });
    m.busMessages.inc({ stage: "collect", outcome: "retry" }, 2);
    const text = await m.registry.metrics();
    expect(text).toContain('aiops_webhooks_rejected_total{reason="invalid_webhook"} 1');
    expect(text).toContain('aiops_stage_duration_seconds_bucket{le="2.5",stage="diagnose"} 1');
    expect(text).toContain('aiops_stage_duration_seconds_bucket{le="1",stage="diagnose"} 0');
    expect(text).toContain('aiops_stage_errors_total{stage="plan"} 1');
    expect(text).toContain('aiops_bus_messages_total{stage="collect",outcome="retry"} 2');
    expect(text).toContain("aiops_process_resident_memory_bytes");
    expect(text).toContain("aiops_nodejs_eventloop_lag_seconds");
  });

  it("fills the incidents gauge at each scrape and drops rows that disappeared", async () => {
    let rows = [
      { state: "open", category: "none", count: 2 },
      { state: "diagnosed", category: "oom_killed", count: 5 },
    ];
    const m = createMetrics({ incidentCounts: async () => rows });
    let text = await m.registry.metrics();
    expect(text).toContain('aiops_incidents{state="open",category="none"} 2');
    expect(text).toContain('aiops_incidents{state="diagnosed",category="oom_killed"} 5');
    rows = [{ state: "resolved", category: "oom_killed", count: 7 }];
    text = await m.registry.metrics();
    expect(text).toContain('aiops_incidents{state="resolved",category="oom_killed"} 7');
    expect(text).not.toContain('aiops_incidents{state="open"');
  });

  it("a failing incidentCounts empties the gauge without failing the scrape", async () => {
    let fail = false;
    const m = createMetrics({
      incidentCounts: async () => {
        if (fail) throw new Error("store down");
        return [{ state: "open", category: "none", count: 1 }];
      },
    });
    expect(await m.registry.metrics()).toContain('aiops_incidents{state="open",category="none"} 1');
    fail = true;
    const text = await m.registry.metrics();
    expect(text).not.toContain('aiops_incidents{state="open"');
    expect(text).toContain("aiops_alerts_received_total");
  });
});

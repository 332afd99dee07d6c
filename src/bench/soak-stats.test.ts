import { describe, expect, it } from "vitest";
import { metricSum, parsePromText, slope, verdict } from "./soak-stats.js";

const TEXT = [
  "# HELP aiops_process_resident_memory_bytes Resident memory size in bytes.",
  "# TYPE aiops_process_resident_memory_bytes gauge",
  "aiops_process_resident_memory_bytes 104857600",
  "aiops_nodejs_eventloop_lag_p99_seconds 0.0123",
  'aiops_alerts_received_total{status="firing"} 40',
  'aiops_alerts_received_total{status="resolved"} 2',
  'aiops_stage_duration_seconds_count{stage="plan"} 7',
  'aiops_stage_duration_seconds_bucket{le="+Inf",stage="plan"} 7',
  'aiops_incidents{state="resolved",category="oom"} 3',
  "not a sample",
].join("\n");

describe("parsePromText and metricSum", () => {
  const samples = parsePromText(TEXT);

  it("reads plain and labelled samples, skipping comments", () => {
    expect(metricSum(samples, "aiops_process_resident_memory_bytes")).toBe(104857600);
    expect(metricSum(samples, "aiops_nodejs_eventloop_lag_p99_seconds")).toBeCloseTo(0.0123);
    expect(metricSum(samples, "aiops_alerts_received_total")).toBe(42);
    expect(metricSum(samples, "aiops_alerts_received_total", { status: "resolved" })).toBe(2);
    expect(metricSum(samples, "aiops_stage_duration_seconds_count", { stage: "plan" })).toBe(7);
    expect(metricSum(samples, "aiops_incidents", { state: "resolved" })).toBe(3);
  });

  it("answers NaN for a metric that is absent", () => {
    expect(metricSum(samples, "aiops_nothing")).toBeNaN();
    expect(metricSum(samples, "aiops_alerts_received_total", { status: "other" })).toBeNaN();
  });
});

describe("slope", () => {
  it("is the least-squares slope", () => {
    expect(slope([0, 1, 2, 3].map((x) => ({ x, y: 2 * x + 5 })))).toBeCloseTo(2);
    // A symmetric sawtooth around a flat line has no trend.
    expect(slope([0, 1, 2, 3, 4].map((x) => ({ x, y: x % 2 === 0 ? 10 : 12 })))).toBeCloseTo(0);
  });

  it("is NaN without two distinct points, and skips non-finite ones", () => {
    expect(slope([{ x: 1, y: 1 }])).toBeNaN();
    expect(
      slope([
        { x: 0, y: 0 },
        { x: 1, y: Number.NaN },
        { x: 2, y: 4 },
      ]),
    ).toBeCloseTo(2);
  });
});

describe("verdict", () => {
  it("calls growth at 5 % of the warm RSS per 10 minutes", () => {
    expect(verdict(4.9, 100)).toBe("no growth");
    expect(verdict(-3, 100)).toBe("no growth");
    expect(verdict(5, 100)).toBe("grows 5.0 MB/10 min");
    expect(verdict(Number.NaN, 100)).toBe("not enough samples");
  });
});

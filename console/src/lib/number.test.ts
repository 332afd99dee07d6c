import { describe, expect, it } from "vitest";
import { formatBytes, formatMetricValue } from "./number.js";

describe("formatBytes", () => {
  it("uses binary units like Kubernetes quantities", () => {
    expect(formatBytes(268_435_456)).toBe("256Mi");
    expect(formatBytes(1536)).toBe("1.5Ki");
    expect(formatBytes(512)).toBe("512");
    expect(formatBytes(2.68e8)).toBe("255.6Mi");
  });
});

describe("formatMetricValue", () => {
  it("formats by the metric's name", () => {
    expect(formatMetricValue(268_435_456, "container_memory_working_set_bytes")).toBe("256Mi");
    expect(formatMetricValue(0.12345, "container_cpu_usage_seconds_total")).toBe("0.123");
    expect(formatMetricValue(5e9, "requests_total")).toBe("5.000e+9");
    expect(formatMetricValue(undefined, "x")).toBe("—");
  });
});

import { describe, expect, it } from "vitest";
import { formatAbsolute, formatDuration, percent, relativeTime } from "./time.js";

const now = new Date("2024-05-01T12:00:00.000Z");
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();

describe("relativeTime", () => {
  it("picks the largest whole unit", () => {
    expect(relativeTime(ago(2_000), now)).toBe("just now");
    expect(relativeTime(ago(42_000), now)).toBe("42 s ago");
    expect(relativeTime(ago(5 * 60_000 + 59_000), now)).toBe("5 min ago");
    expect(relativeTime(ago(3 * 3_600_000), now)).toBe("3 h ago");
    expect(relativeTime(ago(50 * 3_600_000), now)).toBe("2 d ago");
  });

  it("shows a time slightly in the future as just now, and nothing for a bad time", () => {
    expect(relativeTime(ago(-30_000), now)).toBe("just now");
    expect(relativeTime("yesterday", now)).toBe("");
    expect(relativeTime(undefined, now)).toBe("");
  });
});

describe("formatDuration", () => {
  it("uses two units at most", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_400)).toBe("12 s");
    expect(formatDuration(245_000)).toBe("4 min 5 s");
    expect(formatDuration(7_380_000)).toBe("2 h 3 min");
    expect(formatDuration(100_800_000)).toBe("1 d 4 h");
    expect(formatDuration(3_600_000)).toBe("1 h");
    expect(formatDuration(-1)).toBe("");
  });
});

describe("formatAbsolute and percent", () => {
  it("formats in UTC and rounds percentages", () => {
    expect(formatAbsolute("2024-05-01T12:03:04.567Z")).toBe("2024-05-01 12:03:04 UTC");
    expect(formatAbsolute("nope")).toBe("");
    expect(percent(0.953)).toBe("95%");
    expect(percent(undefined)).toBe("");
  });
});

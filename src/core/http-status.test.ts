import { describe, expect, it } from "vitest";
import { isRetryableStatus, parseRetryAfter } from "./http-status.js";

describe("isRetryableStatus", () => {
  it("retries timeouts, too-early, rate limits and server errors, and no other 4xx", () => {
    const retried = [408, 425, 429, 500, 502, 503, 504].filter(isRetryableStatus);
    expect(retried).toEqual([408, 425, 429, 500, 502, 503, 504]);
    expect([400, 401, 403, 404, 409, 410, 413, 422].filter(isRetryableStatus)).toEqual([]);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-03-01T10:00:00Z");

  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfter("5", now)).toBe(5_000);
    expect(parseRetryAfter(" 2 ", now)).toBe(2_000);
    expect(parseRetryAfter("Sun, 01 Mar 2026 10:00:30 GMT", now)).toBe(30_000);
  });

  it("takes a date in the past as no wait", () => {
    expect(parseRetryAfter("Sun, 01 Mar 2026 09:00:00 GMT", now)).toBe(0);
  });

  it("gives undefined for an absent or unreadable value", () => {
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-3", now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { reconnectDelay } from "./backoff.js";

describe("reconnectDelay", () => {
  it("doubles from 1 s and stops at 30 s", () => {
    const noJitter = (): number => 0;
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => reconnectDelay(a, noJitter))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it("trims at most a fifth for jitter", () => {
    expect(reconnectDelay(0, () => 0.999)).toBeGreaterThanOrEqual(800);
    expect(reconnectDelay(10, () => 0.5)).toBe(27_000);
  });
});

import { describe, expect, it } from "vitest";
import { startPeriodic } from "./periodic.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("startPeriodic", () => {
  it("never runs the task while a run is under way", async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const periodic = startPeriodic(
      async () => {
        running++;
        most = Math.max(most, running);
        runs++;
        await pause(60);
        running--;
      },
      5,
      () => undefined,
      () => 0, // a frozen clock: only the overlap guard holds runs back
    );
    await pause(400);
    periodic.stop();
    expect(runs).toBeGreaterThan(1);
    expect(most).toBe(1);
  });

  it("waits nine times the last run's duration before the next", async () => {
    let t = 0;
    const starts: number[] = [];
    const periodic = startPeriodic(
      async () => {
        starts.push(t);
        t += 100; // each run "takes" 100 ms of the fake clock
      },
      1,
      () => undefined,
      () => t,
    );
    for (const deadline = Date.now() + 5_000; starts.length < 1 && Date.now() < deadline;) await pause(5);
    await pause(50);
    expect(starts).toEqual([0]);
    t += 899; // not yet 900 after the run ended
    await pause(50);
    expect(starts).toEqual([0]);
    t += 1;
    for (const deadline = Date.now() + 5_000; starts.length < 2 && Date.now() < deadline;) await pause(5);
    periodic.stop();
    expect(starts).toEqual([0, 1000]);
  });

  it("hands a failed run to onError and keeps going", async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const periodic = startPeriodic(
      async () => {
        runs++;
        throw new Error("boom");
      },
      5,
      (error) => errors.push(error),
      () => 0,
    );
    for (const deadline = Date.now() + 5_000; runs < 2 && Date.now() < deadline;) await pause(5);
    periodic.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(errors[0]).toBeInstanceOf(Error);
  });
});

import { describe, expect, it } from "vitest";
import { Semaphore } from "./semaphore.js";

describe("Semaphore", () => {
  it("lets at most `limit` run at once, the rest in order", async () => {
    const s = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        s.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          order.push(n);
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it("gives up a wait when its signal aborts, holding nothing", async () => {
    const s = new Semaphore(1);
    expect(await s.acquire()).toBe(true);
    const abort = new AbortController();
    const waiting = s.acquire(abort.signal);
    abort.abort();
    expect(await waiting).toBe(false);
    s.release();
    expect(await s.acquire(AbortSignal.timeout(1000))).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { Coalescer } from "./coalesce.js";

describe("Coalescer", () => {
  it("starts every task queued in one turn together, after the current turn", async () => {
    const coalescer = new Coalescer();
    const started: number[] = [];
    let turnOver = false;
    const results = [1, 2, 3].map((n) =>
      coalescer.run(async () => {
        started.push(n);
        expect(turnOver).toBe(true);
        return n * 10;
      }),
    );
    expect(started).toEqual([]);
    turnOver = true;
    // Resolved promises run their callbacks before the check phase: none started yet.
    await Promise.resolve();
    expect(started).toEqual([]);
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30]);
    expect(started).toEqual([1, 2, 3]);
  });

  it("starts all the tasks of a batch synchronously, one after the other", async () => {
    const coalescer = new Coalescer();
    const events: string[] = [];
    const tasks = ["a", "b"].map((name) =>
      coalescer.run(async () => {
        events.push(`start ${name}`);
        await Promise.resolve();
        events.push(`end ${name}`);
      }),
    );
    await Promise.all(tasks);
    // Both started before either continued past its first await: one write for both.
    expect(events.slice(0, 2)).toEqual(["start a", "start b"]);
  });

  it("passes a task's rejection, or its synchronous throw, to its own caller only", async () => {
    const coalescer = new Coalescer();
    const ok = coalescer.run(async () => "fine");
    const rejects = coalescer.run(() => Promise.reject(new Error("refused")));
    const throws = coalescer.run((): Promise<string> => {
      throw new Error("thrown");
    });
    await expect(ok).resolves.toBe("fine");
    await expect(rejects).rejects.toThrow("refused");
    await expect(throws).rejects.toThrow("thrown");
  });

  it("runs a task queued by a finished batch in a later batch", async () => {
    const coalescer = new Coalescer();
    const first = await coalescer.run(async () => coalescer.run(async () => "second"));
    expect(first).toBe("second");
  });
});

import { describe, expect, it } from "vitest";
import { createLogger } from "../observability/logger.js";
import { instrumented } from "./stage.js";

const metrics = () => {
  const seen = { observed: [] as string[], errors: [] as string[] };
  return {
    seen,
    stageDuration: { observe: (l: { stage: string }) => void seen.observed.push(l.stage) },
    stageErrors: { inc: (l: { stage: string }) => void seen.errors.push(l.stage) },
  };
};
const envelope = {
  v: 1 as const,
  type: "alerts" as const,
  id: "m1",
  idempotencyKey: "k",
  publishedAt: "",
  payload: {},
};

describe("instrumented", () => {
  it("tells the bus it is still working during a long step, and stops when done", async () => {
    const m = metrics();
    let working = 0;
    const handler = instrumented(
      "collect",
      m,
      createLogger({ level: "silent" }),
      // A long step: it ends once the heartbeat has fired twice (a starved machine can take a while).
      async () => {
        for (const deadline = Date.now() + 10_000; working < 2 && Date.now() < deadline;)
          await new Promise((resolve) => setTimeout(resolve, 10));
      },
      20,
    );
    await handler(envelope, { deliveryCount: 1, working: () => void working++ });
    const during = working;
    expect(during).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(working).toBe(during);
    expect(m.seen.observed).toEqual(["collect"]);
  });

  it("counts an error and rethrows it for the bus to decide", async () => {
    const m = metrics();
    const handler = instrumented("plan", m, createLogger({ level: "silent" }), async () => {
      throw new Error("boom");
    });
    await expect(handler(envelope, { deliveryCount: 1, working: () => undefined })).rejects.toThrow("boom");
    expect(m.seen.errors).toEqual(["plan"]);
    expect(m.seen.observed).toEqual(["plan"]);
  });
});

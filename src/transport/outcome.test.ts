import { describe, expect, it } from "vitest";
import { BackendError, ConfigError, InputError, NotFoundError } from "../core/errors.js";
import { backoffDelay, outcomeFor } from "./outcome.js";

const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };

describe("outcomeFor", () => {
  it("acks a handler that returned nothing or ack", () => {
    expect(outcomeFor({ returned: undefined }, 1, 5, policy)).toEqual({ kind: "ack" });
    expect(outcomeFor({ returned: { kind: "ack" } }, 1, 5, policy)).toEqual({ kind: "ack" });
  });

  it("honours a returned retry or term, capping the delay", () => {
    expect(outcomeFor({ returned: { kind: "retry", delayMs: 50, reason: "later" } }, 1, 5, policy)).toEqual({
      kind: "retry",
      delayMs: 50,
      reason: "later",
    });
    expect(
      outcomeFor({ returned: { kind: "retry", delayMs: 1e9, reason: "x" } }, 1, 5, policy),
    ).toMatchObject({
      delayMs: 1_000,
    });
    expect(outcomeFor({ returned: { kind: "term", reason: "bad" } }, 1, 5, policy)).toEqual({
      kind: "term",
      reason: "bad",
    });
  });

  it("retries a retryable BackendError and unknown errors with exponential backoff", () => {
    const thrown = new BackendError("down", "k8s", true);
    expect(outcomeFor({ thrown }, 1, 5, policy)).toMatchObject({ kind: "retry", delayMs: 100 });
    expect(outcomeFor({ thrown }, 3, 5, policy)).toMatchObject({ kind: "retry", delayMs: 400 });
    expect(outcomeFor({ thrown: new Error("?") }, 2, 5, policy)).toMatchObject({
      kind: "retry",
      delayMs: 200,
      reason: "Error: ?",
    });
    expect(outcomeFor({ thrown: new NotFoundError("x") }, 1, 5, policy).kind).toBe("retry");
    expect(outcomeFor({ thrown: "a string" }, 1, 5, policy).kind).toBe("retry");
  });

  it("terminates poison: InputError, ConfigError, non-retryable BackendError", () => {
    const input = outcomeFor({ thrown: new InputError("bad payload", "payload") }, 1, 5, policy);
    expect(input).toEqual({ kind: "term", reason: "poison message: InputError: bad payload" });
    expect(outcomeFor({ thrown: new ConfigError("no") }, 1, 5, policy).kind).toBe("term");
    expect(outcomeFor({ thrown: new BackendError("403", "forge", false) }, 1, 5, policy)).toMatchObject({
      kind: "term",
    });
  });

  it("terminates a retry on the last allowed delivery", () => {
    const outcome = outcomeFor({ thrown: new BackendError("down", "k8s") }, 5, 5, policy);
    expect(outcome.kind).toBe("term");
    expect(outcome).toMatchObject({ reason: expect.stringContaining("gave up after 5 deliveries") });
    expect(outcomeFor({ returned: { kind: "retry", delayMs: 1, reason: "r" } }, 3, 3, policy).kind).toBe(
      "term",
    );
  });
});

describe("backoffDelay", () => {
  it("doubles from the base and stops at the cap", () => {
    expect([1, 2, 3, 4, 5, 100].map((n) => backoffDelay(n, policy))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });
});

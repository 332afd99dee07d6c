import { describe, expect, it } from "vitest";
import { excerptLog, isErrorLine } from "./log-excerpt.js";

describe("isErrorLine", () => {
  it.each([
    "Caused by: java.net.ConnectException: Connection refused",
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "Traceback (most recent call last):",
    "flag provided but not defined: -listen-addr",
    '{"level":"fatal","msg":"cannot start","error":"dial tcp: lookup redis.x.svc: no such host"}',
    '[INFO] 10.0.0.1:5124 - 1 "A IN redis.checkout.svc.cluster.local. udp" NXDOMAIN qr,aa,rd',
    "git@github.com: Permission denied (publickey).",
    "curl: (22) The requested URL returned error: 404",
    "E0612 10:00:00.000000       1 reflector.go:123] failed to list",
    "process exited with code 137",
    '{"level":50,"msg":"boom"}',
  ])("%s", (line) => {
    expect(isErrorLine(line)).toBe(true);
  });

  it.each([
    "2026-03-10 INFO Started Application in 4.2 seconds",
    "",
    "   ",
    "failureThreshold: 3",
    '{"level":30,"msg":"render done"}',
  ])("not an error: %j", (line) => {
    expect(isErrorLine(line)).toBe(false);
  });
});

describe("excerptLog", () => {
  it("puts error lines first and keeps the tail", () => {
    const text = [
      "starting",
      "connected",
      "ERROR: connection refused to db:5432",
      "retrying",
      "giving up",
      "",
    ].join("\n");
    const excerpt = excerptLog(text);
    expect(excerpt.totalLines).toBe(5);
    expect(excerpt.errorLines).toEqual(["ERROR: connection refused to db:5432"]);
    expect(excerpt.tail).toEqual([
      "starting",
      "connected",
      "ERROR: connection refused to db:5432",
      "retrying",
      "giving up",
    ]);
    expect(excerpt.truncated).toBe(false);
  });

  it("keeps only a few stack lines after an exception header, then the cause", () => {
    const frames = Array.from({ length: 12 }, (_, i) => `\tat com.acme.Frame${i}.run(Frame.java:${i})`);
    const text = [
      "org.springframework.beans.factory.BeanCreationException: Error creating bean",
      ...frames,
      "Caused by: java.lang.NullPointerException: Cannot invoke String.split",
      "\tat com.acme.PaymentRouter.<init>(PaymentRouter.java:41)",
      "\t... 19 common frames omitted",
    ].join("\n");
    const { errorLines } = excerptLog(text, { maxContinuation: 3 });
    expect(errorLines[0]).toContain("BeanCreationException");
    expect(errorLines.slice(1, 4)).toEqual(frames.slice(0, 3));
    expect(errorLines).not.toContain(frames[3]);
    expect(errorLines).toContain("Caused by: java.lang.NullPointerException: Cannot invoke String.split");
    expect(errorLines).toContain("\tat com.acme.PaymentRouter.<init>(PaymentRouter.java:41)");
  });

  it("keeps go panic context", () => {
    const text = [
      '{"level":"INFO","msg":"starting"}',
      "panic: runtime error: invalid memory address or nil pointer dereference",
      "[signal SIGSEGV: segmentation violation code=0x1 addr=0x28 pc=0x1a3f2c4]",
      "",
      "goroutine 1 [running]:",
      "main.run({0x2b81f28, 0xc00019c0f0})",
      "\t/src/cmd/main.go:96 +0x6b2",
    ].join("\n");
    const { errorLines } = excerptLog(text);
    expect(errorLines[0]).toMatch(/^panic:/);
    expect(errorLines).toContain("goroutine 1 [running]:");
    expect(errorLines).toContain("main.run({0x2b81f28, 0xc00019c0f0})");
  });

  it("collapses repeated errors that differ only in numbers", () => {
    const text = Array.from(
      { length: 100 },
      (_, i) => `2026-01-01T00:00:${i % 60}Z WARN redis ping failed attempt=${i}`,
    ).join("\n");
    const excerpt = excerptLog(text);
    expect(excerpt.errorLines).toHaveLength(1);
    expect(excerpt.tail).toHaveLength(30);
    expect(excerpt.totalLines).toBe(100);
    expect(excerpt.truncated).toBe(true);
  });

  it("bounds error lines, line length and total size", () => {
    const text = Array.from(
      { length: 500 },
      (_, i) => `ERROR case ${"x".repeat(i % 7)} ${"y".repeat(800)}`,
    ).join("\n");
    const excerpt = excerptLog(text, { maxErrorLines: 5, maxChars: 10_000 });
    expect(excerpt.errorLines.length).toBeLessThanOrEqual(5);
    expect(excerpt.errorLines.every((l) => l.length <= 501)).toBe(true);
    const chars = [...excerpt.errorLines, ...excerpt.tail].reduce((n, l) => n + l.length, 0);
    expect(chars).toBeLessThanOrEqual(10_000);
    expect(excerpt.truncated).toBe(true);
  });

  it("handles empty text", () => {
    expect(excerptLog("")).toEqual({ totalLines: 0, errorLines: [], tail: [], truncated: false });
  });
});

import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.js";
import { createLogger } from "./logger.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe("createLogger", () => {
  it("writes one JSON object per line at or above the level", () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: "info", destination });
    log.debug("hidden");
    log.info({ alerts: 2 }, "webhook accepted");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: "webhook accepted", alerts: 2 });
    expect(typeof lines[0]?.time).toBe("string");
  });

  it("redacts credentials", () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: "info", destination });
    log.info(
      {
        req: { headers: { authorization: "Bearer s3cret" } },
        auth: { password: "hunter2" },
        openai: { apiKey: "sk-embed-key" },
      },
      "x",
    );
    const line = JSON.stringify(lines[0]);
    expect(line).not.toContain("s3cret");
    expect(line).not.toContain("hunter2");
    expect(line).not.toContain("sk-embed-key");
  });

  it("rejects an unknown level", () => {
    expect(() => createLogger({ level: "loud" })).toThrow(ConfigError);
  });
});

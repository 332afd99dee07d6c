import { describe, expect, it } from "vitest";
import { validate } from "../config/load.js";
import { doctorChecks } from "./doctor-checks.js";

describe("doctorChecks", () => {
  it("checks what the configuration uses, one check per model server with every model it must serve", () => {
    const config = validate({
      store: { kind: "sqlite", path: "/tmp/aiops-doctor.db" },
      bus: { kind: "nats" },
      context: { kind: "none", prometheus: { url: "http://prometheus:9090" } },
      memory: { kind: "embedded", embedder: "ollama", ollama: { url: "http://ollama:11434" } },
      llm: { kind: "ollama", ollama: { url: "http://ollama:11434", model: "mistral" } },
    });
    const checks = doctorChecks(config);
    expect(checks.map((c) => c.name)).toEqual(["sqlite", "nats", "prometheus", "ollama", "git"]);
    expect(checks.find((c) => c.name === "ollama")?.target).toBe("http://ollama:11434");
  });

  it("checks only sqlite and git on the embedded defaults", () => {
    expect(doctorChecks(validate({})).map((c) => c.name)).toEqual(["sqlite", "git"]);
  });
});

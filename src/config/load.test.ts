import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.js";
import { loadConfig } from "./load.js";

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "aiops-config-"));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("loadConfig", () => {
  it("runs on defaults alone", () => {
    const config = loadConfig({ env: {} });
    expect(config.server).toEqual({ host: "127.0.0.1", port: 8080, bodyLimitBytes: 1048576 });
    expect(config.bus.kind).toBe("memory");
    expect(config.store).toMatchObject({ kind: "sqlite", path: "data/aiops.db" });
    expect(config.context.kind).toBe("none");
    expect(config.bus.subjects.alerts).toBe("aiops.alerts");
  });

  it("layers file, then env, then flags", () => {
    const file = tempFile("c.yaml", "server:\n  port: 9000\n  host: 0.0.0.0\nlog:\n  level: debug\n");
    const config = loadConfig({
      file,
      env: { AIOPS_PORT: "9100", AIOPS_LOG_LEVEL: "warn" },
      flags: { log: { level: "error" } },
    });
    expect(config.server.host).toBe("0.0.0.0");
    expect(config.server.port).toBe(9100);
    expect(config.log.level).toBe("error");
  });

  it("reads AIOPS_CONFIG when no file is given, and JSON files too", () => {
    const file = tempFile("c.json", JSON.stringify({ store: { kind: "memory" } }));
    expect(loadConfig({ env: { AIOPS_CONFIG: file } }).store.kind).toBe("memory");
  });

  it("honours NATS_URL and shares state through NATS KV when the bus is NATS", () => {
    const config = loadConfig({ env: { AIOPS_BUS: "nats", NATS_URL: "nats://10.0.0.5:4222" } });
    expect(config.bus.nats.url).toBe("nats://10.0.0.5:4222");
    expect(config.store.kind).toBe("nats-kv");
    expect(loadConfig({ env: { AIOPS_BUS: "nats", AIOPS_STORE: "memory" } }).store.kind).toBe("memory");
    expect(loadConfig({ env: {} }).store.kind).toBe("sqlite");
  });

  it("puts the incident memory on Chroma when CHROMA_URL is set, and off on NATS KV without it", () => {
    expect(loadConfig({ env: {} }).memory.kind).toBeUndefined();
    const chroma = loadConfig({ env: { CHROMA_URL: "http://chroma:8000" } });
    expect(chroma.memory).toMatchObject({ chromaUrl: "http://chroma:8000" });
    expect(() => loadConfig({ env: { CHROMA_URL: "not a url" } })).toThrow(/memory\.chromaUrl/);
  });

  it("rejects half-set NATS credentials and bad subject names", () => {
    expect(() => loadConfig({ env: { NATS_USER: "aiops" } })).toThrow(/bus\.nats\.user/);
    expect(() => loadConfig({ env: { NATS_TLS_CERT_FILE: "/c.pem" } })).toThrow(/certFile/);
    expect(() => loadConfig({ env: { AIOPS_SUBJECT_ALERTS: "aiops.>" } })).toThrow(/bus\.subjects\.alerts/);
  });

  it("reads secrets from *_FILE variables", () => {
    const secret = tempFile("token", "s3cret-token-value\n");
    const config = loadConfig({ env: { AIOPS_WEBHOOK_TOKEN_FILE: secret } });
    expect(config.auth.bearerToken).toBe("s3cret-token-value");
  });

  it("names the bad key in a clear error", () => {
    expect(() => loadConfig({ env: { AIOPS_PORT: "seventy" } })).toThrow(/server\.port/);
    expect(() => loadConfig({ env: { AIOPS_BUS: "kafka" } })).toThrow(/bus\.kind/);
    expect(() => loadConfig({ flags: { server: { bogus: 1 } } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { AIOPS_CONTEXT: "snapshot" } })).toThrow(/context\.snapshot/);
    expect(() => loadConfig({ env: { AIOPS_BASIC_USERNAME: "am" } })).toThrow(/basicUsername/);
  });

  it("rejects unreadable or malformed files", () => {
    expect(() => loadConfig({ file: "/nonexistent/aiops.yaml" })).toThrow(/cannot read config file/);
    expect(() => loadConfig({ file: tempFile("bad.yaml", "server: [unclosed") })).toThrow(/not valid YAML/);
    expect(() => loadConfig({ file: tempFile("list.yaml", "- a\n- b\n") })).toThrow(/mapping/);
  });
});

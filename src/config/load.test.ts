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

  it("chooses the embedder with its settings from the file, env and flags", () => {
    expect(loadConfig({ env: {} }).memory).toMatchObject({
      embedder: "hashing",
      dimension: 384,
      ollama: { url: "http://localhost:11434", model: "nomic-embed-text", timeoutMs: 10_000 },
    });
    const file = tempFile("m.yaml", "memory:\n  embedder: ollama\n  ollama:\n    model: mxbai-embed-large\n");
    const ollama = loadConfig({
      file,
      env: { OLLAMA_URL: "http://ollama:11434", AIOPS_OLLAMA_TIMEOUT_MS: "5000" },
    });
    expect(ollama.memory).toMatchObject({
      embedder: "ollama",
      ollama: { url: "http://ollama:11434", model: "mxbai-embed-large", timeoutMs: 5000 },
    });
    const flagged = loadConfig({
      file,
      env: { AIOPS_MEMORY_EMBEDDER: "hashing" },
      flags: { memory: { embedder: "ollama", ollama: { url: "http://127.0.0.1:11435" } } },
    });
    expect(flagged.memory).toMatchObject({ embedder: "ollama", ollama: { url: "http://127.0.0.1:11435" } });

    const key = tempFile("openai-key", "sk-local-key\n");
    const openai = loadConfig({
      env: {
        AIOPS_MEMORY_EMBEDDER: "openai",
        OPENAI_BASE_URL: "http://127.0.0.1:8000/v1",
        AIOPS_OPENAI_EMBED_MODEL: "bge-small-en-v1.5",
        OPENAI_API_KEY_FILE: key,
        AIOPS_OPENAI_EMBED_DIMENSIONS: "256",
      },
    });
    expect(openai.memory).toMatchObject({
      embedder: "openai",
      openai: {
        baseUrl: "http://127.0.0.1:8000/v1",
        model: "bge-small-en-v1.5",
        apiKey: "sk-local-key",
        dimensions: 256,
        timeoutMs: 10_000,
      },
    });
  });

  it("names what an embedder is missing or given wrong", () => {
    expect(() => loadConfig({ env: { AIOPS_MEMORY_EMBEDDER: "word2vec" } })).toThrow(/memory\.embedder/);
    expect(() => loadConfig({ env: { AIOPS_MEMORY_EMBEDDER: "openai" } })).toThrow(/memory\.openai\.baseUrl/);
    expect(() =>
      loadConfig({ env: { AIOPS_MEMORY_EMBEDDER: "openai", OPENAI_BASE_URL: "http://127.0.0.1:8000" } }),
    ).toThrow(/memory\.openai\.model/);
    expect(() => loadConfig({ env: { OLLAMA_URL: "ollama:11434" } })).toThrow(/memory\.ollama\.url/);
    expect(() => loadConfig({ env: { AIOPS_OLLAMA_TIMEOUT_MS: "soon" } })).toThrow(
      /memory\.ollama\.timeoutMs/,
    );
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

describe("context sources and outcome learning in the configuration", () => {
  it("reads the Kubernetes, Prometheus and Loki settings from env, booleans as words", () => {
    const config = loadConfig({
      env: {
        AIOPS_CONTEXT: "kubernetes",
        KUBECONFIG: "/etc/aiops/kubeconfig",
        AIOPS_KUBE_IN_CLUSTER: "false",
        PROMETHEUS_URL: "http://prometheus.monitoring:9090",
        LOKI_URL: "http://loki.monitoring:3100",
        LOKI_TENANT: "team-a",
        AIOPS_OUTCOME_WINDOW_MS: "600000",
      },
    });
    expect(config.context.kind).toBe("kubernetes");
    expect(config.context.kubernetes).toMatchObject({
      kubeconfig: "/etc/aiops/kubeconfig",
      inCluster: false,
    });
    expect(config.context.prometheus.url).toBe("http://prometheus.monitoring:9090");
    expect(config.context.loki).toMatchObject({ url: "http://loki.monitoring:3100", tenant: "team-a" });
    expect(config.memory.outcomeWindowMs).toBe(600_000);
    expect(loadConfig({ env: { AIOPS_KUBE_IN_CLUSTER: "true" } }).context.kubernetes.inCluster).toBe(true);
  });

  it("names the key of a bad value", () => {
    expect(() => loadConfig({ env: { AIOPS_KUBE_IN_CLUSTER: "maybe" } })).toThrow(
      /context\.kubernetes\.inCluster/,
    );
    expect(() => loadConfig({ env: { PROMETHEUS_URL: "ftp://x" } })).toThrow(/context\.prometheus\.url/);
    expect(() => loadConfig({ env: { AIOPS_OUTCOME_WINDOW_MS: "5" } })).toThrow(/memory\.outcomeWindowMs/);
  });
});

describe("config files with YAML warnings", () => {
  it("refuses an unknown tag instead of taking the value as text", () => {
    const file = join(mkdtempSync(join(tmpdir(), "aiops-cfg-")), "aiops.yaml");
    writeFileSync(file, "server:\n  port: !secret 8081\n");
    expect(() => loadConfig({ file })).toThrow(ConfigError);
    expect(() => loadConfig({ file })).toThrow(/not valid YAML or JSON.*!secret/s);
  });
});

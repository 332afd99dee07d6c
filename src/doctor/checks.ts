/**
 * One check per backend, built from explicit settings (the CLI maps the configuration to
 * them). Each does what the system does at run time, read-only, and names the fix.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import pino from "pino";
import { connectNats, maskCredentials, type NatsConnectionOptions } from "../transport/nats/connection.js";
import { isRecord } from "../core/json.js";
import { withTrailingSlash } from "../context/http.js";
import type { Check, CheckResult } from "./doctor.js";

async function getJson(
  url: string,
  signal: AbortSignal,
  headers: Record<string, string> = {},
): Promise<unknown> {
  const response = await fetch(url, { signal, headers });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text.trim().slice(0, 200)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${url} answered with no JSON`);
  }
}

function unreachable(error: unknown, fix: string): CheckResult {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  return {
    ok: false,
    detail: cause ? `${(error as Error).message} (${cause})` : (error as Error).message,
    fix,
  };
}

export function natsCheck(options: NatsConnectionOptions, stream?: string): Check {
  return {
    name: "nats",
    target: maskCredentials(options.url),
    async run() {
      // One attempt, through the same connection code (and credentials) as the agents.
      const handle = connectNats(
        { ...options, maxReconnectAttempts: 0, connectTimeoutMs: 5_000 },
        pino({ level: "silent" }),
      );
      try {
        let nc;
        try {
          nc = await handle.connection();
        } catch (error) {
          return unreachable(
            error,
            "start nats-server with JetStream (nats-server -js) and check NATS_URL and the credentials (NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_CREDS_FILE, NATS_NKEY_SEED_FILE)",
          );
        }
        try {
          const jsm = await jetstreamManager(nc, { timeout: 5_000 });
          const account = await jsm.getAccountInfo();
          const detail = `server ${nc.info?.version ?? "?"}, JetStream on (${account.streams} streams)`;
          if (!stream) return { ok: true, detail };
          const exists = await jsm.streams.info(stream).then(
            () => true,
            () => false,
          );
          return exists
            ? { ok: true, detail: `${detail}, stream ${stream} exists` }
            : {
                ok: true,
                detail,
                warning: `stream ${stream} does not exist yet; the agents create it at start`,
              };
        } catch (error) {
          return {
            ok: false,
            detail: `connected, but JetStream failed: ${(error as Error).message}`,
            fix: "enable JetStream on the server (nats-server -js, or jetstream {} in its config) and give this user access to $JS.API",
          };
        }
      } finally {
        await handle.close();
      }
    },
  };
}

export function chromaCheck(url: string): Check {
  return {
    name: "chroma",
    target: url,
    async run(signal) {
      try {
        const beat = await getJson(new URL("/api/v2/heartbeat", url).href, signal);
        const version = await getJson(new URL("/api/v2/version", url).href, signal).catch(() => "?");
        return { ok: isRecord(beat), detail: `heartbeat ok, version ${String(version)}` };
      } catch (error) {
        return unreachable(
          error,
          "start ChromaDB (chroma run --path DIR --port 8000) and set CHROMA_URL to it",
        );
      }
    },
  };
}

export function ollamaCheck(url: string, models: string[]): Check {
  return {
    name: "ollama",
    target: url,
    async run(signal) {
      let tags: unknown;
      try {
        tags = await getJson(new URL("/api/tags", url).href, signal);
      } catch (error) {
        return unreachable(error, "start Ollama (ollama serve) and set OLLAMA_URL to it");
      }
      const pulled = (isRecord(tags) && Array.isArray(tags.models) ? tags.models : [])
        .map((m) => (isRecord(m) && typeof m.name === "string" ? m.name : ""))
        .filter(Boolean);
      const has = (model: string) =>
        pulled.some((p) => p === model || p === `${model}:latest` || p.replace(/:latest$/, "") === model);
      const missing = models.filter((m) => !has(m));
      if (missing.length > 0) {
        return {
          ok: false,
          detail: `${pulled.length} models pulled, not ${missing.join(", ")}`,
          fix: missing.map((m) => `ollama pull ${m}`).join(" && "),
        };
      }
      return {
        ok: true,
        detail: `${pulled.length} models pulled, including ${models.join(", ") || "none needed"}`,
      };
    },
  };
}

export function openAiCheck(url: string, apiKey: string | undefined, models: string[]): Check {
  return {
    name: "openai",
    target: url,
    async run(signal) {
      let list: unknown;
      try {
        // The base may be given with or without /v1, as for the embedder.
        const base = url.replace(/\/+$/, "");
        list = await getJson(
          `${/\/v\d+$/.test(base) ? base : `${base}/v1`}/models`,
          signal,
          apiKey ? { authorization: `Bearer ${apiKey}` } : {},
        );
      } catch (error) {
        return unreachable(error, "check the base URL (it ends in /v1) and the API key");
      }
      const ids = (isRecord(list) && Array.isArray(list.data) ? list.data : [])
        .map((m) => (isRecord(m) && typeof m.id === "string" ? m.id : ""))
        .filter(Boolean);
      const missing = models.filter((m) => !ids.includes(m));
      return missing.length > 0 && ids.length > 0
        ? {
            ok: false,
            detail: `serves ${ids.length} models, not ${missing.join(", ")}`,
            fix: `load ${missing.join(", ")} in the server, or configure a model it serves`,
          }
        : { ok: true, detail: `serves ${ids.length} models` };
    },
  };
}

export function prometheusCheck(url: string): Check {
  return {
    name: "prometheus",
    target: url,
    async run(signal) {
      const query = async (q: string) => {
        const body = await getJson(
          new URL(`api/v1/query?query=${encodeURIComponent(q)}`, withTrailingSlash(url)).href,
          signal,
        );
        const result =
          isRecord(body) && isRecord(body.data) && Array.isArray(body.data.result) ? body.data.result : [];
        const first = result[0];
        return isRecord(first) && Array.isArray(first.value) ? Number(first.value[1]) : 0;
      };
      let targets: number;
      try {
        targets = await query("count(up)");
      } catch (error) {
        return unreachable(
          error,
          "check the Prometheus URL (the context.prometheus setting); it must answer /api/v1/query",
        );
      }
      const [ksm, cadvisor] = await Promise.all([
        query("count(kube_pod_info)").catch(() => 0),
        query("count(container_memory_working_set_bytes)").catch(() => 0),
      ]);
      const missing = [
        ksm === 0 ? "kube-state-metrics (kube_pod_info)" : "",
        cadvisor === 0 ? "cAdvisor (container_memory_working_set_bytes)" : "",
      ].filter(Boolean);
      return {
        ok: true,
        detail: `${targets} targets up`,
        ...(missing.length > 0
          ? {
              warning: `no series from ${missing.join(" or ")}: the memory, CPU and restart evidence will be missing`,
            }
          : {}),
      };
    },
  };
}

export function lokiCheck(url: string, tenant?: string): Check {
  return {
    name: "loki",
    target: url,
    async run(signal) {
      try {
        const labels = await getJson(
          new URL("loki/api/v1/labels", withTrailingSlash(url)).href,
          signal,
          tenant ? { "X-Scope-OrgID": tenant } : {},
        );
        const names = isRecord(labels) && Array.isArray(labels.data) ? (labels.data as unknown[]) : [];
        const needed = ["namespace", "pod"].filter((l) => !names.includes(l));
        return {
          ok: true,
          detail: `${names.length} labels`,
          ...(needed.length > 0
            ? {
                warning: `no ${needed.join("/")} label: the log labels setting must name the ones your agent writes`,
              }
            : {}),
        };
      } catch (error) {
        return unreachable(
          error,
          "check the Loki URL and, for a multi-tenant Loki, the tenant (X-Scope-OrgID)",
        );
      }
    },
  };
}

export function gitCheck(): Check {
  return {
    name: "git",
    target: "git",
    run: () =>
      new Promise((resolve) => {
        execFile("git", ["--version"], (error, stdout) => {
          resolve(
            error
              ? { ok: false, detail: error.message, fix: "install git (apt-get install git)" }
              : { ok: true, detail: stdout.trim() },
          );
        });
      }),
  };
}

export function sqliteCheck(path: string): Check {
  return {
    name: "sqlite",
    target: path,
    async run() {
      if (path === ":memory:") return { ok: true, detail: "in memory (nothing survives a restart)" };
      const target = existsSync(path) ? path : dirname(path);
      try {
        accessSync(target, constants.W_OK);
        return {
          ok: true,
          detail: existsSync(path) ? "file writable" : "directory writable; the file is created at start",
        };
      } catch {
        return {
          ok: false,
          detail: `${target} is not writable`,
          fix: `make ${target} writable by this user, or set store.path (AIOPS_DB)`,
        };
      }
    },
  };
}

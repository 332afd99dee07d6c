import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nkeys } from "@nats-io/transport-node";
import { pino } from "pino";
import type { Logger } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startNatsServer } from "../../harness/nats-server.js";
import type { NatsServer } from "../../harness/nats-server.js";
import { BackendError, ConfigError } from "../../core/errors.js";
import { waitFor } from "../bus.contract.js";
import { connectNats, maskCredentials } from "./connection.js";
import type { NatsConnectionHandle, NatsConnectionOptions } from "./connection.js";

function capture(): { logger: Logger; lines: string[]; messages: () => string[] } {
  const lines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, messages: () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

describe("connectNats", () => {
  const servers: NatsServer[] = [];
  const handles: NatsConnectionHandle[] = [];
  const dirs: string[] = [];
  const server = async (args?: string[]) => {
    const s = await startNatsServer({ args });
    servers.push(s);
    return s;
  };
  const open = (options: NatsConnectionOptions, logger: Logger) => {
    const handle = connectNats({ reconnectWaitMs: 100, maxConnectBackoffMs: 200, ...options }, logger);
    handles.push(handle);
    return handle;
  };
  afterEach(async () => {
    for (const h of handles.splice(0)) await h.close();
    for (const s of servers.splice(0)) await s.dispose();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("keeps trying while NATS is unreachable, one log line per attempt, and connects once it is up", async () => {
    const s = await server();
    await s.stop();
    const log = capture();
    const handle = open({ url: s.url }, log.logger);
    await handle.firstAttempt();
    expect(handle.isConnected()).toBe(false);
    await waitFor(() => log.messages().filter((m) => m.includes("unreachable")).length >= 2, "two attempts");
    expect(log.messages()[0]).toMatch(
      new RegExp(`^NATS at nats://127\\.0\\.0\\.1:${s.port} unreachable: .+; retrying in 0\\.1s$`),
    );
    await s.start();
    const nc = await handle.connection();
    expect(handle.isConnected()).toBe(true);
    expect(handle.current()).toBe(nc);
    expect(log.messages().some((m) => m.startsWith("NATS connected to"))).toBe(true);
  });

  it("logs a disconnect and a reconnect, and tells listeners of each connect", async () => {
    const s = await server();
    const log = capture();
    const handle = open({ url: s.url, name: "aiops-test" }, log.logger);
    let connects = 0;
    handle.onConnect(() => connects++);
    await handle.connection();
    expect(connects).toBe(1);
    await s.stop();
    await waitFor(() => !handle.isConnected(), "the disconnect");
    expect(log.messages().some((m) => m.startsWith("NATS disconnected from"))).toBe(true);
    await s.start();
    await waitFor(() => handle.isConnected(), "the reconnect");
    expect(log.messages().some((m) => m.startsWith("NATS reconnected to"))).toBe(true);
    expect(connects).toBe(2);
  });

  it("authenticates with user and password, and never logs them", async () => {
    const s = await server(["--user", "aiops", "--pass", "s3cret-pass"]);
    const ok = capture();
    const handle = open({ url: s.url, user: "aiops", pass: "s3cret-pass" }, ok.logger);
    await handle.connection();
    expect(handle.isConnected()).toBe(true);

    const bad = capture();
    const refused = open({ url: `nats://aiops:wrong-pass@127.0.0.1:${s.port}` }, bad.logger);
    await refused.firstAttempt();
    expect(refused.isConnected()).toBe(false);
    await waitFor(() => bad.lines.length >= 1, "a log line");
    expect(refused.servers).toBe(`nats://***@127.0.0.1:${s.port}`);
    for (const line of [...ok.lines, ...bad.lines]) {
      expect(line).not.toContain("s3cret-pass");
      expect(line).not.toContain("wrong-pass");
    }
  });

  it("authenticates with a token", async () => {
    const s = await server(["--auth", "t0ken-value"]);
    const handle = open({ url: s.url, token: "t0ken-value" }, capture().logger);
    await handle.connection();
    expect(handle.isConnected()).toBe(true);
  });

  it("reads the NKey seed file when it connects", async () => {
    const user = nkeys.createUser();
    const dir = mkdtempSync(join(tmpdir(), "aiops-nkey-"));
    dirs.push(dir);
    const conf = join(dir, "server.conf");
    writeFileSync(conf, `authorization { users = [ { nkey: ${user.getPublicKey()} } ] }\n`);
    const seedFile = join(dir, "user.nk");
    const s = await server(["-c", conf]);
    const log = capture();
    // The file does not exist yet: the attempt fails, naming the file, and is retried.
    const handle = open({ url: s.url, nkeySeedFile: seedFile }, log.logger);
    await waitFor(() => log.messages().some((m) => m.includes("unreachable")), "a failed attempt");
    expect(handle.isConnected()).toBe(false);
    writeFileSync(seedFile, `${new TextDecoder().decode(user.getSeed())}\n`);
    await handle.connection();
    expect(handle.isConnected()).toBe(true);
    const seed = new TextDecoder().decode(user.getSeed());
    for (const line of log.lines) expect(line).not.toContain(seed);
  });

  it("stops retrying when closed, and gives up after maxReconnectAttempts", async () => {
    const s = await server();
    await s.stop();
    const log = capture();
    const handle = open({ url: s.url }, log.logger);
    await handle.firstAttempt();
    await handle.close();
    await expect(handle.connection()).rejects.toBeInstanceOf(BackendError);
    const count = log.lines.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(log.lines.length).toBe(count);

    const limited = open({ url: s.url, maxReconnectAttempts: 1 }, capture().logger);
    await expect(limited.connection()).rejects.toMatchObject({ backend: "nats" });
  });

  it("rejects options that can never work", () => {
    const logger = capture().logger;
    expect(() => connectNats({ url: " , " }, logger)).toThrow(ConfigError);
    expect(() => connectNats({ url: "nats://x", user: "u" }, logger)).toThrow(ConfigError);
    expect(() => connectNats({ url: "nats://x", tls: { certFile: "c" } }, logger)).toThrow(ConfigError);
    expect(() => connectNats({ url: "nats://x", maxReconnectAttempts: -2 }, logger)).toThrow(ConfigError);
  });

  it("masks credentials in server URLs", () => {
    expect(maskCredentials("nats://u:p@host:4222")).toBe("nats://***@host:4222");
    expect(maskCredentials("tls://token@host")).toBe("tls://***@host");
    expect(maskCredentials("host:4222")).toBe("host:4222");
  });
});

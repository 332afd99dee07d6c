import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../src/harness/nats-server.js";
import { BIN, haveBuild, runCli } from "./helpers/processes.js";
import { DEMO_SNAPSHOT, REPO, tempDir } from "./helpers/system.js";

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The built CLI is what users run; `npm test` builds before testing.
describe.skipIf(!haveBuild)("the aiops command", () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  });

  it("starts, takes replayed webhooks, diagnoses them, and drains on SIGTERM", async () => {
    const port = await freePort();
    const db = join(tempDir(), "aiops.db");
    const child = spawn(
      process.execPath,
      [BIN, "start", "--port", String(port), "--db", db, "--snapshot", DEMO_SNAPSHOT, "--log-level", "info"],
      { env: { ...process.env, AIOPS_WEBHOOK_TOKEN: "cli-test-token-123" } },
    );
    children.push(child);
    let logs = "";
    child.stdout?.on("data", (d: Buffer) => (logs += d.toString()));
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined));

    const replay = await runCli(
      ["replay", join(REPO, "examples/webhooks/crashloop-firing.json"), "--url", base],
      {
        AIOPS_WEBHOOK_TOKEN: "cli-test-token-123",
      },
    );
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/^202 /m);

    const headers = { authorization: "Bearer cli-test-token-123" };
    const incident = await waitFor(async () => {
      const page = (await (await fetch(`${base}/api/incidents?state=planned`, { headers })).json()) as {
        items: { id: string }[];
      };
      return page.items[0];
    });
    const full = (await (await fetch(`${base}/api/incidents/${incident.id}`, { headers })).json()) as {
      diagnosis: { category: string };
      plan: { action: string; params: { memory: string } };
    };
    expect(full.diagnosis.category).toBe("oom_killed");
    expect(full.plan.action).toBe("increase_memory_limit");

    // Every agent line about the incident carries its id as a field, not only in text. The
    // API can say "planned" before the last lines are read from the pipe: wait for them,
    // and parse only whole lines.
    const agentLinesOf = (): Record<string, unknown>[] =>
      logs
        .slice(0, logs.lastIndexOf("\n"))
        .split("\n")
        .filter((l) => l.includes(incident.id))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => typeof l.agent === "string");
    const agentLines = await waitFor(async () => {
      const lines = agentLinesOf();
      const msgs = lines.map((l) => l.msg);
      return msgs.includes("incident opened") && msgs.includes("incident diagnosed") ? lines : undefined;
    }).catch(() => agentLinesOf());
    expect(agentLines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(["incident opened", "incident diagnosed"]),
    );
    for (const line of agentLines) expect(line).toHaveProperty("incidentId", incident.id);
    expect(logs).not.toContain("cli-test-token-123");

    const token = { AIOPS_WEBHOOK_TOKEN: "cli-test-token-123" };
    const confirm = await runCli(
      ["feedback", incident.id, "--confirm", "--note", "right call", "--url", base],
      token,
    );
    expect(confirm.code).toBe(0);
    expect(JSON.parse(confirm.stdout).feedback[0]).toMatchObject({ verdict: "confirm", note: "right call" });
    expect((await runCli(["feedback", incident.id, "--url", base], token)).code).toBe(65);
    expect((await runCli(["feedback", "inc-none", "--confirm", "--url", base], token)).code).toBe(66);
    expect((await runCli(["feedback", incident.id, "--confirm", "--url", base])).code).toBe(77);

    expect((await runCli(["reject", "inc-none", "--url", base], token)).code).toBe(66);
    const rejected = await runCli(["reject", incident.id, "--note", "not now", "--url", base], token);
    expect(rejected.code).toBe(0);
    expect(JSON.parse(rejected.stdout).proposal).toMatchObject({
      state: "rejected",
      decision: { verdict: "rejected", note: "not now" },
    });
    // Decided already: the instance answers 409.
    const late = await runCli(["approve", incident.id, "--url", base], token);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/rejected already/);

    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
  }, 60_000);

  it("refuses an invalid configuration with exit code 78 and names the key", async () => {
    const result = await runCli(["start", "--port", "not-a-port"]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain("server.port");
  });

  it("reports a missing replay path with exit code 66", async () => {
    const result = await runCli(["replay", "/nonexistent/webhooks"]);
    expect(result.code).toBe(66);
    expect(result.stderr).toContain("/nonexistent/webhooks");
  });

  it("doctor: exit 0 when every configured backend works, 69 with the fix when one does not", async () => {
    const ok = await runCli(["doctor"], { AIOPS_DB_PATH: join(tempDir(), "aiops.db") });
    expect(ok.stdout).toMatch(/^ok {4}sqlite/m);
    expect(ok.stdout).toMatch(/backends work$/m);
    expect(ok.code).toBe(0);
    const deadPort = await freePort();
    const failing = await runCli(["doctor", "--timeout-ms", "5000"], {
      AIOPS_BUS: "nats",
      NATS_URL: `nats://127.0.0.1:${deadPort}`,
      PROMETHEUS_URL: `http://127.0.0.1:${deadPort}`,
    });
    expect(failing.code).toBe(69);
    expect(failing.stdout).toMatch(/^FAIL {2}nats/m);
    expect(failing.stdout).toMatch(/^FAIL {2}prometheus/m);
    expect(failing.stdout).toMatch(/fix: start nats-server with JetStream/);
  });

  it("applied: records a remediation on a running instance, and says when it cannot", async () => {
    const unreachable = await runCli(["applied", "inc-1", "--url", `http://127.0.0.1:${await freePort()}`]);
    expect(unreachable.code).toBe(69);
    expect(unreachable.stderr).toMatch(/cannot reach/);
    const badVia = await runCli(["applied", "inc-1", "--via", "pushed"]);
    expect(badVia.code).toBe(2);
  });

  it("approve and reject: decide on a running instance's proposal, and say when they cannot", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    for (const verb of ["approve", "reject"]) {
      const unreachable = await runCli([verb, "inc-1", "--note", "n", "--url", url]);
      expect(unreachable.code).toBe(69);
      expect(unreachable.stderr).toMatch(/cannot reach/);
      expect((await runCli([verb])).code).toBe(2);
      expect((await runCli([verb, "inc-1", "--color", "red"])).code).toBe(2);
    }
  });
});

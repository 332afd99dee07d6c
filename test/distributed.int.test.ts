/**
 * The agents as separate processes on a real nats-server with JetStream: what the
 * collector answered 202 for is diagnosed and planned exactly once, through agent
 * crashes, a server restart and replicas sharing the work.
 */
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer, freePort, type NatsServer } from "../src/harness/nats-server.js";
import { distinctWebhook, haveBuild, postTo, startAgent, type AgentProcess } from "./helpers/processes.js";
import { DEMO_SNAPSHOT } from "./helpers/system.js";

type Summary = { id: string; state: string };

async function incidents(port: number): Promise<Summary[]> {
  const all: Summary[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = (await (
      await fetch(`http://127.0.0.1:${port}/api/incidents?limit=500&offset=${offset}`)
    ).json()) as {
      items: Summary[];
      total: number;
    };
    all.push(...page.items);
    if (all.length >= page.total || page.items.length === 0) return all;
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The store can say "planned" before this process has read the agents' last log lines
 * from their pipes: give the pipes a moment, then let the caller assert exact counts
 * (a duplicate still shows as more than expected).
 */
async function logsCaughtUp(count: () => number, expected: number): Promise<void> {
  await waitUntil(`${expected} log lines`, async () => count() >= expected, 10_000).catch(() => undefined);
}

function diagnosedIds(processes: AgentProcess[]): string[] {
  return processes.flatMap((p) =>
    p
      .lines()
      .filter((l) => l.msg === "incident diagnosed")
      .map((l) => String(l.incidentId)),
  );
}

function plannedIds(processes: AgentProcess[]): string[] {
  return processes.flatMap((p) =>
    p
      .lines()
      .filter((l) => l.msg === "remediation proposed")
      .map((l) => String(l.incidentId)),
  );
}

function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
}

describe.skipIf(!haveBuild)("agents as separate processes on NATS JetStream", () => {
  let nats: NatsServer;
  const processes: AgentProcess[] = [];
  let run = 0;

  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats?.dispose();
  });
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((p) => p.kill("SIGKILL")));
  });

  /** Each test gets its own stream, subjects and KV bucket on the shared server. */
  function natsEnv(): NodeJS.ProcessEnv {
    run += 1;
    return {
      NATS_URL: nats.url,
      AIOPS_NATS_STREAM: `AIOPS_T${run}`,
      AIOPS_KV_BUCKET: `incidents_t${run}`,
      AIOPS_SUBJECT_ALERTS: `t${run}.alerts`,
      AIOPS_SUBJECT_INCIDENTS: `t${run}.incidents`,
      AIOPS_SUBJECT_DIAGNOSES: `t${run}.diagnoses`,
      AIOPS_SUBJECT_REMEDIATIONS: `t${run}.remediations`,
      AIOPS_SUBJECT_NOTIFICATIONS: `t${run}.notifications`,
      AIOPS_SUBJECT_DEAD_LETTER: `t${run}.deadletter`,
      AIOPS_LOG_LEVEL: "info",
    };
  }

  async function agent(name: string, command: string, env: NodeJS.ProcessEnv, extra: string[] = []) {
    const args = command === "collector" ? ["--snapshot", DEMO_SNAPSHOT, ...extra] : extra;
    const p = startAgent(name, command, await freePort(), args, env);
    processes.push(p);
    await p.ready();
    return p;
  }

  it("runs the pipeline across three processes: webhooks in, one diagnosis and one plan each", async () => {
    const env = natsEnv();
    const collector = await agent("collector", "collector", env);
    const rca = await agent("rca", "rca", env);
    const remediator = await agent("remediator", "remediator", env);

    const count = 30;
    for (let i = 0; i < count; i++) expect(await postTo(collector.port, distinctWebhook(i))).toBe(202);
    await waitUntil("every incident planned", async () => {
      const list = await incidents(collector.port);
      return list.length === count && list.every((i) => i.state === "planned");
    });
    await logsCaughtUp(() => diagnosedIds([rca]).length, count);
    expect(new Set(diagnosedIds([rca])).size).toBe(count);
    expect(duplicates(diagnosedIds([rca]))).toEqual([]);
    expect(duplicates(plannedIds([remediator]))).toEqual([]);
    const one = (await incidents(collector.port))[0] as Summary;
    const full = (await (
      await fetch(`http://127.0.0.1:${collector.port}/api/incidents/${one.id}`)
    ).json()) as {
      diagnosis: unknown;
      plan: { action: string };
    };
    expect(full.diagnosis).toBeDefined();
    expect(full.plan.action).toBeTypeOf("string");
  }, 120_000);

  it("loses nothing and duplicates nothing when an RCA agent is killed with -9 and restarted", async () => {
    const env = { ...natsEnv(), AIOPS_NATS_ACK_WAIT_MS: "5000" };
    const collector = await agent("collector", "collector", env);
    const first = await agent("rca-1", "rca", env);
    const remediator = await agent("remediator", "remediator", env);

    const count = 300;
    const posts = [];
    for (let i = 0; i < count; i++) posts.push(postTo(collector.port, distinctWebhook(i)));
    expect((await Promise.all(posts)).every((s) => s === 202)).toBe(true);
    await waitUntil("the first diagnoses", async () => diagnosedIds([first]).length > 0);
    await first.kill("SIGKILL");
    const second = await agent("rca-2", "rca", env);

    await waitUntil("every incident planned", async () => {
      const list = await incidents(collector.port);
      return list.length === count && list.every((i) => i.state === "planned");
    });
    // A process killed with -9 can lose its last buffered log lines, never a duplicate.
    await logsCaughtUp(() => new Set(plannedIds([remediator])).size, count);
    const diagnosed = diagnosedIds([first, second]);
    expect(duplicates(diagnosed)).toEqual([]);
    expect(diagnosedIds([second]).length).toBeGreaterThan(0);
    expect(duplicates(plannedIds([remediator]))).toEqual([]);
    expect(new Set(plannedIds([remediator])).size).toBe(count);
  }, 180_000);

  it("keeps every alert it answered 202 for through a nats-server restart", async () => {
    // An ack lost with the server is redelivered after the ack wait: keep it short here.
    const env = { ...natsEnv(), AIOPS_NATS_ACK_WAIT_MS: "3000" };
    const collector = await agent("collector", "collector", env);
    await agent("rca", "rca", env);
    await agent("remediator", "remediator", env);

    const accepted: number[] = [];
    const rejected: number[] = [];
    let i = 0;
    const send = async (n: number) => {
      for (const end = i + n; i < end; i++) {
        const status = await postTo(collector.port, distinctWebhook(i));
        (status === 202 ? accepted : rejected).push(i);
      }
    };
    await send(20);
    await nats.stop();
    await send(10);
    await nats.start();
    await waitUntil("the collector is ready again", async () => {
      return (await fetch(`http://127.0.0.1:${collector.port}/readyz`)).status === 200;
    });
    await send(20);

    expect(rejected.length).toBeGreaterThan(0);
    await waitUntil("every accepted alert planned", async () => {
      const list = await incidents(collector.port);
      return list.length === accepted.length && list.every((x) => x.state === "planned");
    });
  }, 180_000);

  it("shares the work between two RCA replicas", async () => {
    const env = natsEnv();
    const collector = await agent("collector", "collector", env);
    const a = await agent("rca-a", "rca", env);
    const b = await agent("rca-b", "rca", env);
    await agent("remediator", "remediator", env);

    const count = 200;
    const posts = [];
    for (let i = 0; i < count; i++) posts.push(postTo(collector.port, distinctWebhook(i)));
    await Promise.all(posts);
    await waitUntil("every incident planned", async () => {
      const list = await incidents(collector.port);
      return list.length === count && list.every((x) => x.state === "planned");
    });
    await logsCaughtUp(() => diagnosedIds([a, b]).length, count);
    expect(diagnosedIds([a]).length).toBeGreaterThan(0);
    expect(diagnosedIds([b]).length).toBeGreaterThan(0);
    expect(duplicates(diagnosedIds([a, b]))).toEqual([]);
    expect(diagnosedIds([a, b]).length).toBe(count);
  }, 120_000);

  it("runs all three agents in one process with start --bus nats", async () => {
    const env = natsEnv();
    const all = await agent("all", "start", env, ["--bus", "nats", "--snapshot", DEMO_SNAPSHOT]);
    for (let i = 0; i < 5; i++) expect(await postTo(all.port, distinctWebhook(i))).toBe(202);
    await waitUntil("every incident planned", async () => {
      const list = await incidents(all.port);
      return list.length === 5 && list.every((x) => x.state === "planned");
    });
  }, 60_000);

  it("waits for NATS when it is unreachable at start: not ready, a clear log line, no exit", async () => {
    const env = natsEnv();
    await nats.stop();
    const port = await freePort();
    const collector = startAgent("collector", "collector", port, ["--snapshot", DEMO_SNAPSHOT], env);
    processes.push(collector);
    try {
      await waitUntil("a log line naming the unreachable server", async () =>
        collector
          .lines()
          .some((l) => String(l.msg).includes("unreachable") && String(l.msg).includes(nats.url)),
      );
      let status = 0;
      await waitUntil("the health endpoint", async () => {
        status = (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
        return true;
      });
      expect(status).toBe(503);
      expect(await postTo(port, distinctWebhook(1))).toBe(503);
      expect(collector.child.exitCode).toBeNull();
    } finally {
      await nats.start();
    }
    await collector.ready(60_000);
    expect(await postTo(port, distinctWebhook(2))).toBe(202);
  }, 120_000);

  it("puts a poison message on the dead-letter subject with its reason", async () => {
    const env = natsEnv();
    const collector = await agent("collector", "collector", env);
    await agent("rca", "rca", env);

    const nc = await connect({ servers: nats.url });
    try {
      const js = jetstream(nc);
      await js.publish(
        String(env.AIOPS_SUBJECT_INCIDENTS),
        new TextEncoder().encode('{"v":1,"type":"incidents"'),
        {
          msgID: "poison-1",
        },
      );
    } finally {
      await nc.close();
    }
    await waitUntil("the dead letter", async () => {
      const body = (await (await fetch(`http://127.0.0.1:${collector.port}/api/dead-letters`)).json()) as {
        items: { stage: string; reason: string }[];
      };
      return body.items.some((d) => d.stage === "incidents" && d.reason.length > 0);
    });
  }, 60_000);
});

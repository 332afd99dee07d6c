/**
 * One fault row's world: a fresh nats-server, Chroma server, fake Kubernetes API (the
 * row's workloads), fake Ollama, fake GitHub and bare GitOps remote, and the three agents
 * as processes of the build. Every row gets its own, so rows never see each other's
 * messages, incidents, memories, branches or pull requests.
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startChromaServer, type ChromaServer } from "../../src/harness/chroma-server.js";
import { freePort, startNatsServer, type NatsServer } from "../../src/harness/nats-server.js";
import type { FakeEmbeddingServer } from "../fakes/fake-http.js";
import { startFakeForge, type FakeForge } from "../fakes/forge-servers.js";
import { startFakeKubeApiServer, type FakeKubeApiServer } from "../fakes/kube-api-server.js";
import { startFakeOllama } from "../fakes/ollama-embed-server.js";
import { bareRemote, gitopsFixture } from "../helpers/git-remote.js";
import { startAgent, type AgentProcess } from "../helpers/processes.js";
import { tempDir } from "../helpers/system.js";
import { workloads } from "./workloads.js";

const AGENTS = ["collector", "rca", "remediator"] as const;
export type AgentName = (typeof AGENTS)[number];

/** What the fake model does with a chat request. */
export const LlmMode = {
  /** A valid answer that defers to the analyzers. */
  Normal: "normal",
  /** No answer within llm.timeoutMs. */
  Timeout: "timeout",
  /** Text that is not the answer's JSON. */
  Garbage: "garbage",
} as const;
export type LlmMode = (typeof LlmMode)[keyof typeof LlmMode];

/** The model's bound on one call in the suite; the timeout mode answers after twice this. */
const LLM_TIMEOUT_MS = 1_500;

export interface RigOptions {
  /** Alerts (and workloads) of the row. */
  count: number;
  /** Extra environment for every agent (AIOPS_MAX_DELIVER, say). */
  env?: NodeJS.ProcessEnv;
}

export interface Rig {
  readonly nats: NatsServer;
  readonly chroma: ChromaServer;
  readonly kube: FakeKubeApiServer;
  readonly ollama: FakeEmbeddingServer;
  readonly forge: FakeForge;
  /** The bare GitOps remote. */
  readonly remote: string;
  /** The remediator's clone of it. */
  readonly workdir: string;
  /** The collector's port: webhook and API. */
  readonly port: number;
  /** Every process started, killed ones included (their log lines count). */
  readonly processes: AgentProcess[];
  setLlm(mode: LlmMode): void;
  /** The model server goes away (connections refused). */
  llmDown(): Promise<void>;
  /** The next `times` pushes to the remote are refused as non-fast-forward (see pushRejectHook). */
  rejectPushes(times: number): void;
  /** Pushes still to be refused: 0 once the hook refused them all. */
  pushesLeftToReject(): number;
  /** The running process of an agent. */
  agent(name: AgentName): AgentProcess;
  /** kill -9 of an agent. */
  kill(name: AgentName): Promise<void>;
  /** Starts the agent again with the same command, port and environment. */
  restart(name: AgentName): Promise<void>;
  dispose(): Promise<void>;
}

/** A model answer that defers to the analyzers: valid, low confidence. */
const DEFERRING_ANSWER = JSON.stringify({
  summary: "The evidence does not show more than the analyzers found.",
  category: "unknown",
  confidence: 0.2,
  evidence: [],
  contradicts: [],
  action: "manual",
  params: [],
  target: { kind: "", namespace: "", name: "", container: "" },
});

/**
 * A pre-receive hook that refuses the next pushes counted in `reject-pushes` beside the
 * remote: the odd ones after pushing a concurrent commit to the same branch first (the
 * race of two proposers: the client's push then loses as a non-fast-forward would, and
 * the proposer must adopt the branch it finds), the even ones with nothing on the remote
 * (the push is retried on redelivery).
 */
function pushRejectHook(remote: string): string {
  const counter = join(remote, "reject-pushes");
  writeFileSync(counter, "0\n");
  const hook = join(remote, "hooks", "pre-receive");
  writeFileSync(
    hook,
    `#!/bin/sh
left=$(cat '${counter}')
if [ "$left" -le 0 ]; then cat >/dev/null; exit 0; fi
echo $((left - 1)) > '${counter}'
while read old new ref; do
  if [ $((left % 2)) -eq 1 ]; then
    # Outside the push's quarantine, where ref updates are refused and objects are dropped.
    out="env -u GIT_QUARANTINE_PATH -u GIT_OBJECT_DIRECTORY -u GIT_ALTERNATE_OBJECT_DIRECTORIES"
    tree=$($out git rev-parse 'refs/heads/main^{tree}')
    theirs=$(echo "a concurrent proposal" | $out git commit-tree "$tree" -p refs/heads/main)
    $out git update-ref "$ref" "$theirs"
  fi
  echo "! [rejected] $ref (non-fast-forward): injected by the fault suite" >&2
done
exit 1
`,
  );
  chmodSync(hook, 0o755);
  return counter;
}

export async function startRig(options: RigOptions): Promise<Rig> {
  const { objects, logs } = workloads(options.count);
  const nats = await startNatsServer();
  const chroma = await startChromaServer();
  const kube = await startFakeKubeApiServer({ objects, logs });
  let llmMode: LlmMode = LlmMode.Normal;
  const ollama = await startFakeOllama({
    chat: () => (llmMode === LlmMode.Garbage ? "the model rambles {not: json" : DEFERRING_ANSWER),
  });
  const forge = await startFakeForge("github");
  const { remote } = bareRemote(gitopsFixture(join(tempDir("aiops-faults-repo-"), "repo"), objects));
  const rejectCounter = pushRejectHook(remote);
  const port = await freePort();
  const workdir = join(tempDir("aiops-faults-work-"), "gitops");
  const config = join(tempDir("aiops-faults-config-"), "collector.yaml");
  // Evidence gathering gives up sooner than in production, so a row with the API failing
  // ends in minutes: what was not read by then is a gap in the evidence.
  writeFileSync(config, "context:\n  kubernetes:\n    deadlineMs: 4000\n    requestTimeoutMs: 1500\n");

  const common: NodeJS.ProcessEnv = {
    NATS_URL: nats.url,
    AIOPS_LOG_LEVEL: "info",
    // A killed agent's unacknowledged message comes back after this.
    AIOPS_NATS_ACK_WAIT_MS: "3000",
    AIOPS_MEMORY: "chroma",
    CHROMA_URL: chroma.url,
    ...options.env,
  };
  const commands: Record<AgentName, { port: number; args: string[]; env: NodeJS.ProcessEnv }> = {
    collector: {
      port,
      args: ["--context", "kubernetes", "--kubeconfig", kube.kubeconfigPath],
      env: { ...common, AIOPS_CONFIG: config },
    },
    rca: {
      port: await freePort(),
      args: [],
      env: {
        ...common,
        AIOPS_LLM: "ollama",
        OLLAMA_URL: ollama.url,
        AIOPS_LLM_TIMEOUT_MS: String(LLM_TIMEOUT_MS),
      },
    },
    remediator: {
      port: await freePort(),
      args: [],
      env: {
        ...common,
        AIOPS_GITOPS_REPO: remote,
        AIOPS_GITOPS_WORKDIR: workdir,
        AIOPS_GITOPS_PATHS: "apps",
        AIOPS_FORGE: "github",
        AIOPS_FORGE_URL: forge.url,
        AIOPS_FORGE_REPO: forge.repo,
        AIOPS_FORGE_TOKEN: forge.token,
      },
    },
  };
  const processes: AgentProcess[] = [];
  const running = new Map<AgentName, AgentProcess>();

  async function launch(name: AgentName): Promise<void> {
    const c = commands[name];
    const p = startAgent(name, name, c.port, c.args, c.env);
    processes.push(p);
    running.set(name, p);
    await p.ready(60_000);
  }

  const rig: Rig = {
    nats,
    chroma,
    kube,
    ollama,
    forge,
    remote,
    workdir,
    port,
    processes,
    setLlm(mode) {
      llmMode = mode;
      ollama.setDelay(mode === LlmMode.Timeout ? LLM_TIMEOUT_MS * 2 : 0);
    },
    llmDown: () => ollama.close(),
    rejectPushes(times) {
      writeFileSync(rejectCounter, `${times}\n`);
    },
    pushesLeftToReject: () => Number(readFileSync(rejectCounter, "utf8").trim()),
    agent(name) {
      const p = running.get(name);
      if (!p) throw new Error(`${name} is not running`);
      return p;
    },
    async kill(name) {
      await rig.agent(name).kill("SIGKILL");
      running.delete(name);
    },
    restart: launch,
    async dispose() {
      await Promise.all(processes.map((p) => p.kill("SIGKILL")));
      await forge.close();
      await ollama.close().catch(() => undefined);
      await kube.close();
      await chroma.dispose();
      await nats.dispose();
    },
  };
  try {
    for (const name of AGENTS) await launch(name);
  } catch (error) {
    await rig.dispose();
    throw error;
  }
  return rig;
}

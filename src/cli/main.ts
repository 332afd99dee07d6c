/**
 * The `aiops` command. Only this file and the composition root read the environment.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { loadConfig, setPath } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { createSystem, type Role } from "../main.js";
import { printEvalReport, printModelComparison } from "../eval/report.js";
import { evaluateDir } from "../eval/run.js";
import { compareRuns } from "../eval/compare.js";
import { createLanguageModel } from "../llm/index.js";
import { AuthError, BackendError, ConflictError, InputError, NotFoundError } from "../core/errors.js";
import { ExitCode, exitCodeFor } from "./exit-codes.js";
import { replay } from "./replay.js";
import type { ReplayResult } from "../agents/dead-letters.js";
import type { DeadLetter } from "../transport/bus.js";
import { doctorChecks } from "./doctor-checks.js";
import { formatReport, runDoctor } from "../doctor/doctor.js";
import { defaultTokenFile, readToken } from "../http/credentials.js";
import { DEFAULT_STORE_PATH } from "../config/schema.js";

function ratio(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError("must be a number between 0 and 1");
  return n;
}

/** Flags that override configuration keys, as `--flag` → dotted key. */
const CONFIG_FLAGS: { flag: string; key: string; path: string; description: string }[] = [
  { flag: "--host <host>", key: "host", path: "server.host", description: "listen address" },
  { flag: "--port <port>", key: "port", path: "server.port", description: "listen port" },
  { flag: "--bus <kind>", key: "bus", path: "bus.kind", description: "bus: memory | nats" },
  {
    flag: "--nats-url <url>",
    key: "natsUrl",
    path: "bus.nats.url",
    description: "NATS server(s), comma-separated",
  },
  {
    flag: "--store <kind>",
    key: "store",
    path: "store.kind",
    description: "incident store: sqlite | memory | nats-kv",
  },
  { flag: "--db <path>", key: "db", path: "store.path", description: "SQLite file" },
  {
    flag: "--snapshot <file>",
    key: "snapshot",
    path: "context.snapshot",
    description: "use a cluster snapshot (scenario or kubectl List JSON) as the cluster",
  },
  {
    flag: "--memory-embedder <kind>",
    key: "memoryEmbedder",
    path: "memory.embedder",
    description: "incident memory embedder: hashing | ollama | openai",
  },
  {
    flag: "--ollama-url <url>",
    key: "ollamaUrl",
    path: "memory.ollama.url",
    description: "Ollama server of the ollama embedder",
  },
  {
    flag: "--llm <kind>",
    key: "llm",
    path: "llm.kind",
    description: "language model of the RCA: none | ollama | openai",
  },
  {
    flag: "--context <kind>",
    key: "context",
    path: "context.kind",
    description: "where the cluster's objects and logs come from: none | snapshot | kubernetes",
  },
  {
    flag: "--kubeconfig <file>",
    key: "kubeconfig",
    path: "context.kubernetes.kubeconfig",
    description: "kubeconfig of the kubernetes context",
  },
  {
    flag: "--prometheus-url <url>",
    key: "prometheusUrl",
    path: "context.prometheus.url",
    description: "Prometheus to read the analyzers' metrics from",
  },
  {
    flag: "--loki-url <url>",
    key: "lokiUrl",
    path: "context.loki.url",
    description: "Loki to read logs of vanished pods from",
  },
  {
    flag: "--gitops-repo <path-or-url>",
    key: "gitopsRepo",
    path: "gitops.repo",
    description: "GitOps repository proposals are committed to (local path, https or ssh)",
  },
  {
    flag: "--gitops-workdir <dir>",
    key: "gitopsWorkdir",
    path: "gitops.workdir",
    description: "where the GitOps repository is cloned",
  },
  {
    flag: "--gitops-base-branch <branch>",
    key: "gitopsBaseBranch",
    path: "gitops.baseBranch",
    description: "branch proposals start from",
  },
  {
    flag: "--gitops-paths <globs>",
    key: "gitopsPaths",
    path: "gitops.paths",
    description: "manifest folders, comma-separated globs",
  },
  {
    flag: "--gitops-ssh-key-file <file>",
    key: "gitopsSshKeyFile",
    path: "gitops.sshKeyFile",
    description: "private key for an SSH remote",
  },
  {
    flag: "--gitops-author <who>",
    key: "gitopsAuthor",
    path: "gitops.author",
    description: 'commit author, "Name <email>"',
  },
  {
    flag: "--gitops-labels <labels>",
    key: "gitopsLabels",
    path: "gitops.labels",
    description: "pull request labels, comma-separated",
  },
  {
    flag: "--gitops-pull-requests <when>",
    key: "gitopsPullRequests",
    path: "gitops.pullRequests",
    description: "auto | on-approve",
  },
  {
    flag: "--console-url <url>",
    key: "consoleUrl",
    path: "server.publicUrl",
    description: "where people reach the console, for incident links",
  },
  {
    flag: "--forge <kind>",
    key: "forge",
    path: "gitops.forge.kind",
    description: "none | github | gitlab | gitea",
  },
  {
    flag: "--forge-url <url>",
    key: "forgeUrl",
    path: "gitops.forge.url",
    description: "the forge's API base URL",
  },
  {
    flag: "--forge-repo <repo>",
    key: "forgeRepo",
    path: "gitops.forge.repo",
    description: "owner/name, or the GitLab project path",
  },
  {
    flag: "--apply-mode <mode>",
    key: "applyMode",
    path: "apply.mode",
    description: "propose | dry-run | auto",
  },
  {
    flag: "--apply-allow-actions <list>",
    key: "applyAllowActions",
    path: "apply.allow.actions",
    description: "actions auto may apply, comma-separated",
  },
  {
    flag: "--apply-allow-namespaces <list>",
    key: "applyAllowNamespaces",
    path: "apply.allow.namespaces",
    description: "namespaces auto may apply in, comma-separated",
  },
  {
    flag: "--apply-rate-per-hour <n>",
    key: "applyRatePerHour",
    path: "apply.ratePerHour",
    description: "automatic applies per hour",
  },
  {
    flag: "--apply-on-approve <what>",
    key: "applyOnApprove",
    path: "apply.onApprove",
    description: "pull-request | apply",
  },
  {
    flag: "--apply-kubeconfig <file>",
    key: "applyKubeconfig",
    path: "apply.kubeconfig",
    description: "kubeconfig of the cluster patches go to",
  },
  { flag: "--log-level <level>", key: "logLevel", path: "log.level", description: "log level" },
];

/** Runs a process until SIGINT/SIGTERM, then drains in-flight work and exits. */
async function runUntilSignalled(config: Config, roles?: Role[]): Promise<void> {
  const system = await createSystem(config, { roles });
  // Listen first: health answers (not ready) while the bus connects.
  const address = await system.listen();
  system.logger.info(
    {
      address,
      roles: roles ?? "all",
      store: config.store.kind,
      bus: config.bus.kind,
      context: config.context.kind,
      embedder: config.memory.embedder,
    },
    "aiops started",
  );
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      system.logger.info({ signal }, "shutting down: draining in-flight work");
      system.close().then(resolve, (error: unknown) => {
        system.logger.error({ err: error }, "shutdown failed");
        process.exitCode = ExitCode.Failure;
        resolve();
      });
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  try {
    await Promise.race([system.start(), stopped]);
  } catch (error) {
    await system.close();
    throw error;
  }
  if (!stopping) system.logger.info("agents consuming");
  await stopped;
}

/** The options every client command shares: where the instance is and how to sign in. */
interface InstanceFlags {
  url: string;
  token?: string;
  tokenFile?: string;
}

/** Adds the InstanceFlags options to a client command. */
function withInstanceOptions(command: Command): Command {
  return command
    .addOption(new Option("--url <url>", "base URL of the instance").default("http://127.0.0.1:8080"))
    .addOption(new Option("--token <token>", "bearer token").env("AIOPS_WEBHOOK_TOKEN"))
    .addOption(tokenFileOption());
}

/** Where a client command finds the token the local instance generated when none is given. */
function tokenFileOption(): Option {
  return (
    new Option("--token-file <file>", "read the bearer token from this file when --token is absent")
      .env("AIOPS_TOKEN_FILE")
      // Where `aiops start` with the same environment keeps the token it generated.
      .default(defaultTokenFile(process.env.AIOPS_DB_PATH || DEFAULT_STORE_PATH))
  );
}

/** The bearer token of a client command: --token, else the token file when it exists. */
export function clientToken(opts: Pick<InstanceFlags, "token" | "tokenFile">): string | undefined {
  if (opts.token) return opts.token;
  return opts.tokenFile ? readToken(opts.tokenFile) : undefined;
}

interface FeedbackFlags extends InstanceFlags {
  confirm?: boolean;
  category?: string;
  action?: string;
  note?: string;
  by?: string;
}

/**
 * POSTs a JSON body to a running instance's API and prints the answer; errors map to the
 * named error classes (and so to exit codes) once, here.
 */
async function postToInstance(
  opts: InstanceFlags,
  path: string,
  body: unknown,
  what: string,
  id: string,
): Promise<void> {
  console.log(await callInstance(opts, path, body, what, `no incident ${id}`));
}

/**
 * Calls a running instance's API (GET without a body, POST with one) and returns the
 * answer's text; errors map to the named error classes (and so to exit codes) once, here.
 */
async function callInstance(
  opts: InstanceFlags,
  path: string,
  body: unknown,
  what: string,
  notFound: string,
): Promise<string> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  const token = clientToken(opts);
  if (token) headers.authorization = `Bearer ${token}`;
  const url = new URL(path, opts.url).href;
  let response: Response;
  try {
    response =
      body === undefined
        ? await fetch(url, { headers })
        : await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  } catch (error) {
    throw new BackendError(`cannot reach ${opts.url}: ${(error as Error).message}`, "aiops");
  }
  const text = await response.text();
  if (response.status === 404) throw new NotFoundError(notFound);
  if (response.status === 400) throw new InputError(`${what} rejected: ${text}`);
  if (response.status === 401)
    throw new AuthError("the instance wants a token (--token, AIOPS_WEBHOOK_TOKEN or --token-file)");
  if (response.status === 409) throw new ConflictError(`${what} refused: ${text}`);
  if (!response.ok) throw new BackendError(`the instance answered ${response.status}: ${text}`, "aiops");
  return text;
}

/** --confirm, or --category/--action for a correction; the API validates the values. */
function feedbackBody(opts: FeedbackFlags): Record<string, string> {
  const correcting = opts.category !== undefined || opts.action !== undefined;
  if (opts.confirm && correcting) throw new InputError("use --confirm, or --category/--action, not both");
  if (!opts.confirm && !correcting)
    throw new InputError("say --confirm, or correct with --category and/or --action");
  const body: Record<string, string> = { verdict: opts.confirm ? "confirm" : "correct" };
  for (const key of ["category", "action", "note", "by"] as const) {
    const value = opts[key];
    if (value !== undefined) body[key] = value;
  }
  return body;
}

export function buildProgram(): Command {
  const program = new Command("aiops")
    .description("AI-Ops for Kubernetes: Alertmanager webhooks in, diagnosis and a validated fix out")
    .showHelpAfterError()
    .exitOverride();

  const runCommands: { name: string; description: string; roles?: Role[] }[] = [
    { name: "start", description: "run the collector, RCA agent, remediator and HTTP API in one process" },
    {
      name: "collector",
      description: "run the collector agent with the webhook and incident API (needs --bus nats)",
      roles: ["collector"],
    },
    { name: "rca", description: "run the RCA agent (needs --bus nats)", roles: ["rca"] },
    { name: "remediator", description: "run the remediator agent (needs --bus nats)", roles: ["remediator"] },
  ];
  for (const spec of runCommands) {
    const command = program
      .command(spec.name)
      .description(spec.description)
      .option("-c, --config <file>", "config file (YAML or JSON)");
    for (const f of CONFIG_FLAGS) command.option(f.flag, f.description);
    command.action(async (opts: Record<string, string | undefined>) => {
      const flags: Record<string, unknown> = {};
      for (const f of CONFIG_FLAGS) {
        const value = opts[f.key];
        if (value !== undefined) setPath(flags, f.path, value);
      }
      if (opts.snapshot !== undefined) setPath(flags, "context.kind", "snapshot");
      // A single agent is only useful on the shared bus.
      if (spec.roles && opts.bus === undefined) setPath(flags, "bus.kind", "nats");
      const config = loadConfig({ file: opts.config, env: process.env, flags });
      await runUntilSignalled(config, spec.roles);
    });
  }

  withInstanceOptions(
    program
      .command("replay")
      .description("post the webhook of each scenario (or raw webhook) file to a running instance")
      .argument("<path>", "a JSON file or a directory of them")
      .option("--path <path>", "webhook path", "/alert"),
  ).action(async (path: string, opts: { path: string } & InstanceFlags) => {
    const token = clientToken(opts);
    const outcome = await replay(
      path,
      { url: opts.url, path: opts.path, ...(token ? { token } : {}) },
      (line) => console.log(line),
    );
    if (outcome.failed > 0) process.exitCode = ExitCode.Failure;
  });

  withInstanceOptions(
    program
      .command("feedback")
      .description("confirm an incident's diagnosis, or correct its category and action")
      .argument("<incident-id>")
      .option("--confirm", "the diagnosis and plan were right")
      .option("--category <category>", "the right category (a correction)")
      .option("--action <action>", "the right action (a correction)")
      .option("--note <text>", "what you found")
      .option("--by <name>", "who says so"),
  ).action(async (id: string, opts: FeedbackFlags) => {
    const body = feedbackBody(opts);
    await postToInstance(opts, `/api/incidents/${encodeURIComponent(id)}/feedback`, body, "feedback", id);
  });

  withInstanceOptions(
    program
      .command("applied")
      .description(
        "record that an incident's remediation was applied or merged; the alert resolving within the outcome window then counts as its success",
      )
      .argument("<incident-id>")
      .addOption(
        new Option("--via <how>", "how it took effect").choices(["merged", "applied"]).default("merged"),
      )
      .option("--at <time>", "when (ISO 8601); default now")
      .option("--by <name>", "who")
      .option("--ref <ref>", "the commit, pull request or change"),
  ).action(
    async (
      id: string,
      opts: {
        via: string;
        at?: string;
        by?: string;
        ref?: string;
      } & InstanceFlags,
    ) => {
      const body: Record<string, string> = { via: opts.via };
      for (const key of ["at", "by", "ref"] as const) {
        const value = opts[key];
        if (value !== undefined) body[key] = value;
      }
      await postToInstance(
        opts,
        `/api/incidents/${encodeURIComponent(id)}/applied`,
        body,
        "applied record",
        id,
      );
    },
  );

  const decisions = [
    { verb: "approve", description: "approve an incident's proposal: open its pull request, or apply it" },
    {
      verb: "reject",
      description: "reject an incident's proposal: close its pull request and delete its branch",
    },
  ] as const;
  for (const { verb, description } of decisions) {
    withInstanceOptions(
      program
        .command(verb)
        .description(description)
        .argument("<incident-id>")
        .option("--note <text>", "why")
        .option("--by <name>", "who decides"),
    ).action(async (id: string, opts: { note?: string; by?: string } & InstanceFlags) => {
      const body = { ...(opts.note ? { note: opts.note } : {}), ...(opts.by ? { by: opts.by } : {}) };
      await postToInstance(opts, `/api/incidents/${encodeURIComponent(id)}/${verb}`, body, verb, id);
    });
  }

  const deadLetters = program
    .command("dead-letters")
    .description(
      "list the messages the pipeline gave up on, with their reasons; replay them once the cause is mended",
    );
  withInstanceOptions(
    deadLetters
      .command("list", { isDefault: true })
      .description(
        "the newest dead letters, oldest first: time, stage, incident, message id, deliveries, reason",
      )
      .option("--limit <n>", "how many", (v) => Number(v), 100)
      .option("--json", "print the API's answer"),
  ).action(async (opts: { limit: number; json?: boolean } & InstanceFlags) => {
    const text = await callInstance(
      opts,
      `/api/dead-letters?limit=${encodeURIComponent(String(opts.limit))}`,
      undefined,
      "listing",
      "this instance serves no dead letters",
    );
    if (opts.json) return console.log(text);
    const { items } = JSON.parse(text) as { items: DeadLetter[] };
    if (items.length === 0) console.log("no dead letters");
    for (const l of items) {
      console.log(
        [l.at, l.stage, l.envelope.incidentId ?? "-", l.envelope.id, `${l.deliveries}x`, l.reason].join("  "),
      );
    }
  });
  withInstanceOptions(
    deadLetters
      .command("replay")
      .description(
        "send dead letters back to their stage (by message id, or --all); the handlers are idempotent",
      )
      .argument("[message-ids...]")
      .option("--all", "every dead letter the instance holds (its newest 1000)"),
  ).action(async (ids: string[], opts: { all?: boolean } & InstanceFlags) => {
    if (opts.all === ids.length > 0) throw new InputError("give message ids, or --all");
    const text = await callInstance(
      opts,
      "/api/dead-letters/replay",
      opts.all ? { all: true } : { ids },
      "replay",
      "this instance cannot replay dead letters",
    );
    const result = JSON.parse(text) as ReplayResult;
    for (const r of result.replayed) console.log(`replayed  ${r.id}  ${r.stage}  ${r.incidentId ?? "-"}`);
    for (const s of result.skipped) console.log(`skipped   ${s.id}  ${s.reason}`);
    for (const id of result.notFound) console.log(`not found ${id}`);
    console.log(
      `${result.replayed.length} replayed, ${result.skipped.length} skipped, ${result.notFound.length} not found`,
    );
    if (result.notFound.length > 0 || result.skipped.length > 0) process.exitCode = ExitCode.Failure;
  });

  program
    .command("doctor")
    .description("try every configured backend and say what works, what does not, and the fix")
    .option("-c, --config <file>", "config file (YAML or JSON)")
    .option("--timeout-ms <ms>", "per check", (v) => Number(v), 10_000)
    .action(async (opts: { config?: string; timeoutMs: number }) => {
      const config = loadConfig({ file: opts.config, env: process.env });
      const report = await runDoctor(doctorChecks(config), opts.timeoutMs);
      for (const line of formatReport(report)) console.log(line);
      if (!report.ok) process.exitCode = ExitCode.Unavailable;
    });

  program
    .command("eval")
    .description("replay each scenario through the pipeline with its snapshot as the cluster, and score it")
    .argument("<dir>", "a directory of scenario files (*.json)")
    .option("--json", "print machine-readable results")
    .option("--min-pass <ratio>", "exit non-zero when the pass rate is below this (0..1)", ratio)
    .option("--timeout-ms <ms>", "per scenario", (v) => Number(v), 10_000)
    .addOption(
      new Option("--llm <kind>", "also run with this model in the loop and compare").choices([
        "ollama",
        "openai",
      ]),
    )
    .option("--llm-model <name>", "the chat model (ollama: mistral by default)")
    .option("--llm-url <url>", "the Ollama server, or the OpenAI-compatible base URL")
    .option("-c, --config <file>", "config file whose llm keys apply (YAML or JSON)")
    .action(
      async (
        dir: string,
        opts: {
          json?: boolean;
          minPass?: number;
          timeoutMs: number;
          llm?: "ollama" | "openai";
          llmModel?: string;
          llmUrl?: string;
          config?: string;
        },
      ) => {
        const rules = await evaluateDir(dir, { timeoutMs: opts.timeoutMs });
        let report = rules;
        if (opts.llm) {
          const kind = opts.llm;
          const flags: Record<string, unknown> = { llm: { kind } };
          const key = kind === "ollama" ? "llm.ollama" : "llm.openai";
          if (opts.llmModel) setPath(flags, `${key}.model`, opts.llmModel);
          if (opts.llmUrl) setPath(flags, `${key}.${kind === "ollama" ? "url" : "baseUrl"}`, opts.llmUrl);
          const llm = loadConfig({ file: opts.config, env: process.env, flags }).llm;
          const model = createLanguageModel({ kind, ollama: llm.ollama, openai: llm.openai });
          if (!model) throw new InputError(`no language model for --llm ${kind}`);
          const { kind: _kind, ...settings } = llm;
          report = await evaluateDir(dir, {
            // A model call may take its whole timeout, twice with a repair.
            timeoutMs: Math.max(opts.timeoutMs, 2 * llm.timeoutMs + 10_000),
            llm: { model, settings },
          });
          const comparison = compareRuns(model.name, rules, report);
          if (opts.json)
            console.log(JSON.stringify({ ...report, rules: rules.summary, comparison }, null, 2));
          else {
            printEvalReport(report, (line) => console.log(line));
            console.log("");
            printModelComparison(comparison, (line) => console.log(line));
          }
        } else if (opts.json) console.log(JSON.stringify(report, null, 2));
        else printEvalReport(report, (line) => console.log(line));
        if (opts.minPass !== undefined && report.summary.passRate < opts.minPass) {
          if (!opts.json)
            console.error(`pass rate ${report.summary.passRate} is below --min-pass ${opts.minPass}`);
          process.exitCode = ExitCode.BelowThreshold;
        }
      },
    );

  return program;
}

export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.Ok;
  } catch (error) {
    const code = exitCodeFor(error);
    // Commander has printed its own usage message already.
    if (!(error instanceof Error && error.name === "CommanderError")) {
      console.error(`aiops: ${error instanceof Error ? error.message : String(error)}`);
    }
    return code;
  }
}

/**
 * End to end, with the real programs and deploy/'s own rules and receiver: a test
 * exporter serves kube-state-metrics and cAdvisor series for a crash-looping pod and an
 * OOM-killed one; a real Prometheus evaluates deploy/'s PrometheusRule on them and sends
 * to a real Alertmanager configured from deploy/alertmanager (bearer token, resolved
 * notifications); the agents run as separate processes on NATS JetStream and read the
 * cluster through the fake Kubernetes API (enforcing the shipped ClusterRole) and the
 * metrics through the Prometheus. The incidents must be diagnosed as the benchmark
 * expects, the OOM fix committed to the GitOps remote, and both closed when the exporter
 * stops reporting the failure.
 *
 * Timing comes from the test rendering of the rules (`for: 0s`, minute windows as
 * seconds; test/helpers/deploy.ts) and a 1 s scrape and evaluation interval.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenarioDir, type Scenario } from "../src/context/snapshot/scenario.js";
import type { Incident } from "../src/core/incident.js";
import { scoreScenario } from "../src/eval/score.js";
import { startAlertmanager, type AlertmanagerServer } from "../src/harness/alertmanager.js";
import {
  startMetricsExporter,
  type ExportedSeries,
  type MetricsExporter,
} from "../src/harness/metrics-exporter.js";
import { freePort, startNatsServer, type NatsServer } from "../src/harness/nats-server.js";
import { startPrometheus, type PrometheusServer } from "../src/harness/prometheus.js";
import { startFakeKubeApiServer, type FakeKubeApiServer } from "./fakes/kube-api-server.js";
import { alertmanagerConfigForTest, contextRoleRules, rulesFileForTest } from "./helpers/deploy.js";
import { bareRemote, git, gitopsFixture } from "./helpers/git-remote.js";
import { haveBuild, startAgent, type AgentProcess } from "./helpers/processes.js";
import { SCENARIOS, tempDir } from "./helpers/system.js";

const TOKEN = "e2e-webhook-token-0123456789";

type Labels = Record<string, string>;

/** The first scenario of `category` with one alert, on a pod of a Deployment, that the benchmark expects planned on it. */
function pick(scenarios: Scenario[], category: string): Scenario {
  const found = scenarios.find(
    (s) =>
      s.expected?.category === category &&
      s.input.webhook.alerts.length === 1 &&
      s.input.webhook.alerts[0]?.labels.pod !== undefined &&
      s.expected.remediation.target?.kind === "Deployment",
  );
  if (!found) throw new Error(`no ${category} scenario with one alert on a Deployment's pod`);
  return found;
}

/** namespace, pod and container of the scenario's alert: the series the exporter reports. */
function alerted(s: Scenario): Labels {
  const l = s.input.webhook.alerts[0]!.labels;
  return { namespace: l.namespace!, pod: l.pod!, container: l.container! };
}

function podContainerLimit(s: Scenario, at: Labels): number | undefined {
  const pod = s.input.cluster.items.find(
    (o) => o.kind === "Pod" && o.metadata?.name === at.pod && o.metadata?.namespace === at.namespace,
  ) as
    { spec?: { containers?: { name: string; resources?: { limits?: { memory?: string } } }[] } } | undefined;
  const limit = pod?.spec?.containers?.find((c) => c.name === at.container)?.resources?.limits?.memory;
  if (limit === undefined) return undefined;
  const m = /^(\d+)(Mi|Gi)$/.exec(limit);
  return m ? Number(m[1]) * (m[2] === "Gi" ? 2 ** 30 : 2 ** 20) : undefined;
}

describe.skipIf(!haveBuild)(
  "end to end: Prometheus and Alertmanager from deploy/, agents on JetStream",
  () => {
    let crash: Scenario;
    let oom: Scenario;
    let nats: NatsServer;
    let kube: FakeKubeApiServer;
    let exporter: MetricsExporter;
    let alertmanager: AlertmanagerServer;
    let prometheus: PrometheusServer;
    let remote: string;
    const agents: AgentProcess[] = [];
    let collectorPort: number;
    /** Restarts counted per scrape while the failure lasts, so that `increase()` sees them. */
    let failing = true;
    let restarts = 0;

    function series(): ExportedSeries[] {
      const c = alerted(crash);
      const o = alerted(oom);
      const limit = podContainerLimit(oom, o) ?? 2 ** 30;
      const restartCounter = (labels: Labels): ExportedSeries => ({
        name: "kube_pod_container_status_restarts_total",
        type: "counter",
        labels,
        value: () => (failing ? ++restarts : restarts),
      });
      return [
        restartCounter(c),
        restartCounter(o),
        ...(failing
          ? [
              {
                name: "kube_pod_container_status_waiting_reason",
                labels: { ...c, reason: "CrashLoopBackOff" },
                value: 1,
              },
            ]
          : []),
        // kube-state-metrics keeps reporting the last termination after the pod recovers.
        {
          name: "kube_pod_container_status_last_terminated_reason",
          labels: { ...o, reason: "OOMKilled" },
          value: 1,
        },
        { name: "container_memory_working_set_bytes", labels: o, value: limit - 4096 },
        {
          name: "kube_pod_container_resource_limits",
          labels: { ...o, resource: "memory", unit: "byte" },
          value: limit,
        },
      ];
    }

    async function api<T>(path: string): Promise<T> {
      const response = await fetch(`http://127.0.0.1:${collectorPort}${path}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      if (!response.ok) throw new Error(`${path}: ${response.status}`);
      return (await response.json()) as T;
    }

    async function incidents(): Promise<Incident[]> {
      const page = await api<{ items: { id: string }[] }>("/api/incidents?limit=50");
      return Promise.all(page.items.map((i) => api<Incident>(`/api/incidents/${i.id}`)));
    }

    async function waitFor<T>(
      what: string,
      probe: () => Promise<T | undefined>,
      timeoutMs = 60_000,
    ): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe().catch(() => undefined);
        if (value !== undefined) return value;
        if (Date.now() > deadline) {
          const logs = agents.map((a) => `${a.name}: ${JSON.stringify(a.lines().slice(-5))}`).join("\n");
          throw new Error(`timed out waiting for ${what}\n${logs}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }

    function incidentOf(list: Incident[], s: Scenario): Incident | undefined {
      return list.find((i) => i.namespace === alerted(s).namespace);
    }

    beforeAll(async () => {
      const scenarios = await loadScenarioDir(SCENARIOS);
      crash = pick(scenarios, "crash_loop_app_error");
      oom = pick(scenarios, "oom_killed");
      nats = await startNatsServer();
      kube = await startFakeKubeApiServer({
        objects: [...crash.input.cluster.items, ...oom.input.cluster.items],
        logs: [...crash.input.logs, ...oom.input.logs],
        rules: contextRoleRules(),
      });
      exporter = await startMetricsExporter(series());
      collectorPort = await freePort();
      alertmanager = await startAlertmanager({
        config: (dir) =>
          alertmanagerConfigForTest({
            url: `http://127.0.0.1:${collectorPort}/alert`,
            tokenFile: join(dir, "aiops-token"),
          }),
        files: { "aiops-token": TOKEN },
      });
      prometheus = await startPrometheus({
        targets: [exporter.target],
        rules: [rulesFileForTest()],
        alertmanagers: [alertmanager.target],
      });
      remote = bareRemote(
        gitopsFixture(
          join(tempDir("aiops-e2e-repo-"), "repo"),
          [crash, oom].flatMap((s) => s.input.cluster.items),
        ),
      ).remote;

      const env: NodeJS.ProcessEnv = { NATS_URL: nats.url, AIOPS_LOG_LEVEL: "info" };
      const collector = startAgent(
        "collector",
        "collector",
        collectorPort,
        ["--context", "kubernetes", "--kubeconfig", kube.kubeconfigPath, "--prometheus-url", prometheus.url],
        { ...env, AIOPS_WEBHOOK_TOKEN: TOKEN },
      );
      const rca = startAgent("rca", "rca", await freePort(), [], env);
      const remediator = startAgent("remediator", "remediator", await freePort(), [], {
        ...env,
        AIOPS_GITOPS_REPO: remote,
        AIOPS_GITOPS_WORKDIR: join(tempDir("aiops-e2e-work-"), "gitops"),
        AIOPS_GITOPS_PATHS: "apps",
      });
      agents.push(collector, rca, remediator);
      // Three cold starts at once beside Prometheus, Alertmanager and NATS: give them time.
      await Promise.all(agents.map((a) => a.ready(60_000)));
    }, 120_000);

    afterAll(async () => {
      await Promise.all(agents.map((a) => a.kill("SIGKILL")));
      await prometheus?.dispose();
      await alertmanager?.dispose();
      await exporter?.close();
      await kube?.close();
      await nats?.dispose();
    });

    it("fires deploy/'s rules on the exporter's series", async () => {
      const firing = await waitFor("both alerts firing in Prometheus", async () => {
        const body = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as {
          data: { alerts: { labels: Labels; state: string }[] };
        };
        const names = body.data.alerts.filter((a) => a.state === "firing").map((a) => a.labels.alertname);
        return names.includes("KubePodCrashLooping") && names.includes("KubePodOOMKilled")
          ? names
          : undefined;
      });
      expect(firing.sort()).toEqual(["KubePodCrashLooping", "KubePodOOMKilled"]);
    }, 90_000);

    it("delivers them through Alertmanager's webhook, with its bearer token, as one incident each", async () => {
      const list = await waitFor("two incidents", async () => {
        const all = await incidents();
        return incidentOf(all, crash) && incidentOf(all, oom) ? all : undefined;
      });
      expect(list).toHaveLength(2);
      const crashIncident = incidentOf(list, crash)!;
      expect(crashIncident.alertname).toBe("KubePodCrashLooping");
      expect(crashIncident.alerts[0]?.labels.pod).toBe(alerted(crash).pod);
      // Sent by the real Prometheus (its external URL) through the real Alertmanager.
      expect(crashIncident.alerts[0]?.generatorURL?.startsWith(prometheus.url)).toBe(true);
      expect(incidentOf(list, oom)?.alertname).toBe("KubePodOOMKilled");
      const metrics = await (await fetch(`${alertmanager.url}/metrics`)).text();
      const sent = /^alertmanager_notifications_total\{integration="webhook"\} (\d+)/m.exec(metrics);
      expect(Number(sent?.[1])).toBeGreaterThanOrEqual(2);
    }, 90_000);

    it("diagnoses and plans each incident as the benchmark expects, from the live API and Prometheus", async () => {
      for (const s of [crash, oom]) {
        const incident = await waitFor(`${s.id} planned`, async () => {
          const i = incidentOf(await incidents(), s);
          return i?.plan ? i : undefined;
        });
        const expected = s.expected!;
        const target = expected.remediation.target!;
        const score = scoreScenario(
          { ...expected, remediation: { ...expected.remediation, target } },
          {
            category: incident.diagnosis!.category,
            remediation: {
              action: incident.plan!.action,
              target: incident.plan!.target as {
                kind: string;
                namespace?: string;
                name: string;
                container?: string;
              },
              ...(incident.plan!.params ? { params: incident.plan!.params as Record<string, unknown> } : {}),
            },
          },
        );
        expect(score.failures, s.id).toEqual([]);
        // Evidence came from the API server (not a snapshot) and from Prometheus.
        expect(incident.evidence?.pods.map((p) => p.name)).toContain(alerted(s).pod);
      }
      // The working set the exporter reports reached the evidence through the real Prometheus.
      const metrics = (incidentOf(await incidents(), oom)!.evidence?.metrics ?? []) as {
        metric?: string;
        series?: { labels: Labels }[];
      }[];
      const workingSet = metrics.find((m) => m.metric === "container_memory_working_set_bytes");
      expect(workingSet?.series?.map((x) => x.labels.pod)).toEqual([alerted(oom).pod]);
    }, 90_000);

    // The GitOps proposer (src/agents/proposer.ts) on the remediator: the plan with a patch
    // becomes a commit on the remote's branch aiops/<incident-id>.
    it("commits the OOM fix to the GitOps remote", async () => {
      const incident = incidentOf(await incidents(), oom)!;
      const branch = `aiops/${incident.id}`;
      await waitFor(`branch ${branch} on the remote`, async () =>
        git(remote, "ls-remote", "--heads", remote, branch).trim() !== "" ? true : undefined,
      );
      const memory = String((incident.plan!.params as { memory: string }).memory);
      const changed = git(remote, "diff", "--name-only", "main", branch).trim().split("\n");
      const { namespace } = alerted(oom);
      expect(changed).toEqual([`apps/${namespace}-${incident.plan!.target.name}.yaml`]);
      expect(git(remote, "show", `${branch}:${changed[0]}`)).toContain(`memory: ${memory}`);
      // The crash loop's plan is manual: nothing to commit for it.
      const crashIncident = incidentOf(await incidents(), crash)!;
      expect(crashIncident.plan?.action).toBe("manual");
      expect(git(remote, "ls-remote", "--heads", remote, `aiops/${crashIncident.id}`).trim()).toBe("");
    }, 90_000);

    it("closes both incidents when the exporter stops reporting the failure", async () => {
      failing = false;
      exporter.set(series());
      const list = await waitFor("both incidents resolved", async () => {
        const all = await incidents();
        return all.length === 2 && all.every((i) => i.state === "resolved") ? all : undefined;
      });
      for (const i of list) expect(i.resolvedAt).toBeDefined();
    }, 90_000);
  },
);

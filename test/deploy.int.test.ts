/**
 * deploy/ is what a cluster runs: every manifest parses and is of a known kind, every
 * kustomization names files that exist, the agents' Deployments have probes, resources
 * and a locked-down security context, the real Prometheus and Alertmanager accept the
 * shipped rules and configuration, and the Grafana dashboard queries only metrics that
 * /metrics exposes.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startAlertmanager } from "../src/harness/alertmanager.js";
import { freePort } from "../src/harness/nats-server.js";
import { startPrometheus } from "../src/harness/prometheus.js";
import {
  DEPLOY,
  alertmanagerConfigForTest,
  loadManifests,
  ruleGroups,
  rulesFile,
  rulesFileForTest,
} from "./helpers/deploy.js";
import { REPO, postWebhook, readJson, startSystem } from "./helpers/system.js";

const KINDS = new Set([
  "Kustomization",
  "Component",
  "Namespace",
  "ServiceAccount",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Deployment",
  "StatefulSet",
  "Service",
  "NetworkPolicy",
  "Secret",
  "ConfigMap",
  "ServiceMonitor",
  "PrometheusRule",
]);

const manifests = loadManifests();
const kubectl = (() => {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

type Container = {
  name: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  securityContext?: Record<string, unknown>;
};
type PodSpec = { securityContext?: Record<string, unknown>; containers: Container[] };

describe("deploy/ manifests", () => {
  it("parse, and every document is of a kind the system ships", () => {
    expect(manifests.length).toBeGreaterThan(20);
    for (const m of manifests) {
      // alertmanager.yml is Alertmanager's own format, not a Kubernetes object.
      if (m.file.startsWith("alertmanager/")) continue;
      expect(KINDS.has(String(m.doc.kind)), `${m.file}: ${String(m.doc.kind)}`).toBe(true);
    }
    const kinds = new Set(manifests.map((m) => m.doc.kind));
    for (const kind of [
      "NetworkPolicy",
      "ServiceMonitor",
      "PrometheusRule",
      "Secret",
      "Role",
      "ClusterRole",
    ]) {
      expect(kinds.has(kind), kind).toBe(true);
    }
  });

  it("kustomizations name only files and folders that exist", () => {
    const kustomizations = manifests.filter(
      (m) => m.doc.kind === "Kustomization" || m.doc.kind === "Component",
    );
    expect(kustomizations.length).toBeGreaterThanOrEqual(7);
    for (const k of kustomizations) {
      const dir = join(DEPLOY, dirname(k.file));
      const generators = [
        ...((k.doc.configMapGenerator as { files?: string[] }[] | undefined) ?? []),
        ...((k.doc.secretGenerator as { files?: string[] }[] | undefined) ?? []),
      ];
      const referenced = [
        ...((k.doc.resources as string[] | undefined) ?? []),
        ...((k.doc.components as string[] | undefined) ?? []),
        ...generators.flatMap((g) => (g.files ?? []).map((f) => f.replace(/^[^=]+=/, ""))),
      ];
      for (const ref of referenced) expect(existsSync(join(dir, ref)), `${k.file}: ${ref}`).toBe(true);
    }
    // The secret template is never applied: tokens are created from the command line.
    const base = manifests.find((m) => m.file === "base/kustomization.yaml");
    expect(base?.doc.resources).not.toContain("secret.example.yaml");
  });

  it("runs every container with probes, resources and a locked-down security context", () => {
    const workloads = manifests.filter((m) => m.doc.kind === "Deployment" || m.doc.kind === "StatefulSet");
    const agents = workloads.filter((m) => m.file.startsWith("base/"));
    expect(agents.map((m) => (m.doc.metadata as { name: string }).name).sort()).toEqual([
      "aiops-collector",
      "aiops-rca",
      "aiops-remediator",
    ]);
    for (const w of workloads) {
      const pod = (w.doc.spec as { template: { spec: PodSpec } }).template.spec;
      for (const c of pod.containers) {
        const where = `${w.file} ${c.name}`;
        expect(c.livenessProbe, where).toBeDefined();
        expect(c.readinessProbe, where).toBeDefined();
        expect(c.resources?.requests?.cpu, where).toBeDefined();
        expect(c.resources?.requests?.memory, where).toBeDefined();
        expect(c.resources?.limits?.memory, where).toBeDefined();
        expect(c.securityContext?.allowPrivilegeEscalation, where).toBe(false);
        expect(c.securityContext?.capabilities, where).toEqual({ drop: ["ALL"] });
      }
    }
    for (const w of agents) {
      const pod = (w.doc.spec as { template: { spec: PodSpec } }).template.spec;
      expect(pod.securityContext?.runAsNonRoot, w.file).toBe(true);
      expect(pod.securityContext?.seccompProfile, w.file).toEqual({ type: "RuntimeDefault" });
      for (const c of pod.containers) expect(c.securityContext?.readOnlyRootFilesystem, w.file).toBe(true);
    }
  });

  it("keeps JetStream on file storage", () => {
    const conf = readFileSync(join(DEPLOY, "nats/nats.conf"), "utf8");
    expect(conf).toMatch(/jetstream\s*\{[^}]*store_dir:\s*\/data/);
    const nats = manifests.find((m) => m.doc.kind === "StatefulSet" && m.file.startsWith("nats/"));
    expect((nats?.doc.spec as { volumeClaimTemplates?: unknown[] }).volumeClaimTemplates).toHaveLength(1);
  });

  it("builds the Dockerfile from files that exist and runs it as a numeric non-root user", () => {
    const dockerfile = readFileSync(join(DEPLOY, "Dockerfile"), "utf8");
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER [1-9]\d*:[1-9]\d*$/m);
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(" "));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(join(REPO, source)), source).toBe(true);
    // Everything `npm run build` reads (tsc -p <config>, vite --config <config>) is copied and not ignored.
    const build = (
      JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: { build: string } }
    ).scripts.build;
    const inputs = [...build.matchAll(/(?:-p|--config) (\S+)/g)].map((m) => m[1]!.split("/")[0]!);
    expect(inputs).toContain("console");
    const ignore = readFileSync(join(DEPLOY, "Dockerfile.dockerignore"), "utf8");
    for (const input of inputs) {
      expect(sources, input).toContain(input);
      expect(ignore, input).toMatch(new RegExp(`^!${input.replace(".", "\\.")}(/\\*\\*)?$`, "m"));
    }
  });

  it.skipIf(!kubectl)("renders the example overlay with kustomize", () => {
    const out = execFileSync("kubectl", ["kustomize", join(DEPLOY, "overlays/example")], {
      encoding: "utf8",
    });
    const kinds = [...out.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]);
    for (const kind of [
      "Deployment",
      "StatefulSet",
      "PrometheusRule",
      "ServiceMonitor",
      "NetworkPolicy",
      "Role",
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    // The optional apply Role stays in the namespace it is for, not the agents'.
    expect(out).toMatch(/kind: Role\nmetadata:\n {2}name: aiops-apply\n {2}namespace: demo/);
  });
});

describe("deploy/ rules and Alertmanager configuration in the real programs", () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    while (closers.length) await closers.pop()?.();
  });

  it("covers the failure modes the system handles, each alert with a severity", () => {
    const alerts = ruleGroups().flatMap((g) => g.rules);
    expect(new Set(alerts.map((r) => r.alert))).toEqual(
      new Set([
        "KubePodCrashLooping",
        "KubePodOOMKilled",
        "KubePodImagePullError",
        "KubePodPending",
        "KubeContainerProbeFailing",
        "CPUThrottlingHigh",
        "KubePersistentVolumeFillingUp",
        "KubeJobFailed",
      ]),
    );
    for (const r of alerts) expect(r.labels?.severity, r.alert).toBeDefined();
  });

  it("Prometheus loads the shipped rules and their test rendering", async () => {
    // Prometheus exits on an invalid rules file, so starting is the validation.
    const prometheus = await startPrometheus({ targets: [], rules: [rulesFile(), rulesFileForTest()] });
    closers.push(() => prometheus.dispose());
    const body = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: { name: string }[] }[] };
    };
    const loaded = body.data.groups.flatMap((g) => g.rules.map((r) => r.name));
    const shipped = ruleGroups().flatMap((g) => g.rules.map((r) => r.alert));
    expect(loaded.length).toBe(2 * shipped.length);
  });

  it("Alertmanager loads the shipped configuration, rendered with a test URL and token file", async () => {
    const alertmanager = await startAlertmanager({
      config: (dir) =>
        alertmanagerConfigForTest({ url: "http://127.0.0.1:9/alert", tokenFile: join(dir, "token") }),
      files: { token: "a-long-enough-token" },
    });
    closers.push(() => alertmanager.dispose());
    const status = (await (await fetch(`${alertmanager.url}/api/v2/status`)).json()) as {
      config: { original: string };
    };
    expect(status.config.original).toContain("send_resolved: true");
    expect(status.config.original).toMatch(/alertname=~"?Watchdog/);
  });
});

describe("the Grafana dashboard", () => {
  it("queries only metrics that /metrics exposes", async () => {
    const dashboard = readFileSync(join(DEPLOY, "monitoring/aiops-dashboard.json"), "utf8");
    const used = new Set([...dashboard.matchAll(/\baiops_[a-z0-9_]+/g)].map((m) => m[0]));
    expect(used.size).toBeGreaterThan(8);
    const system = await startSystem({ store: { kind: "memory" } });
    try {
      const text = (await system.app.inject({ method: "GET", url: "/metrics" })).body;
      const exposed = new Set<string>();
      for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        exposed.add(name!);
        if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) exposed.add(`${name}${s}`);
      }
      for (const name of used) expect(exposed.has(name), name).toBe(true);
    } finally {
      await system.close();
    }
  });
});

describe("the Grafana dashboard in a real Prometheus", () => {
  it("is valid PromQL that Prometheus answers, with data from a running system's scrape", async () => {
    const dashboard = JSON.parse(readFileSync(join(DEPLOY, "monitoring/aiops-dashboard.json"), "utf8")) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    // Grafana's variables, as it would expand them.
    const expand = (expr: string) =>
      expr.replaceAll("$job", ".+").replaceAll("$__rate_interval", "1m").replaceAll("$__range", "1h");
    const port = await freePort();
    const system = await startSystem({ server: { host: "127.0.0.1", port } });
    const prometheus = await startPrometheus({ targets: [`127.0.0.1:${port}`] }).catch(
      async (error: unknown) => {
        await system.close();
        throw error;
      },
    );
    try {
      await system.listen();
      expect(
        (await postWebhook(system, readJson(join(REPO, "examples/webhooks/crashloop-firing.json"))))
          .statusCode,
      ).toBe(202);
      const query = async (expr: string) => {
        const response = await fetch(
          `${prometheus.url}/api/v1/query?query=${encodeURIComponent(expand(expr))}`,
        );
        return { status: response.status, body: (await response.json()) as { data?: { result: unknown[] } } };
      };
      const received = dashboard.panels.find((p) => p.title === "Alerts received")!.targets[0]!.expr;
      // Two scrapes after the webhook: the rate has data.
      for (let tries = 0; (await query(received)).body.data?.result.length === 0; tries++) {
        if (tries > 200) throw new Error("no data for the alerts-received panel");
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const panel of dashboard.panels) {
        for (const target of panel.targets) expect((await query(target.expr)).status, panel.title).toBe(200);
      }
    } finally {
      await prometheus.dispose();
      await system.close();
    }
  });
});

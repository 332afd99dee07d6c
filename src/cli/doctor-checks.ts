/** The doctor's checks for a configuration: one per backend it uses. */
import type { Config } from "../config/schema.js";
import {
  chromaCheck,
  gitCheck,
  lokiCheck,
  natsCheck,
  ollamaCheck,
  openAiCheck,
  prometheusCheck,
  sqliteCheck,
} from "../doctor/checks.js";
import type { Check } from "../doctor/doctor.js";
import { kubernetesCheck } from "../doctor/kubernetes-check.js";
import { memoryKind, natsConnectionOptions } from "../main.js";

export function doctorChecks(config: Config): Check[] {
  const checks: Check[] = [];
  if (config.store.kind === "sqlite") checks.push(sqliteCheck(config.store.path));
  if (config.bus.kind === "nats" || config.store.kind === "nats-kv") {
    checks.push(natsCheck(natsConnectionOptions(config), config.bus.nats.stream));
  }
  const c = config.context;
  if (c.kind === "kubernetes") {
    checks.push(
      kubernetesCheck({
        ...(c.kubernetes.kubeconfig ? { kubeconfigPath: c.kubernetes.kubeconfig } : {}),
        ...(c.kubernetes.context ? { contextName: c.kubernetes.context } : {}),
        inCluster: c.kubernetes.inCluster,
      }),
    );
  }
  if (c.prometheus.url) checks.push(prometheusCheck(c.prometheus.url));
  if (c.loki.url) checks.push(lokiCheck(c.loki.url, c.loki.tenant));
  const m = config.memory;
  if (memoryKind(config) === "chroma" && m.chromaUrl) checks.push(chromaCheck(m.chromaUrl));
  if (memoryKind(config) !== "none") {
    if (m.embedder === "ollama") checks.push(ollamaCheck(m.ollama.url, [m.ollama.model]));
    if (m.embedder === "openai" && m.openai.baseUrl) {
      checks.push(openAiCheck(m.openai.baseUrl, m.openai.apiKey, m.openai.model ? [m.openai.model] : []));
    }
  }
  checks.push(gitCheck());
  return checks;
}

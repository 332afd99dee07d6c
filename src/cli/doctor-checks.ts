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
  // The embedding model and the language model may share a server: one check per server, every model named.
  const ollama = new Map<string, string[]>();
  const openai = new Map<string, { apiKey?: string; models: string[] }>();
  const needOllama = (url: string, model: string) => ollama.set(url, [...(ollama.get(url) ?? []), model]);
  const needOpenAi = (url: string, apiKey: string | undefined, model: string | undefined) => {
    const known = openai.get(url) ?? { ...(apiKey ? { apiKey } : {}), models: [] };
    if (model) known.models.push(model);
    openai.set(url, known);
  };
  if (memoryKind(config) !== "none") {
    if (m.embedder === "ollama") needOllama(m.ollama.url, m.ollama.model);
    if (m.embedder === "openai" && m.openai.baseUrl)
      needOpenAi(m.openai.baseUrl, m.openai.apiKey, m.openai.model);
  }
  const llm = config.llm;
  if (llm.kind === "ollama") needOllama(llm.ollama.url, llm.ollama.model);
  if (llm.kind === "openai" && llm.openai.baseUrl)
    needOpenAi(llm.openai.baseUrl, llm.openai.apiKey, llm.openai.model);
  for (const [url, models] of ollama) checks.push(ollamaCheck(url, models));
  for (const [url, o] of openai) checks.push(openAiCheck(url, o.apiKey, o.models));
  checks.push(gitCheck());
  return checks;
}

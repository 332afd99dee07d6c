import type { ContextBundle, ContextSource } from "../context-source.js";

/**
 * The context source when no cluster is configured: the evidence is the alert alone,
 * and the gap says so (the analyzers then lower their confidence or answer unknown).
 */
export class NoneContextSource implements ContextSource {
  readonly name = "none";

  async gather(): Promise<ContextBundle> {
    return {
      objects: [],
      logs: [],
      metrics: [],
      gaps: [{ source: "cluster", reason: "no cluster context is configured (context.kind is none)" }],
    };
  }
}

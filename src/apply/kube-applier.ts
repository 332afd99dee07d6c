/**
 * The applier: a plan's strategic-merge patch sent to the Kubernetes API through
 * @kubernetes/client-node, either as a server-side dry-run (`dryRun=All`: admission and
 * validation run, nothing is persisted) or for real. Failures are values.
 */
import {
  KubernetesObjectApi,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
} from "@kubernetes/client-node";
import type { RemediationPlan } from "../core/diagnosis.js";

export interface ApplyResult {
  ok: boolean;
  /** What the API server said, short: the patched object's resourceVersion, or the Status message. */
  message: string;
}

/** Where patches go. */
export interface Applier {
  patch(patch: NonNullable<RemediationPlan["patch"]>, options: { dryRun: boolean }): Promise<ApplyResult>;
}

export class KubeApplier implements Applier {
  private readonly api: KubernetesObjectApi;

  constructor(
    kc: KubeConfig,
    private readonly fieldManager = "aiops",
  ) {
    this.api = KubernetesObjectApi.makeApiClient(kc);
  }

  async patch(
    patch: NonNullable<RemediationPlan["patch"]>,
    options: { dryRun: boolean },
  ): Promise<ApplyResult> {
    const spec = {
      ...patch.body,
      apiVersion: patch.apiVersion,
      kind: patch.kind,
      metadata: { name: patch.name, ...(patch.namespace ? { namespace: patch.namespace } : {}) },
    } as KubernetesObject;
    try {
      const result = await this.api.patch(
        spec,
        undefined,
        options.dryRun ? "All" : undefined,
        this.fieldManager,
        undefined,
        PatchStrategy.StrategicMergePatch,
      );
      const rv = result.metadata?.resourceVersion;
      return {
        ok: true,
        message: `${options.dryRun ? "dry-run accepted" : "applied"}: ${patch.kind} ${patch.namespace ?? ""}/${patch.name}${rv ? ` (resourceVersion ${rv})` : ""}`,
      };
    } catch (error) {
      return { ok: false, message: describeError(error) };
    }
  }
}

function describeError(error: unknown): string {
  const e = error as { code?: number; body?: unknown; message?: string };
  let message = e.message ?? String(error);
  if (typeof e.body === "string") {
    try {
      const status = JSON.parse(e.body) as { message?: string };
      if (status.message) message = status.message;
    } catch {
      // not a Status
    }
  }
  return `${e.code ? `${e.code}: ` : ""}${message}`.slice(0, 1000);
}

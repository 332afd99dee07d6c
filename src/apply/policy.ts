/**
 * The apply policy: per action and namespace, whether a plan is only proposed, also
 * dry-run against the cluster, or applied automatically; `auto` only for allow-listed
 * actions in allow-listed namespaces, and at most `ratePerHour` applies an hour. Pure
 * apart from the rate window it keeps.
 */
import type { RemediationPlan } from "../core/diagnosis.js";

export type ApplyMode = "propose" | "dry-run" | "auto";

export interface ApplyRule {
  action?: string;
  namespace?: string;
  mode: ApplyMode;
}

export interface ApplyPolicyOptions {
  mode: ApplyMode;
  /** First matching rule wins over `mode`. */
  rules: readonly ApplyRule[];
  /** `auto` applies only these actions ... */
  allowActions: readonly string[];
  /** ... in these namespaces. */
  allowNamespaces: readonly string[];
  ratePerHour: number;
  clock?: () => Date;
}

export type AutoDecision = { ok: true } | { ok: false; reason: string };

export class ApplyPolicy {
  private readonly applied: number[] = [];
  private readonly clock: () => Date;

  constructor(private readonly options: ApplyPolicyOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  modeFor(plan: Pick<RemediationPlan, "action" | "target">): ApplyMode {
    const ns = plan.target.namespace;
    const rule = this.options.rules.find(
      (r) =>
        (r.action === undefined || r.action === plan.action) &&
        (r.namespace === undefined || r.namespace === ns),
    );
    return rule?.mode ?? this.options.mode;
  }

  /** Whether an automatic apply may happen now; takes a slot of the hourly budget when it may. */
  admitAuto(plan: Pick<RemediationPlan, "action" | "target">): AutoDecision {
    const ns = plan.target.namespace ?? "";
    if (!this.options.allowActions.includes(plan.action))
      return { ok: false, reason: `action ${plan.action} is not in apply.allow.actions` };
    if (!this.options.allowNamespaces.includes(ns))
      return { ok: false, reason: `namespace ${ns || "(cluster)"} is not in apply.allow.namespaces` };
    const now = this.clock().getTime();
    while (this.applied.length > 0 && (this.applied[0] as number) <= now - 3_600_000) this.applied.shift();
    if (this.applied.length >= this.options.ratePerHour)
      return {
        ok: false,
        reason: `rate limit: ${this.options.ratePerHour} automatic applies in the last hour`,
      };
    this.applied.push(now);
    return { ok: true };
  }
}

import type { RemediationPlan } from "../../../src/core/diagnosis.js";
import { humanize } from "../lib/vocabulary.js";
import { Facts, Section, Time } from "./common.js";

export function PlanSection(props: { plan: RemediationPlan | undefined }) {
  const plan = props.plan;
  return (
    <Section id="plan" title="Plan">
      {!plan ? (
        <p>No remediation planned yet.</p>
      ) : (
        <>
          <Facts
            items={[
              ["Action", <strong>{humanize(plan.action)}</strong>],
              [
                "Target",
                <code>
                  {`${plan.target.kind}/${plan.target.name}`}
                  {plan.target.namespace ? ` -n ${plan.target.namespace}` : ""}
                  {plan.target.container ? ` (container ${plan.target.container})` : ""}
                </code>,
              ],
              ["Risk", <span class={`badge risk-${plan.risk}`}>{plan.risk} risk</span>],
              ["Planned", <Time iso={plan.createdAt} absolute />],
            ]}
          />
          <p>{plan.rationale}</p>
          {plan.reason && (
            <p>
              <strong>What to do:</strong> {plan.reason}
            </p>
          )}
          {Object.keys(plan.params ?? {}).length > 0 && (
            <>
              <h3>Parameters</h3>
              <Facts
                items={Object.entries(plan.params).map(([key, value]) => [
                  key,
                  <code>{typeof value === "string" ? value : JSON.stringify(value)}</code>,
                ])}
              />
            </>
          )}
          {plan.kubectl && (
            <>
              <h3>Equivalent kubectl command</h3>
              {/* Focusable, so that a keyboard can scroll a long command. */}
              <pre class="code" tabIndex={0} aria-label="Equivalent kubectl command">
                <code>{plan.kubectl}</code>
              </pre>
            </>
          )}
          {plan.patch && (
            <details>
              <summary>Strategic-merge patch</summary>
              <pre class="code" tabIndex={0} aria-label="Strategic-merge patch">
                <code>{JSON.stringify(plan.patch, null, 2)}</code>
              </pre>
            </details>
          )}
        </>
      )}
    </Section>
  );
}

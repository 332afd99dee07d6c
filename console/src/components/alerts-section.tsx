import type { IncidentAlert } from "../../../src/core/incident.js";
import { Facts, Labels, Section, Time } from "./common.js";
import { safeHref } from "../lib/url.js";

/** The alerts of the incident: labels, the summary and description annotations, and when they fired. */
export function AlertsSection(props: { alerts: IncidentAlert[] | undefined; now: Date }) {
  const alerts = props.alerts ?? [];
  return (
    <Section id="alerts" title={`Alerts (${alerts.length})`}>
      {alerts.length === 0 && <p>No alerts recorded.</p>}
      {alerts.map((alert) => {
        const { summary, description, ...otherAnnotations } = alert.annotations ?? {};
        return (
          <article key={`${alert.fingerprint}-${alert.startsAt}`} class="alert">
            <h3>
              {alert.labels?.["alertname"] ?? "alert"}{" "}
              <span class={`badge alert-${alert.status}`}>{alert.status}</span>
            </h3>
            {summary && <p class="summary">{summary}</p>}
            {description && <p>{description}</p>}
            <Facts
              items={[
                ["Starts at", <Time iso={alert.startsAt} now={props.now} />],
                ["First seen", <Time iso={alert.firstSeenAt} now={props.now} />],
                ["Last seen", <Time iso={alert.lastSeenAt} now={props.now} />],
                ["Resolved", alert.resolvedAt ? <Time iso={alert.resolvedAt} now={props.now} /> : undefined],
                ["Notifications", String(alert.notifications)],
                ["Fingerprint", <code>{alert.fingerprint}</code>],
                [
                  "Source",
                  safeHref(alert.generatorURL) ? (
                    <a href={safeHref(alert.generatorURL)} rel="noreferrer noopener" target="_blank">
                      generator
                    </a>
                  ) : undefined,
                ],
              ]}
            />
            <h4>Labels</h4>
            <Labels labels={alert.labels} />
            {Object.keys(otherAnnotations).length > 0 && (
              <>
                <h4>Other annotations</h4>
                <Labels labels={otherAnnotations} />
              </>
            )}
          </article>
        );
      })}
    </Section>
  );
}

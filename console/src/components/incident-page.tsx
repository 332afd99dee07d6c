/** One incident in full: what fired, what was found, what is proposed, and the decisions on it. */
import { useEffect, useState } from "preact/hooks";
import type { Incident, IncidentSummary } from "../../../src/core/incident.js";
import type { Api } from "../api/client.js";
import { ApiError, messageOf } from "../api/errors.js";
import { incidentHash } from "../lib/route.js";
import { formatDuration } from "../lib/time.js";
import { humanize } from "../lib/vocabulary.js";
import { AlertsSection } from "./alerts-section.js";
import { ErrorMessage, Facts, SeverityBadge, StateBadge, Time } from "./common.js";
import { DiagnosisSection, SimilarSection } from "./diagnosis-section.js";
import { EvidenceSection } from "./evidence-section.js";
import { FeedbackSection } from "./feedback-section.js";
import { useFocusOnMount, useNow } from "./hooks.js";
import { PlanSection } from "./plan-section.js";
import { ProposalSection } from "./proposal-section.js";
import { TimelineSection } from "./timeline-section.js";

export interface IncidentPageProps {
  api: Api;
  id: string;
  reload: number;
  subscribe: (listener: (summary: IncidentSummary) => void) => () => void;
}

const SECTIONS: [id: string, title: string][] = [
  ["diagnosis", "Diagnosis"],
  ["plan", "Plan"],
  ["proposal", "Proposed change"],
  ["timeline", "Timeline"],
  ["similar", "Similar incidents"],
  ["alerts", "Alerts"],
  ["evidence", "Evidence"],
  ["feedback", "Feedback"],
];

export function IncidentPage(props: IncidentPageProps) {
  const { api, id, reload, subscribe } = props;
  const [incident, setIncident] = useState<Incident>();
  const [error, setError] = useState<{ message: string; status?: number }>();
  // Bumped by a live event for this incident or after an action, to fetch it again.
  const [version, setVersion] = useState(0);
  const now = useNow();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const refresh = (): void => setVersion((v) => v + 1);

  useEffect(() => {
    const controller = new AbortController();
    api
      .getIncident(id, controller.signal)
      .then((fetched) => {
        setIncident(fetched);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setError({ message: messageOf(err), ...(err instanceof ApiError ? { status: err.status } : {}) });
      });
    return () => controller.abort();
  }, [api, id, reload, version]);

  useEffect(() => subscribe((summary) => summary.id === id && refresh()), [subscribe, id]);

  useEffect(() => {
    document.title = `${incident?.alertname ?? id} · kube-aiops`;
  }, [incident?.alertname, id]);

  if (!incident) {
    return (
      <>
        <h1 ref={heading} tabIndex={-1}>
          Incident {id}
        </h1>
        {error ? (
          <>
            <ErrorMessage message={error.status === 404 ? `No incident with id ${id}.` : error.message} />
            <p>
              <a href="#/">Back to the incident list</a>
            </p>
          </>
        ) : (
          <p role="status">Loading…</p>
        )}
      </>
    );
  }

  const subject = incident.subject;
  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href="#/">Incidents</a> <span aria-hidden="true">›</span> <span>{incident.id}</span>
      </nav>
      <header class="incident-header">
        <h1 ref={heading} tabIndex={-1}>
          {incident.alertname}
        </h1>
        <p class="badges">
          <StateBadge state={incident.state} /> <SeverityBadge severity={incident.severity} />
          {incident.category && <span class="badge">{humanize(incident.category)}</span>}
        </p>
        <Facts
          items={[
            ["Id", <code>{incident.id}</code>],
            ["Namespace", incident.namespace],
            ["Subject", subject ? <code>{`${subject.kind}/${subject.name}`}</code> : undefined],
            ["Opened", <Time iso={incident.openedAt} now={now} />],
            ["Updated", <Time iso={incident.updatedAt} now={now} />],
            ["Resolved", incident.resolvedAt ? <Time iso={incident.resolvedAt} now={now} /> : undefined],
            [
              "Time to resolve",
              incident.timeToResolveMs !== undefined ? formatDuration(incident.timeToResolveMs) : undefined,
            ],
            ["Notifications", String(incident.notifications)],
          ]}
        />
        <ErrorMessage message={incident.error} />
        {error && <ErrorMessage message={`Could not refresh: ${error.message}`} />}
      </header>
      <nav aria-label="Sections" class="toc">
        <ul>
          {SECTIONS.map(([section, title]) => (
            <li key={section}>
              <a
                href={incidentHash(id)}
                onClick={(e) => {
                  // Hash routing owns the fragment, so jump to the section by script.
                  e.preventDefault();
                  const target = document.getElementById(section);
                  target?.scrollIntoView();
                  target?.querySelector("h2")?.focus();
                }}
              >
                {title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <DiagnosisSection diagnosis={incident.diagnosis} />
      <PlanSection plan={incident.plan} />
      <ProposalSection api={api} incident={incident} onChange={refresh} />
      <TimelineSection incident={incident} />
      <SimilarSection similar={incident.diagnosis?.similar} />
      <AlertsSection alerts={incident.alerts} now={now} />
      <EvidenceSection evidence={incident.evidence} />
      <FeedbackSection api={api} incident={incident} onChange={refresh} />
    </>
  );
}

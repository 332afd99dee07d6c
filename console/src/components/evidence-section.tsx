/**
 * The evidence gathered for the incident. Every part is optional here: incidents stored
 * by older versions, or whose sources failed, lack some of them.
 */
import type {
  ContainerEvidence,
  Evidence,
  EventEvidence,
  LogEvidence,
  MetricEvidence,
  PodEvidence,
  RolloutEvidence,
  Termination,
} from "../../../src/core/evidence.js";
import { formatMetricValue } from "../lib/number.js";
import { Facts, Section, Time } from "./common.js";

/** Log excerpts longer than this are collapsed. */
const LONG_LOG_LINES = 12;

type Loose<T> = { [K in keyof T]?: T[K] | undefined };

export function EvidenceSection(props: { evidence: Evidence | undefined }) {
  const evidence: Loose<Evidence> | undefined = props.evidence;
  if (!evidence) {
    return (
      <Section id="evidence" title="Evidence">
        <p>No evidence gathered yet.</p>
      </Section>
    );
  }
  const workload = evidence.workload;
  return (
    <Section id="evidence" title="Evidence">
      <Facts
        items={[
          ["Collected", <Time iso={evidence.collectedAt} absolute />],
          [
            "Owner chain",
            evidence.ownerChain?.length
              ? evidence.ownerChain.map((o) => `${o.kind}/${o.name}`).join(" → ")
              : undefined,
          ],
          [
            "Workload",
            workload &&
              `${workload.ref.kind}/${workload.ref.name}${workload.replicas !== undefined ? `: ${workload.readyReplicas ?? 0}/${workload.replicas} ready` : ""}${workload.revision !== undefined ? `, revision ${workload.revision}` : ""}`,
          ],
        ]}
      />
      {(evidence.gaps ?? []).length > 0 && (
        <div class="notice">
          <h3>Gaps</h3>
          <ul>
            {evidence.gaps?.map((gap, i) => (
              <li key={i}>
                <strong>{gap.source}</strong>: {gap.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
      <Pods pods={evidence.pods ?? []} />
      <Events events={evidence.events ?? []} />
      <Logs logs={evidence.logs ?? []} />
      <Metrics metrics={evidence.metrics ?? []} />
      {evidence.rollout && <Rollout rollout={evidence.rollout} />}
      {(evidence.configRefs ?? []).length > 0 && (
        <>
          <h3>Configuration references</h3>
          <ul class="plain">
            {evidence.configRefs?.map((ref, i) => (
              <li key={i}>
                <code>
                  {ref.kind}/{ref.name}
                  {ref.key ? ` key ${ref.key}` : ""}
                </code>{" "}
                via {ref.via}
                {ref.container ? ` in ${ref.container}` : ""}:{" "}
                <strong>{ref.exists ? (ref.checked === false ? "not checked" : "exists") : "MISSING"}</strong>
                {ref.optional ? " (optional)" : ""}
              </li>
            ))}
          </ul>
        </>
      )}
      <OtherEvidence evidence={evidence} />
    </Section>
  );
}

function termination(t: Termination | undefined): string {
  if (!t) return "";
  const parts = [t.reason, t.exitCode !== undefined ? `exit ${t.exitCode}` : undefined, t.message];
  return parts.filter(Boolean).join(", ");
}

function containerState(c: ContainerEvidence): string {
  const state = c.state === "waiting" && c.waitingReason ? `waiting: ${c.waitingReason}` : c.state;
  const terminated = c.terminated ? `; terminated: ${termination(c.terminated)}` : "";
  const last = c.lastTermination ? `; last termination: ${termination(c.lastTermination)}` : "";
  return `${state}${c.ready ? ", ready" : ", not ready"}${terminated}${last}`;
}

function Pods(props: { pods: PodEvidence[] }) {
  if (props.pods.length === 0) return null;
  return (
    <>
      <h3>Pods</h3>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Pod</th>
              <th scope="col">Phase</th>
              <th scope="col">Node</th>
              <th scope="col">Containers</th>
            </tr>
          </thead>
          <tbody>
            {props.pods.map((pod) => (
              <tr key={`${pod.namespace}/${pod.name}`}>
                <th scope="row" class="mono">
                  {pod.name}
                  {pod.alerted && <span class="tag">alerted</span>}
                  {pod.deleting && <span class="tag">deleting</span>}
                </th>
                <td>
                  {pod.phase ?? "—"}
                  {pod.reason ? ` (${pod.reason})` : ""}
                </td>
                <td class="mono">{pod.nodeName ?? "—"}</td>
                <td>
                  <ul class="plain">
                    {(pod.containers ?? []).map((c) => (
                      <li key={c.name}>
                        <code>{c.name}</code>
                        {c.init ? " (init)" : ""}: {containerState(c)}; restarts {c.restartCount}
                        {Object.keys(c.resources?.limits ?? {}).length > 0 &&
                          `; limits ${Object.entries(c.resources.limits)
                            .map(([k, v]) => `${k} ${v}`)
                            .join(", ")}`}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Events(props: { events: EventEvidence[] }) {
  if (props.events.length === 0) return null;
  return (
    <>
      <h3>Events</h3>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Reason</th>
              <th scope="col">Object</th>
              <th scope="col">Message</th>
              <th scope="col" class="num">
                Count
              </th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {props.events.map((event, i) => (
              <tr key={i}>
                <td>{event.type === "Warning" ? <strong>Warning</strong> : event.type}</td>
                <td>{event.reason}</td>
                <td class="mono">{event.involved ? `${event.involved.kind}/${event.involved.name}` : ""}</td>
                <td>{event.message}</td>
                <td class="num">{event.count}</td>
                <td>
                  <Time iso={event.lastTimestamp ?? event.firstTimestamp} absolute />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Lines(props: { lines: string[]; label: string }) {
  const text = props.lines.join("\n");
  const pre = (
    <pre class="code log" tabIndex={0} aria-label={props.label}>
      {text}
    </pre>
  );
  if (props.lines.length <= LONG_LOG_LINES) return pre;
  return (
    <details>
      <summary>
        {props.label}: {props.lines.length} lines (show)
      </summary>
      {pre}
    </details>
  );
}

function Logs(props: { logs: LogEvidence[] }) {
  if (props.logs.length === 0) return null;
  return (
    <>
      <h3>Logs</h3>
      {props.logs.map((log, i) => {
        const name = `${log.pod}/${log.container}${log.previous ? " (previous run)" : ""}`;
        return (
          <article key={i} class="log-excerpt">
            <h4>
              <code>{name}</code>{" "}
              <span class="muted">
                {log.totalLines} lines{log.truncated ? ", excerpt" : ""}
              </span>
            </h4>
            {(log.errorLines ?? []).length > 0 && (
              <Lines lines={log.errorLines} label={`Error lines of ${name}`} />
            )}
            {(log.tail ?? []).length > 0 && <Lines lines={log.tail} label={`Last lines of ${name}`} />}
          </article>
        );
      })}
    </>
  );
}

function Metrics(props: { metrics: MetricEvidence[] }) {
  if (props.metrics.length === 0) return null;
  return (
    <>
      <h3>Metrics</h3>
      {props.metrics.map((metric, i) => (
        <div key={i} class="metric">
          <p>
            <code>{metric.query}</code>
          </p>
          {(metric.series ?? []).length === 0 ? (
            <p class="muted">No series.</p>
          ) : (
            <ul class="plain">
              {metric.series.map((series, j) => {
                const last = series.value ?? series.values?.at(-1)?.[1];
                const labels = Object.entries(series.labels ?? {})
                  .filter(([k]) => k !== "__name__")
                  .map(([k, v]) => `${k}="${v}"`)
                  .join(", ");
                return (
                  <li key={j}>
                    <code>{labels ? `{${labels}}` : "{}"}</code> ={" "}
                    <strong>{formatMetricValue(last, metric.metric ?? metric.query)}</strong>
                    {series.values && series.values.length > 1
                      ? ` (last of ${series.values.length} samples)`
                      : ""}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      ))}
    </>
  );
}

function Rollout(props: { rollout: RolloutEvidence }) {
  const { rollout } = props;
  return (
    <>
      <h3>
        Rollout history of {rollout.workload?.kind}/{rollout.workload?.name}
        {rollout.progressDeadlineExceeded ? " (progress deadline exceeded)" : ""}
      </h3>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col" class="num">
                Revision
              </th>
              <th scope="col">Name</th>
              <th scope="col">Images</th>
              <th scope="col">Ready</th>
              <th scope="col">Health</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {(rollout.revisions ?? []).map((rev) => (
              <tr key={rev.name}>
                <td class="num">
                  {rev.revision}
                  {rev.current ? " (current)" : ""}
                </td>
                <td class="mono">{rev.name}</td>
                <td class="mono">
                  {Object.entries(rev.images ?? {})
                    .map(([c, image]) => `${c}=${image}`)
                    .join(", ")}
                </td>
                <td>
                  {rev.readyReplicas}/{rev.replicas}
                  {rev.failingPods ? `, ${rev.failingPods} failing` : ""}
                </td>
                <td>{rev.healthy ? "healthy" : "unhealthy"}</td>
                <td>
                  <Time iso={rev.createdAt} absolute />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Nodes, volumes, autoscalers, services and related workloads: shown as data, folded. */
function OtherEvidence(props: { evidence: Loose<Evidence> }) {
  const parts: [string, unknown[] | undefined][] = [
    ["Nodes", props.evidence.nodes],
    ["Persistent volume claims", props.evidence.pvcs],
    ["Horizontal pod autoscalers", props.evidence.hpas],
    ["Services", props.evidence.services],
    ["Related workloads", props.evidence.relatedWorkloads],
  ];
  const present = parts.filter(([, items]) => (items ?? []).length > 0);
  if (present.length === 0) return null;
  return (
    <>
      <h3>Other objects</h3>
      {present.map(([title, items]) => (
        <details key={title}>
          <summary>
            {title} ({items?.length})
          </summary>
          <pre class="code" tabIndex={0}>
            {JSON.stringify(items, null, 2)}
          </pre>
        </details>
      ))}
    </>
  );
}

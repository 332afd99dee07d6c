/** Small shared pieces: times, state badges, key/value lists, sections. */
import type { ComponentChildren } from "preact";
import type { IncidentState } from "../../../src/core/incident.js";
import { formatAbsolute, relativeTime } from "../lib/time.js";
import { stateLabel } from "../lib/vocabulary.js";

/** A time shown relative to now (or absolute), with the exact time in the tooltip and datetime. */
export function Time(props: { iso: string | undefined; now?: Date; absolute?: boolean }) {
  const { iso, now } = props;
  if (!iso) return <span>—</span>;
  const exact = formatAbsolute(iso) || iso;
  const shown = props.absolute || !now ? exact : relativeTime(iso, now) || exact;
  return (
    <time dateTime={iso} title={exact}>
      {shown}
    </time>
  );
}

/** The state as text in a badge: the colour only repeats what the word says. */
export function StateBadge(props: { state: IncidentState }) {
  return <span class={`badge state-${props.state}`}>{stateLabel(props.state)}</span>;
}

export function SeverityBadge(props: { severity: string | undefined }) {
  if (!props.severity) return <span>—</span>;
  const known = ["critical", "warning", "info"].includes(props.severity) ? props.severity : "other";
  return <span class={`badge severity-${known}`}>{props.severity}</span>;
}

/** A definition list of label → value, skipping empty values. */
export function Facts(props: { items: [label: string, value: ComponentChildren][] }) {
  const items = props.items.filter(([, value]) => value !== undefined && value !== null && value !== "");
  if (items.length === 0) return null;
  return (
    <dl class="facts">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** label=value pairs as code chips. */
export function Labels(props: { labels: Record<string, string> | undefined }) {
  const entries = Object.entries(props.labels ?? {});
  if (entries.length === 0) return <span>—</span>;
  return (
    <ul class="labels">
      {entries.map(([key, value]) => (
        <li key={key}>
          <code>
            {key}={value}
          </code>
        </li>
      ))}
    </ul>
  );
}

/** A titled page section that the in-page navigation can link to. */
export function Section(props: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section id={props.id} aria-labelledby={`${props.id}-title`} class="card">
      <h2 id={`${props.id}-title`} tabIndex={-1}>
        {props.title}
      </h2>
      {props.children}
    </section>
  );
}

export function ErrorMessage(props: { message: string | undefined }) {
  if (!props.message) return null;
  return (
    <p class="error" role="alert">
      <strong>Error:</strong> {props.message}
    </p>
  );
}

/** Who is acting and why: the optional name and note sent with a decision or feedback. */
export function ByAndNote(props: {
  /** Prefix of the fields' ids, unique on the page. */
  idPrefix: string;
  by: string;
  note: string;
  onBy: (value: string) => void;
  onNote: (value: string) => void;
}) {
  const { idPrefix, by, note, onBy, onNote } = props;
  return (
    <div class="row">
      <div class="field">
        <label for={`${idPrefix}-by`}>Your name (optional)</label>
        <input
          id={`${idPrefix}-by`}
          value={by}
          maxLength={200}
          autocomplete="name"
          onInput={(e) => onBy(e.currentTarget.value)}
        />
      </div>
      <div class="field wide">
        <label for={`${idPrefix}-note`}>Note (optional)</label>
        <textarea
          id={`${idPrefix}-note`}
          value={note}
          maxLength={2000}
          rows={2}
          onInput={(e) => onNote(e.currentTarget.value)}
        />
      </div>
    </div>
  );
}

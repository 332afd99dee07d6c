import type { Incident } from "../../../src/core/incident.js";
import { buildTimeline } from "../lib/timeline.js";
import { Section, Time } from "./common.js";

export function TimelineSection(props: { incident: Incident }) {
  const entries = buildTimeline(props.incident);
  return (
    <Section id="timeline" title="Timeline">
      <ol class="timeline">
        {entries.map((entry, index) => (
          <li key={`${entry.at}-${index}`}>
            <Time iso={entry.at} absolute />
            <span class="event">{entry.label}</span>
            {entry.detail && <span class="detail">{entry.detail}</span>}
          </li>
        ))}
      </ol>
    </Section>
  );
}

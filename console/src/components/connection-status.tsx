import type { LiveStatus } from "../api/live.js";

const TEXT: Record<LiveStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  stopped: "Not connected",
};

/** The live stream's state in words (the dot only repeats it). */
export function ConnectionStatus(props: { status: LiveStatus }) {
  return (
    <p
      class={`connection connection-${props.status}`}
      data-testid="connection-status"
      data-state={props.status}
    >
      <span class="dot" aria-hidden="true" />
      <span class="visually-hidden">Updates: </span>
      {TEXT[props.status]}
    </p>
  );
}

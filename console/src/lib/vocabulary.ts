/**
 * The closed vocabularies the console offers in its filters and forms. Categories and
 * actions come from the service's own constants module (plain data, bundled by Vite) so
 * they cannot drift; states are listed here as a record so the compiler flags a new one.
 */
import type { IncidentState } from "../../../src/core/incident.js";

export { ACTIONS, CATEGORIES, isCategory } from "../../../src/core/vocabulary.js";
export type { Action, Category } from "../../../src/core/vocabulary.js";

const STATE_LABELS: Record<IncidentState, string> = {
  open: "Open",
  diagnosed: "Diagnosed",
  planned: "Planned",
  resolved: "Resolved",
  failed: "Failed",
};

export const STATES = Object.keys(STATE_LABELS) as IncidentState[];

export function isState(value: unknown): value is IncidentState {
  return typeof value === "string" && Object.hasOwn(STATE_LABELS, value);
}

export function stateLabel(state: IncidentState): string {
  return STATE_LABELS[state] ?? state;
}

/** "oom_killed" → "oom killed": readable without inventing names the API does not use. */
export function humanize(value: string): string {
  return value.replaceAll("_", " ");
}

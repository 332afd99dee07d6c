/** The console's route to an incident: it routes by URL fragment, so the server needs none. */
export function incidentFragment(incidentId: string): string {
  return `#/incidents/${encodeURIComponent(incidentId)}`;
}

/** The incident's page in the console served at `consoleUrl`. */
export function consoleIncidentUrl(consoleUrl: string, incidentId: string): string {
  return `${consoleUrl.replace(/\/+$/, "")}/${incidentFragment(incidentId)}`;
}

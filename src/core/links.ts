/** The incident's page in the console served at `consoleUrl` (the console routes by URL fragment). */
export function consoleIncidentUrl(consoleUrl: string, incidentId: string): string {
  return `${consoleUrl.replace(/\/+$/, "")}/#/incidents/${encodeURIComponent(incidentId)}`;
}

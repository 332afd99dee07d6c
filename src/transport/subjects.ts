/** Stages of the pipeline, and their default subject names (configurable, kept here). */
export const Stage = {
  Alerts: "alerts",
  Incidents: "incidents",
  Diagnoses: "diagnoses",
  Remediations: "remediations",
  /** An incident changed in a way people are told about (the notifier's input). */
  Notifications: "notifications",
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];
export const STAGES = Object.values(Stage) as readonly Stage[];

export interface SubjectNames {
  alerts: string;
  incidents: string;
  diagnoses: string;
  remediations: string;
  notifications: string;
  deadLetter: string;
}

export const DEFAULT_SUBJECTS: SubjectNames = {
  alerts: "aiops.alerts",
  incidents: "aiops.incidents",
  diagnoses: "aiops.diagnoses",
  remediations: "aiops.remediations",
  notifications: "aiops.notifications",
  deadLetter: "aiops.deadletter",
};

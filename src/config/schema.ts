import { z } from "zod";
import { DEFAULT_SUBJECTS } from "../transport/subjects.js";

/**
 * The configuration, with its defaults: the embedded default needs no setting at all.
 * docs/configuration.md documents every key, its env variable and its flag.
 */
export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      port: z.coerce.number().int().min(0).max(65535).default(8080),
      /** Webhook bodies above this size get 413. */
      bodyLimitBytes: z.coerce
        .number()
        .int()
        .min(1024)
        .default(1024 * 1024),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** Alertmanager `http_config.authorization.credentials` (Bearer). */
      bearerToken: z.string().min(8).optional(),
      /** Alertmanager `http_config.basic_auth`. */
      basicUsername: z.string().min(1).optional(),
      basicPassword: z.string().min(8).optional(),
    })
    .prefault({})
    .refine((a) => (a.basicUsername === undefined) === (a.basicPassword === undefined), {
      message: "basicUsername and basicPassword must be set together",
      path: ["basicUsername"],
    }),
  bus: z
    .strictObject({
      kind: z.enum(["memory"]).default("memory"),
      /** Deliveries before a failing message is dead-lettered. */
      maxDeliver: z.coerce.number().int().min(1).max(100).default(5),
      subjects: z
        .strictObject({
          alerts: z.string().min(1).default(DEFAULT_SUBJECTS.alerts),
          incidents: z.string().min(1).default(DEFAULT_SUBJECTS.incidents),
          diagnoses: z.string().min(1).default(DEFAULT_SUBJECTS.diagnoses),
          remediations: z.string().min(1).default(DEFAULT_SUBJECTS.remediations),
          deadLetter: z.string().min(1).default(DEFAULT_SUBJECTS.deadLetter),
        })
        .prefault({}),
    })
    .prefault({}),
  store: z
    .strictObject({
      kind: z.enum(["sqlite", "memory"]).default("sqlite"),
      /** SQLite file; also journals the in-process bus so nothing accepted is lost on restart. */
      path: z.string().min(1).default("data/aiops.db"),
    })
    .prefault({}),
  context: z
    .strictObject({
      /** `none`: evidence from the alert alone. `snapshot`: a scenario or `kubectl get -o json` List file. */
      kind: z.enum(["none", "snapshot"]).default("none"),
      snapshot: z.string().min(1).optional(),
    })
    .prefault({})
    .refine((c) => c.kind !== "snapshot" || c.snapshot !== undefined, {
      message: "context.snapshot (a file) is required when context.kind is snapshot",
      path: ["snapshot"],
    }),
  log: z
    .strictObject({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

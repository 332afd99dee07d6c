/**
 * The envelope frame every bus adapter checks alike: on publish (an InputError) and, for
 * a bus whose messages cross a process boundary, on delivery (poison).
 */
import { InputError } from "../core/errors.js";
import { ENVELOPE_VERSION } from "./bus.js";
import type { Envelope } from "./bus.js";
import type { Stage } from "./subjects.js";

/** What is wrong with an envelope's frame, and the field at fault (the payload is the handler's to validate). */
export function frameProblem(stage: Stage, value: unknown): { problem: string; field: string } | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { problem: "not an envelope object", field: "envelope" };
  }
  const env = value as Partial<Envelope>;
  if (env.v !== ENVELOPE_VERSION)
    return { problem: `unsupported envelope version ${String(env.v)}`, field: "v" };
  if (env.type !== stage)
    return { problem: `envelope of type ${String(env.type)} on stage ${stage}`, field: "type" };
  if (typeof env.id !== "string" || !env.id) return { problem: "envelope id is missing", field: "id" };
  if (typeof env.idempotencyKey !== "string" || !env.idempotencyKey)
    return { problem: "envelope idempotencyKey is missing", field: "idempotencyKey" };
  return undefined;
}

/** Validates the envelope's frame and serialises it; InputError when it cannot travel. */
export function serialiseEnvelope(stage: Stage, envelope: Envelope<unknown>): string {
  const frame = frameProblem(stage, envelope);
  if (frame) throw new InputError(frame.problem, frame.field);
  try {
    return JSON.stringify(envelope);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InputError(`envelope is not JSON-serialisable: ${detail}`, "payload");
  }
}

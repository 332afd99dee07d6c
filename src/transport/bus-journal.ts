/**
 * Where the in-process bus writes what it accepted, so that nothing accepted is lost
 * across a restart: a message is appended before `publish` resolves, and marked done
 * after its handler's outcome. On start, messages still pending are redelivered (a crash
 * mid-message means one more delivery; handlers are idempotent).
 *
 * Methods may be synchronous (SQLite) or asynchronous; callers always await them.
 * One bus process owns a journal at a time: it is not a shared queue between processes.
 */
import type { DeadLetter, Envelope } from "./bus.js";
import type { Stage } from "./subjects.js";

export type Awaitable<T> = T | Promise<T>;

export const JournalOutcome = { Ack: "ack", Term: "term" } as const;
export type JournalOutcome = (typeof JournalOutcome)[keyof typeof JournalOutcome];

/** A message appended but not yet done. */
export interface PendingMessage {
  stage: Stage;
  envelope: Envelope;
  /** Deliveries started so far (across restarts), recorded before each handler call. */
  deliveries: number;
}

export interface BusJournal {
  /**
   * Stores the message durably. Returns false, storing nothing, when the stage already
   * holds a message with the same idempotency key (or envelope id) in the journal's
   * retention window: the publish is a duplicate.
   */
  append(stage: Stage, envelope: Envelope): Awaitable<boolean>;
  /** Counts one more delivery of the message, before its handler runs. */
  recordDelivery(stage: Stage, envelopeId: string): Awaitable<void>;
  /** The message is finished: acked, or terminated with a reason (then it is a dead letter). */
  markDone(stage: Stage, envelopeId: string, outcome: JournalOutcome, reason?: string): Awaitable<void>;
  /** Messages appended and not done, oldest first; of one stage when given. */
  pending(stage?: Stage): Awaitable<PendingMessage[]>;
  /** Terminated messages, newest last, at most `limit`. */
  deadLetters(limit: number): Awaitable<DeadLetter[]>;
}

/**
 * The bus joins the agents. Two adapters: in-process (memory/, the embedded default,
 * optionally journaled to SQLite so that nothing accepted is lost across a restart)
 * and NATS JetStream (its own issue). The port is shaped for JetStream semantics:
 * a durable consumer per agent shares the work between replicas, every message is
 * acknowledged explicitly after the handler's side effects, retried with a delay, or
 * terminated with a reason and copied to the dead-letter subject.
 */
import type { Stage } from "./subjects.js";

export const ENVELOPE_VERSION = 1;

/** A versioned message between agents. */
export interface Envelope<T = unknown> {
  v: typeof ENVELOPE_VERSION;
  type: Stage;
  /** Unique per publish. */
  id: string;
  /** Same for every publish of the same logical message: the bus drops duplicates. */
  idempotencyKey: string;
  incidentId?: string;
  publishedAt: string;
  payload: T;
}

/** What a handler wants done with a message. Mapped to ack / nak(delay) / term in one place per adapter. */
export type HandlerOutcome =
  { kind: "ack" } | { kind: "retry"; delayMs: number; reason: string } | { kind: "term"; reason: string };

export interface DeliveryContext {
  /** 1 on first delivery. */
  deliveryCount: number;
  /** Tells the bus the handler is still working (JetStream `working()`), so it is not redelivered. */
  working(): void;
}

export type Handler<T> = (envelope: Envelope<T>, ctx: DeliveryContext) => Promise<HandlerOutcome | void>;

export interface ConsumeOptions {
  /** Durable consumer name; replicas with the same name share the messages. */
  durable: string;
  /** Messages handled at once by this process. */
  concurrency?: number;
  /** After this many deliveries a failing message is terminated and dead-lettered. */
  maxDeliver?: number;
  /**
   * A durable created now starts with the messages published from now on, not with the
   * stream's history (JetStream: deliver policy `new`). For a consumer added to a running
   * system that must not act on days of old messages (the notifier).
   */
  fromNow?: boolean;
}

export interface Subscription {
  /** Stops taking new messages and waits for in-flight handlers. */
  drain(): Promise<void>;
}

export interface DeadLetter {
  envelope: Envelope;
  stage: Stage;
  reason: string;
  deliveries: number;
  at: string;
}

export interface Bus {
  readonly name: string;
  /** Resolves once the message is durably accepted (stored); rejects with BackendError otherwise. */
  publish<T>(stage: Stage, envelope: Envelope<T>): Promise<void>;
  consume<T>(stage: Stage, handler: Handler<T>, options: ConsumeOptions): Promise<Subscription>;
  /** Messages that were terminated, newest last. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** True when the bus can accept messages now. */
  ready(): boolean;
  /** Drains consumers and releases the connection. */
  close(): Promise<void>;
}

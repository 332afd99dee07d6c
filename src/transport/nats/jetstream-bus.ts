/**
 * The Bus port over NATS JetStream, for agents in separate processes and replicas.
 * Through the port it behaves as the in-process bus (the shared contract suite runs
 * against both); what JetStream adds is durability across processes:
 * - `publish` resolves after the server's PubAck (the message is stored on disk);
 *   the idempotency key is the JetStream message id, so a duplicate within the stream's
 *   duplicate window is stored once;
 * - each (stage, durable) is a durable pull consumer: replicas with the same durable
 *   share the messages, a handler that dies without acking is redelivered to another
 *   replica after ack_wait, and `working()` pushes that deadline back;
 * - outcomes come from `outcomeFor` (the one mapping): ack after the handler returns,
 *   nak(delay) for a retry, term for poison or the last delivery, with a copy of the
 *   message on the dead-letter subject first (its own stream).
 * Starting while NATS is unreachable is normal: `ready()` is false until connected and
 * the streams are ensured, `publish` rejects with a retryable BackendError meanwhile,
 * and consumers start pulling once the bus is ready.
 */
import { jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type {
  Consumer,
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  StoredMsg,
} from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { BackendError, InputError } from "../../core/errors.js";
import { ENVELOPE_VERSION } from "../bus.js";
import type {
  Bus,
  ConsumeOptions,
  DeadLetter,
  Envelope,
  Handler,
  HandlerOutcome,
  Subscription,
} from "../bus.js";
import { frameProblem, serialiseEnvelope } from "../envelope-frame.js";
import { backoffDelay, outcomeFor } from "../outcome.js";
import type { HandlerResult, RetryPolicy } from "../outcome.js";
import { STAGES } from "../subjects.js";
import type { Stage, SubjectNames } from "../subjects.js";
import { Coalescer } from "./coalesce.js";
import { connectNats } from "./connection.js";
import type { NatsConnectionHandle, NatsConnectionOptions } from "./connection.js";
import { ensureConsumer, ensureStreams, streamConfigs } from "./streams.js";
import type { ResolvedStreams, StreamOptions } from "./streams.js";
import { sleep } from "./sleep.js";

export interface JetStreamBusOptions {
  connection: NatsConnectionOptions;
  subjects: SubjectNames;
  /** Stream names and limits (see streams.ts for the defaults). */
  stream?: StreamOptions;
  /** maxDeliver for consumers that do not set one; also the consumer's server-side max_deliver. Default 5. */
  maxDeliver?: number;
  /** concurrency for consumers that do not set one. Default 1. */
  concurrency?: number;
  /** Time a handler has to finish (or call `working()`) before the message is redelivered. Default 30 000. */
  ackWaitMs?: number;
  /** First retry delay; doubles per delivery. Default 1000. */
  retryBaseMs?: number;
  /** Retry delay ceiling. Default 60 000. */
  retryMaxMs?: number;
  /** How long `publish` waits for the PubAck. Default 5000. */
  publishTimeoutMs?: number;
  /**
   * How long one pull request waits at the server for messages. Default 5000: a pull lost
   * with a restarted server then stalls a consumer for seconds, not half a minute.
   */
  pullExpiresMs?: number;
  logger: Logger;
  /** Told of every message this process terminated, after its dead letter is stored. */
  onDeadLetter?: (letter: DeadLetter) => void;
}

/** Headers of a dead letter on the dead-letter subject. */
export const DeadLetterHeaders = {
  Reason: "Aiops-Reason",
  Stage: "Aiops-Stage",
  Deliveries: "Aiops-Deliveries",
  /** Sequence of the original message in the work stream. */
  StreamSequence: "Aiops-Stream-Seq",
} as const;

/** Settle attempts of a dead letter before the message is left to the server. */
const DEAD_LETTER_ATTEMPTS = 3;
const HEADER_VALUE_MAX = 4_096;
const RAW_PAYLOAD_MAX = 64 * 1024;
const DEAD_LETTER_READ_BATCH = 20;

interface Worker {
  stage: Stage;
  /** The consumer's name at the server: one per (stage, durable). */
  consumerName: string;
  handler: Handler<unknown>;
  concurrency: number;
  maxDeliver: number;
  fromNow: boolean;
  /** Handlers running. */
  inFlight: number;
  /** Messages asked for by pull requests and not received yet. */
  credit: number;
  fetches: Set<ConsumerMessages>;
  consumer?: Consumer;
  /** The bus generation the consumer was ensured in; a reconnect bumps the bus's. */
  generation: number;
  stopping: boolean;
  wake: Signal;
  /** The pull loop; ends after stopping. */
  loop?: Promise<void>;
  drained?: Promise<void>;
  error?: unknown;
}

export class JetStreamBus implements Bus {
  readonly name = "nats";
  readonly #handle: NatsConnectionHandle;
  readonly #subjects: SubjectNames;
  readonly #streamOptions: StreamOptions;
  readonly #streamNames: ResolvedStreams;
  readonly #policy: RetryPolicy;
  readonly #defaultMaxDeliver: number;
  readonly #defaultConcurrency: number;
  readonly #ackWaitMs: number;
  readonly #publishTimeoutMs: number;
  readonly #pullExpiresMs: number;
  readonly #log: Logger;
  readonly #onDeadLetter: JetStreamBusOptions["onDeadLetter"];

  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #jsm: JetStreamManager | undefined;
  #streamsReady = false;
  /** Bumped each time the streams are ensured after a (re)connect: consumers are ensured again. */
  #generation = 0;
  #setupRunning = false;
  #setupAgain = false;
  readonly #readyChanged = new Signal();
  readonly #workers = new Set<Worker>();
  readonly #publishes = new Coalescer();
  readonly #stop = new AbortController();
  #closing: Promise<void> | undefined;
  #firstSetup: Promise<void>;
  #firstSetupDone!: () => void;

  private constructor(options: JetStreamBusOptions) {
    this.#subjects = options.subjects;
    this.#streamOptions = options.stream ?? {};
    const configs = streamConfigs(options.subjects, this.#streamOptions);
    this.#streamNames = { stream: configs.work.name, deadLetterStream: configs.deadLetter.name };
    this.#policy = {
      baseDelayMs: positive(options.retryBaseMs ?? 1_000, "retryBaseMs", 0),
      maxDelayMs: positive(options.retryMaxMs ?? 60_000, "retryMaxMs", 0),
    };
    this.#defaultMaxDeliver = integer(options.maxDeliver ?? 5, "maxDeliver");
    this.#defaultConcurrency = integer(options.concurrency ?? 1, "concurrency");
    this.#ackWaitMs = positive(options.ackWaitMs ?? 30_000, "ackWaitMs", 1);
    this.#publishTimeoutMs = positive(options.publishTimeoutMs ?? 5_000, "publishTimeoutMs", 1);
    this.#pullExpiresMs = positive(options.pullExpiresMs ?? 5_000, "pullExpiresMs", 1_000);
    this.#log = options.logger.child({ component: "jetstream-bus" });
    this.#onDeadLetter = options.onDeadLetter;
    this.#firstSetup = new Promise<void>((resolve) => (this.#firstSetupDone = resolve));
    this.#handle = connectNats(options.connection, options.logger);
    this.#handle.onConnect((nc) => this.#onConnect(nc));
  }

  /**
   * Starts connecting and returns when the first attempt has ended: connected with the
   * streams ensured (ready), or not (then it keeps trying in the background and
   * `ready()` stays false until it succeeds). Never rejects for an unreachable server;
   * rejects with InputError / ConfigError for options that can never work.
   */
  static async start(options: JetStreamBusOptions): Promise<JetStreamBus> {
    const bus = new JetStreamBus(options);
    await bus.#handle.firstAttempt();
    if (bus.#handle.isConnected()) await bus.#firstSetup;
    return bus;
  }

  /** Resolves once the bus is ready (connected, streams ensured); rejects if it is closed first. */
  async whenReady(): Promise<void> {
    while (!this.ready()) {
      if (this.#closing) throw new BackendError("the bus is closed", "nats", false);
      await this.#readyChanged.wait();
    }
  }

  /**
   * The bus's connection, once connected: other NATS adapters of the process (the KV
   * incident store) share it instead of opening their own. The bus owns it and closes
   * it in `close()`. Rejects with BackendError if the bus is closed before connecting.
   */
  connection(): Promise<NatsConnection> {
    return this.#handle.connection();
  }

  /** The stream names in use (work, dead letters). */
  get streams(): ResolvedStreams {
    return { ...this.#streamNames };
  }

  async publish<T>(stage: Stage, envelope: Envelope<T>): Promise<void> {
    if (this.#closing) throw new BackendError("the bus is closed", "nats", false);
    const subject = this.#subject(stage);
    const json = serialiseEnvelope(stage, envelope);
    const js = this.#js;
    const max = this.#nc?.info?.max_payload;
    if (max !== undefined && Buffer.byteLength(json) > max) {
      throw new InputError(`the message is larger than the server's max payload (${max} bytes)`, "payload");
    }
    if (!js || !this.ready()) {
      throw new BackendError(`NATS at ${this.#handle.servers} is not connected`, "nats", true);
    }
    try {
      // Keyed per stage as the in-process bus does: the same key on two stages is two messages.
      await this.#publishes.run(() =>
        js.publish(subject, json, {
          msgID: `${stage}:${envelope.idempotencyKey}`,
          timeout: this.#publishTimeoutMs,
          expect: { streamName: this.#streamNames.stream },
        }),
      );
    } catch (error) {
      throw new BackendError(`NATS did not store the message: ${describe(error)}`, "nats", true, {
        cause: error,
      });
    }
  }

  async consume<T>(stage: Stage, handler: Handler<T>, options: ConsumeOptions): Promise<Subscription> {
    if (this.#closing) throw new BackendError("the bus is closed", "nats", false);
    this.#subject(stage);
    if (!options.durable || !/^[A-Za-z0-9_-]+$/.test(options.durable)) {
      throw new InputError("a consumer needs a durable name of letters, digits, - and _", "durable");
    }
    const worker: Worker = {
      stage,
      consumerName: `${options.durable}-${stage}`,
      handler: handler as unknown as Handler<unknown>,
      concurrency: integer(options.concurrency ?? this.#defaultConcurrency, "concurrency"),
      maxDeliver: integer(options.maxDeliver ?? this.#defaultMaxDeliver, "maxDeliver"),
      fromNow: options.fromNow === true,
      inFlight: 0,
      credit: 0,
      fetches: new Set(),
      generation: -1,
      stopping: false,
      wake: new Signal(),
    };
    // When ready, a consumer that cannot be created fails the caller now; otherwise it is
    // created in the background once NATS is reachable.
    if (this.ready()) await this.#ensureConsumer(worker);
    this.#workers.add(worker);
    worker.loop = this.#run(worker);
    return { drain: () => this.#drain(worker) };
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const n = Math.max(0, Math.trunc(limit));
    const jsm = this.#jsm;
    if (!jsm || !this.#handle.isConnected()) {
      throw new BackendError(`NATS at ${this.#handle.servers} is not connected`, "nats", true);
    }
    if (n === 0) return [];
    const stream = this.#streamNames.deadLetterStream;
    try {
      const { state } = await jsm.streams.info(stream);
      const letters: DeadLetter[] = [];
      let seq = state.last_seq;
      while (letters.length < n && seq >= state.first_seq && seq > 0) {
        const batch: number[] = [];
        for (; batch.length < DEAD_LETTER_READ_BATCH && seq >= state.first_seq && seq > 0; seq--)
          batch.push(seq);
        const stored = await Promise.all(batch.map((s) => getMessage(jsm, stream, s)));
        for (const m of stored) {
          if (m && letters.length < n) letters.push(toDeadLetter(m));
        }
      }
      return letters.reverse();
    } catch (error) {
      throw new BackendError(`cannot read dead letters from NATS: ${describe(error)}`, "nats", true, {
        cause: error,
      });
    }
  }

  ready(): boolean {
    return this.#closing === undefined && this.#streamsReady && this.#handle.isConnected();
  }

  /** Stops pulling, waits for in-flight handlers (their acks are flushed), then drains the connection. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop.abort();
      this.#readyChanged.notify();
      await Promise.all([...this.#workers].map((w) => this.#drain(w)));
      await this.#handle.close();
    })();
    return this.#closing;
  }

  #subject(stage: Stage): string {
    if (!STAGES.includes(stage)) throw new InputError(`unknown stage ${String(stage)}`, "stage");
    return this.#subjects[stage];
  }

  #onConnect(nc: NatsConnection): void {
    this.#nc = nc;
    this.#js = jetstream(nc, { timeout: this.#publishTimeoutMs });
    if (this.#setupRunning) {
      this.#setupAgain = true;
      return;
    }
    void this.#setup(nc);
  }

  /** Ensures the streams after each (re)connect until it succeeds; never rejects. */
  async #setup(nc: NatsConnection): Promise<void> {
    this.#setupRunning = true;
    let attempt = 0;
    try {
      while (!this.#closing && !nc.isClosed()) {
        this.#setupAgain = false;
        attempt++;
        try {
          this.#jsm = await jetstreamManager(nc, { timeout: this.#publishTimeoutMs });
          const streams = await ensureStreams(this.#jsm, this.#subjects, this.#streamOptions);
          if (!this.#streamsReady) {
            this.#log.info(`NATS streams ${streams.stream} and ${streams.deadLetterStream} ready`);
          }
          this.#streamsReady = true;
          this.#generation++;
          // Pull requests made before a reconnect may be gone with a restarted server: pull again.
          for (const worker of this.#workers) for (const fetch of worker.fetches) fetch.stop();
          this.#readyChanged.notify();
          if (!this.#setupAgain) return;
        } catch (error) {
          if (error instanceof InputError) throw error;
          const delayMs = backoffDelay(attempt, { baseDelayMs: 500, maxDelayMs: 30_000 });
          this.#log.warn(
            `cannot ensure NATS streams: ${describe(error)}; retrying in ${(delayMs / 1000).toFixed(1)}s`,
          );
          this.#firstSetupDone();
          await sleep(delayMs, this.#stop.signal);
        }
      }
    } catch (error) {
      this.#log.error({ err: error }, "the NATS stream configuration is invalid");
    } finally {
      this.#setupRunning = false;
      this.#firstSetupDone();
    }
  }

  async #ensureConsumer(worker: Worker): Promise<Consumer> {
    const jsm = this.#jsm;
    const js = this.#js;
    if (!jsm || !js) throw new BackendError(`NATS at ${this.#handle.servers} is not connected`, "nats", true);
    const generation = this.#generation;
    try {
      await ensureConsumer(jsm, this.#streamNames.stream, {
        durable: worker.consumerName,
        filterSubject: this.#subjects[worker.stage],
        ackWaitMs: this.#ackWaitMs,
        maxDeliver: worker.maxDeliver,
        fromNow: worker.fromNow,
      });
      worker.consumer = await js.consumers.get(this.#streamNames.stream, worker.consumerName);
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new BackendError(
        `cannot create the NATS consumer ${worker.consumerName}: ${describe(error)}`,
        "nats",
        true,
        {
          cause: error,
        },
      );
    }
    worker.generation = generation;
    return worker.consumer;
  }

  /**
   * The pull loop of one consumer: keeps at most `concurrency` messages asked for or in
   * flight (pull requests ask for the free slots only, so no message waits in a local
   * buffer while its ack deadline runs), and recovers from errors with a backoff.
   */
  async #run(worker: Worker): Promise<void> {
    let failures = 0;
    while (!worker.stopping) {
      try {
        if (worker.error !== undefined) {
          const error = worker.error;
          worker.error = undefined;
          worker.consumer = undefined;
          throw error;
        }
        if (!this.ready()) {
          await Promise.race([this.#readyChanged.wait(), worker.wake.wait()]);
          continue;
        }
        const consumer =
          worker.consumer && worker.generation === this.#generation
            ? worker.consumer
            : await this.#ensureConsumer(worker);
        const free = worker.concurrency - worker.inFlight - worker.credit;
        if (free <= 0) {
          await worker.wake.wait();
          continue;
        }
        const fetch = await consumer.fetch({ max_messages: free, expires: this.#pullExpiresMs });
        failures = 0;
        worker.credit += free;
        worker.fetches.add(fetch);
        void this.#receive(worker, fetch, free);
      } catch (error) {
        if (worker.stopping) break;
        failures++;
        const delayMs = backoffDelay(failures, { baseDelayMs: 250, maxDelayMs: 10_000 });
        this.#log.warn(
          `NATS consumer ${worker.consumerName}: ${describe(error)}; pulling again in ${(delayMs / 1000).toFixed(1)}s`,
        );
        await Promise.race([sleep(delayMs, this.#stop.signal), worker.wake.wait()]);
      }
    }
  }

  /** Takes the messages of one pull request; never rejects. */
  async #receive(worker: Worker, fetch: ConsumerMessages, asked: number): Promise<void> {
    let received = 0;
    const started = Date.now();
    try {
      for await (const msg of fetch) {
        received++;
        worker.credit--;
        if (worker.stopping) {
          // Asked for before the drain: give it straight back to the other replicas.
          msg.nak();
          continue;
        }
        worker.inFlight++;
        void this.#deliver(worker, msg).finally(() => {
          worker.inFlight--;
          worker.wake.notify();
        });
      }
    } catch (error) {
      if (!worker.stopping) worker.error = error;
    } finally {
      worker.credit -= asked - received;
      worker.fetches.delete(fetch);
      // A pull request that ends at once with nothing is abnormal: do not spin on it.
      if (received === 0 && Date.now() - started < 100 && !worker.stopping && worker.error === undefined) {
        await sleep(250, this.#stop.signal);
      }
      worker.wake.notify();
    }
  }

  /** Runs one delivery to its end; never rejects. */
  async #deliver(worker: Worker, msg: JsMsg): Promise<void> {
    const deliveryCount = msg.info.deliveryCount;
    const parsed = parseEnvelope(worker.stage, msg);
    try {
      let outcome: HandlerOutcome;
      if ("poison" in parsed) {
        outcome = { kind: "term", reason: `poison message: ${parsed.poison}` };
      } else if (deliveryCount > worker.maxDeliver) {
        // The consumer's max_deliver was raised by another replica: this one's limit holds.
        outcome = {
          kind: "term",
          reason: `already delivered ${deliveryCount - 1} times (maxDeliver ${worker.maxDeliver})`,
        };
      } else {
        let result: HandlerResult;
        try {
          result = {
            returned: await worker.handler(parsed.envelope, { deliveryCount, working: () => msg.working() }),
          };
        } catch (error) {
          result = { thrown: error };
        }
        outcome = outcomeFor(result, deliveryCount, worker.maxDeliver, this.#policy);
      }
      await this.#settle(worker, msg, parsed.envelope, outcome);
    } catch (error) {
      this.#log.error(
        { err: error, stage: worker.stage, envelopeId: parsed.envelope.id },
        "settling a NATS message failed; it will be redelivered after ack_wait",
      );
    }
  }

  async #settle(worker: Worker, msg: JsMsg, envelope: Envelope, outcome: HandlerOutcome): Promise<void> {
    switch (outcome.kind) {
      case "ack":
        msg.ack();
        return;
      case "retry":
        msg.nak(outcome.delayMs);
        return;
      case "term": {
        const deliveries = msg.info.deliveryCount;
        const letter: DeadLetter = {
          envelope,
          stage: worker.stage,
          reason: outcome.reason,
          deliveries,
          at: new Date().toISOString(),
        };
        if (!(await this.#publishDeadLetter(msg, letter))) {
          if (deliveries < worker.maxDeliver) {
            // Not dead-lettered yet: come back later rather than vanish.
            msg.nak(backoffDelay(deliveries, this.#policy));
            return;
          }
          this.#log.error(
            { stage: worker.stage, envelopeId: envelope.id, reason: outcome.reason },
            "terminating a message whose dead letter could not be stored",
          );
        }
        msg.term(this.#termReasonSupported() ? headerValue(outcome.reason) : undefined);
        try {
          this.#onDeadLetter?.(structuredClone(letter));
        } catch (error) {
          this.#log.error({ err: error, envelopeId: envelope.id }, "onDeadLetter failed");
        }
        return;
      }
    }
  }

  /**
   * Stores the dead letter (deduplicated by envelope id, so a redelivered term does not
   * copy it twice), keeping the message's ack deadline alive between attempts.
   */
  async #publishDeadLetter(msg: JsMsg, letter: DeadLetter): Promise<boolean> {
    const h = headers();
    h.set(DeadLetterHeaders.Reason, headerValue(letter.reason));
    h.set(DeadLetterHeaders.Stage, letter.stage);
    h.set(DeadLetterHeaders.Deliveries, String(letter.deliveries));
    h.set(DeadLetterHeaders.StreamSequence, String(msg.info.streamSequence));
    for (let attempt = 1; attempt <= DEAD_LETTER_ATTEMPTS; attempt++) {
      const js = this.#js;
      try {
        if (!js) throw new BackendError("not connected", "nats", true);
        await js.publish(this.#subjects.deadLetter, msg.data, {
          msgID: `dlq:${letter.stage}:${letter.envelope.id}`,
          headers: h,
          timeout: this.#publishTimeoutMs,
          expect: { streamName: this.#streamNames.deadLetterStream },
        });
        return true;
      } catch (error) {
        this.#log.warn(
          `cannot store the dead letter of ${letter.envelope.id} (attempt ${attempt}): ${describe(error)}`,
        );
        msg.working();
        if (attempt < DEAD_LETTER_ATTEMPTS) await sleep(250 * attempt, this.#stop.signal);
      }
    }
    return false;
  }

  /** nats-server before 2.10 ignores a `+TERM` that carries a reason, so the message would be redelivered. */
  #termReasonSupported(): boolean {
    const version = this.#nc?.info?.version ?? "0.0.0";
    const [major = 0, minor = 0] = version.split(".").map((part) => Number.parseInt(part, 10));
    return major > 2 || (major === 2 && minor >= 10);
  }

  #drain(worker: Worker): Promise<void> {
    worker.drained ??= (async () => {
      worker.stopping = true;
      worker.wake.notify();
      await worker.loop;
      // After the loop, so that a pull request it made while stopping is cut short too.
      for (const fetch of worker.fetches) fetch.stop();
      while (worker.inFlight > 0 || worker.fetches.size > 0) await worker.wake.wait();
      this.#workers.delete(worker);
    })();
    return worker.drained;
  }
}

/** A one-shot broadcast: `wait()` resolves at the next `notify()`. */
class Signal {
  #waiters: (() => void)[] = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  notify(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}

/** The envelope of a delivered message, or why it is poison (with a stand-in envelope for the dead letter). */
function parseEnvelope(
  stage: Stage,
  msg: JsMsg,
): { envelope: Envelope } | { poison: string; envelope: Envelope } {
  let value: unknown;
  try {
    value = JSON.parse(msg.string());
  } catch (error) {
    return {
      poison: `not JSON: ${describe(error)}`,
      envelope: standIn(stage, msg.data, `seq-${msg.seq}`, storedAt(msg)),
    };
  }
  const frame = frameProblem(stage, value);
  if (frame)
    return { poison: frame.problem, envelope: standIn(stage, msg.data, `seq-${msg.seq}`, storedAt(msg)) };
  return { envelope: value as Envelope };
}

/** An envelope standing for bytes that were not one, so the dead letter still shows them. */
function standIn(stage: Stage, data: Uint8Array, id: string, storedAt: Date): Envelope {
  return {
    v: ENVELOPE_VERSION,
    type: stage,
    id,
    idempotencyKey: id,
    publishedAt: storedAt.toISOString(),
    payload: { raw: Buffer.from(data).toString("utf8").slice(0, RAW_PAYLOAD_MAX) },
  };
}

function storedAt(msg: JsMsg): Date {
  return new Date(Math.floor(msg.info.timestampNanos / 1_000_000));
}

function toDeadLetter(m: StoredMsg): DeadLetter {
  const stageHeader = m.header?.get(DeadLetterHeaders.Stage) ?? "";
  let value: unknown;
  try {
    value = JSON.parse(m.string());
  } catch {
    value = undefined;
  }
  const typed = value as Partial<Envelope> | undefined;
  const stage: Stage = (STAGES as readonly string[]).includes(stageHeader)
    ? (stageHeader as Stage)
    : STAGES.includes(typed?.type as Stage)
      ? (typed?.type as Stage)
      : "alerts";
  const envelope =
    frameProblem(stage, value) === undefined
      ? (value as Envelope)
      : standIn(stage, m.data, `dlq-seq-${m.seq}`, m.time);
  const deliveries = Number.parseInt(m.header?.get(DeadLetterHeaders.Deliveries) ?? "", 10);
  return {
    envelope,
    stage,
    reason: m.header?.get(DeadLetterHeaders.Reason) || "unknown",
    deliveries: Number.isFinite(deliveries) ? deliveries : 0,
    at: m.time.toISOString(),
  };
}

async function getMessage(
  jsm: JetStreamManager,
  stream: string,
  seq: number,
): Promise<StoredMsg | undefined> {
  try {
    return (await jsm.streams.getMessage(stream, { seq })) ?? undefined;
  } catch (error) {
    // A gap: the message was removed (age limit) after the stream info was read.
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound)
      return undefined;
    throw error;
  }
}

/** Header values are one line; reasons (error messages) may not be. */
function headerValue(text: string): string {
  return text.replace(/[\r\n]+/g, " ").slice(0, HEADER_VALUE_MAX);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function positive(value: number, name: string, min: number): number {
  if (!Number.isFinite(value) || value < min)
    throw new InputError(`${name} must be a number >= ${min}`, name);
  return value;
}

function integer(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new InputError(`${name} must be an integer >= 1`, name);
  return value;
}

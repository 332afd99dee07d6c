import { BackendError, InputError } from "../../core/errors.js";
import type {
  Bus,
  ConsumeOptions,
  DeadLetter,
  Envelope,
  Handler,
  HandlerOutcome,
  Subscription,
} from "../bus.js";
import type { BusJournal } from "../bus-journal.js";
import { serialiseEnvelope } from "../envelope-frame.js";
import { outcomeFor } from "../outcome.js";
import type { HandlerResult, RetryPolicy } from "../outcome.js";
import { STAGES } from "../subjects.js";
import type { Stage } from "../subjects.js";

export interface MemoryBusOptions {
  /**
   * Where accepted messages are written before `publish` resolves. Without one, messages
   * live only in this process. The caller owns (and closes) the journal.
   */
  journal?: BusJournal;
  /** First retry delay; doubles per delivery. Default 1000. */
  retryBaseMs?: number;
  /** Retry delay ceiling. Default 60 000. */
  retryMaxMs?: number;
  /** maxDeliver for consumers that do not set one. Default 5. */
  maxDeliver?: number;
  /** concurrency for consumers that do not set one. Default 1. */
  concurrency?: number;
  /** How long an idempotency key rejects duplicates. Default 2 min (JetStream's default window). */
  dedupWindowMs?: number;
  /** Most idempotency keys remembered; the oldest are forgotten first. Default 10 000. */
  dedupMaxKeys?: number;
  /**
   * Most messages of one stage accepted and not yet finished (queued, in flight or waiting
   * for a retry). Beyond it `publish` rejects with a retryable BackendError: backpressure
   * instead of unbounded memory. Default 10 000. Recovery from the journal ignores it.
   */
  maxPendingPerStage?: number;
  /** Dead letters kept in memory. Default 1000. */
  maxDeadLetters?: number;
  /**
   * Failures that have no caller to reject: a journal write after a handler finished, a
   * handler outcome that could not be recorded. The message stays pending in the journal
   * and is redelivered after a restart. Default: ignored.
   */
  onError?: (error: unknown, context: { operation: string; stage: Stage; envelopeId?: string }) => void;
  /** Told of every terminated message, after it is recorded (e.g. to mark its incident failed). */
  onDeadLetter?: (letter: DeadLetter) => void;
  /** Clock for the dedup window, for tests. */
  now?: () => number;
}

interface Message {
  stage: Stage;
  id: string;
  /** The envelope as published, serialised: every delivery parses a fresh copy, as off a wire. */
  json: string;
  /** Durable groups that have not finished with the message yet. */
  groupsLeft: number;
  termReason?: string;
}

interface Item {
  message: Message;
  /** Deliveries started so far. */
  deliveries: number;
}

interface Member {
  handler: Handler<unknown>;
  concurrency: number;
  maxDeliver: number;
  inFlight: number;
  draining: boolean;
  drained?: Promise<void>;
  onIdle?: () => void;
}

/** The consumers of one stage under one durable name: they share its queue. */
interface Group {
  stage: Stage;
  durable: string;
  queue: Item[];
  members: Member[];
  /** Round-robin cursor over members. */
  next: number;
}

interface StageState {
  /** Messages published before any consumer of the stage existed. */
  backlog: Item[];
  groups: Map<string, Group>;
  /** Accepted and not finished, by envelope id. */
  live: Map<string, Message>;
  recovered: boolean;
}

/**
 * The in-process bus: the embedded default and the test double. It keeps JetStream's
 * semantics where agents can observe them:
 * - a duplicate idempotency key within the dedup window is dropped (resolves, not delivered);
 * - each durable name of a stage gets every message once, shared between its consumers
 *   (round-robin among those with a free slot); different durables each get it;
 *   a durable created after others only receives later messages, while the first one
 *   also takes what was published before any consumer existed;
 * - outcomes come from `outcomeFor`: ack, retry after a backoff delay with
 *   deliveryCount+1, or term with a reason into the dead letters;
 * - with a journal, messages appended but not finished before a crash are redelivered
 *   when the first consumer of their stage subscribes.
 * No ordering is promised (retries reorder). `working()` is a no-op: there is no ack
 * deadline in process.
 */
export class MemoryBus implements Bus {
  readonly name = "memory";
  readonly #journal: BusJournal | undefined;
  readonly #policy: RetryPolicy;
  readonly #defaultMaxDeliver: number;
  readonly #defaultConcurrency: number;
  readonly #dedupWindowMs: number;
  readonly #dedupMaxKeys: number;
  readonly #maxPending: number;
  readonly #maxDeadLetters: number;
  readonly #onDeadLetter: MemoryBusOptions["onDeadLetter"];
  readonly #onError: NonNullable<MemoryBusOptions["onError"]>;
  readonly #now: () => number;

  readonly #stages = new Map<Stage, StageState>();
  /** `${stage}\0${idempotencyKey}` → accepted at; insertion order is age order. */
  readonly #dedup = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #deadLetters: DeadLetter[] = [];
  #closing: Promise<void> | undefined;

  constructor(options: MemoryBusOptions = {}) {
    this.#journal = options.journal;
    this.#policy = {
      baseDelayMs: positive(options.retryBaseMs ?? 1_000, "retryBaseMs", 0),
      maxDelayMs: positive(options.retryMaxMs ?? 60_000, "retryMaxMs", 0),
    };
    this.#defaultMaxDeliver = positive(options.maxDeliver ?? 5, "maxDeliver");
    this.#defaultConcurrency = positive(options.concurrency ?? 1, "concurrency");
    this.#dedupWindowMs = positive(options.dedupWindowMs ?? 120_000, "dedupWindowMs", 0);
    this.#dedupMaxKeys = positive(options.dedupMaxKeys ?? 10_000, "dedupMaxKeys");
    this.#maxPending = positive(options.maxPendingPerStage ?? 10_000, "maxPendingPerStage");
    this.#maxDeadLetters = positive(options.maxDeadLetters ?? 1_000, "maxDeadLetters");
    this.#onDeadLetter = options.onDeadLetter;
    this.#onError = options.onError ?? (() => {});
    this.#now = options.now ?? Date.now;
    for (const stage of STAGES) {
      this.#stages.set(stage, { backlog: [], groups: new Map(), live: new Map(), recovered: false });
    }
  }

  async publish<T>(stage: Stage, envelope: Envelope<T>): Promise<void> {
    if (this.#closing) throw new BackendError("the bus is closed", "memory-bus", false);
    const state = this.#stage(stage);
    const json = serialiseEnvelope(stage, envelope);

    const key = `${stage}\u0000${envelope.idempotencyKey}`;
    this.#forgetOldKeys();
    if (this.#dedup.has(key) || state.live.has(envelope.id)) return;
    if (state.live.size >= this.#maxPending) {
      throw new BackendError(
        `stage ${stage} holds ${state.live.size} unfinished messages`,
        "memory-bus",
        true,
      );
    }
    // Claimed before the journal write, so a concurrent duplicate is dropped too.
    this.#dedup.set(key, this.#now());
    if (this.#journal) {
      let accepted: boolean;
      try {
        accepted = await this.#journal.append(stage, JSON.parse(json) as Envelope);
      } catch (error) {
        this.#dedup.delete(key);
        if (error instanceof BackendError) throw error;
        throw new BackendError("the bus journal rejected the message", "memory-bus", true, { cause: error });
      }
      if (!accepted) return;
    }
    const message: Message = { stage, id: envelope.id, json, groupsLeft: 0 };
    state.live.set(message.id, message);
    this.#dispatch(state, { message, deliveries: 0 });
  }

  async consume<T>(stage: Stage, handler: Handler<T>, options: ConsumeOptions): Promise<Subscription> {
    if (this.#closing) throw new BackendError("the bus is closed", "memory-bus", false);
    if (!options.durable) throw new InputError("a consumer needs a durable name", "durable");
    const state = this.#stage(stage);
    const member: Member = {
      handler: handler as unknown as Handler<unknown>,
      concurrency: positive(options.concurrency ?? this.#defaultConcurrency, "concurrency"),
      maxDeliver: positive(options.maxDeliver ?? this.#defaultMaxDeliver, "maxDeliver"),
      inFlight: 0,
      draining: false,
    };
    let group = state.groups.get(options.durable);
    if (!group) {
      group = { stage, durable: options.durable, queue: [], members: [], next: 0 };
      const first = state.groups.size === 0;
      state.groups.set(options.durable, group);
      if (first) {
        for (const item of state.backlog.splice(0)) {
          item.message.groupsLeft++;
          group.queue.push(item);
        }
      }
    }
    group.members.push(member);

    if (this.#journal && !state.recovered) {
      state.recovered = true;
      let pending;
      try {
        pending = await this.#journal.pending(stage);
      } catch (error) {
        state.recovered = false;
        group.members.splice(group.members.indexOf(member), 1);
        throw new BackendError("cannot read the bus journal", "memory-bus", true, { cause: error });
      }
      for (const p of pending) {
        if (state.live.has(p.envelope.id)) continue;
        const message: Message = {
          stage,
          id: p.envelope.id,
          json: JSON.stringify(p.envelope),
          groupsLeft: 0,
        };
        state.live.set(message.id, message);
        this.#dispatch(state, { message, deliveries: p.deliveries });
      }
    }
    const subscribed = group;
    this.#pump(subscribed);
    return { drain: () => this.#drain(subscribed, member) };
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const n = Math.max(0, Math.trunc(limit));
    if (this.#journal) {
      try {
        return await this.#journal.deadLetters(n);
      } catch (error) {
        throw new BackendError("cannot read dead letters from the bus journal", "memory-bus", true, {
          cause: error,
        });
      }
    }
    return n === 0 ? [] : this.#deadLetters.slice(-n).map((d) => structuredClone(d));
  }

  ready(): boolean {
    return this.#closing === undefined;
  }

  /**
   * Stops deliveries, cancels pending retries and waits for in-flight handlers. Messages
   * not finished stay pending in the journal, for the next start.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      const drains: Promise<void>[] = [];
      for (const state of this.#stages.values()) {
        for (const group of state.groups.values()) {
          for (const member of [...group.members]) drains.push(this.#drain(group, member));
        }
      }
      await Promise.all(drains);
    })();
    return this.#closing;
  }

  #stage(stage: Stage): StageState {
    const state = this.#stages.get(stage);
    if (!state) throw new InputError(`unknown stage ${String(stage)}`, "stage");
    return state;
  }

  #dispatch(state: StageState, item: Item): void {
    if (state.groups.size === 0) {
      state.backlog.push(item);
      return;
    }
    for (const group of state.groups.values()) {
      item.message.groupsLeft++;
      group.queue.push({ message: item.message, deliveries: item.deliveries });
      this.#pump(group);
    }
  }

  #pump(group: Group): void {
    while (!this.#closing && group.queue.length > 0) {
      const member = this.#freeMember(group);
      if (!member) return;
      const item = group.queue.shift() as Item;
      member.inFlight++;
      void this.#deliver(group, member, item);
    }
  }

  #freeMember(group: Group): Member | undefined {
    const n = group.members.length;
    for (let i = 0; i < n; i++) {
      const index = (group.next + i) % n;
      const member = group.members[index];
      if (member && !member.draining && member.inFlight < member.concurrency) {
        group.next = (index + 1) % n;
        return member;
      }
    }
    return undefined;
  }

  /** Runs one delivery to its end; never rejects. */
  async #deliver(group: Group, member: Member, item: Item): Promise<void> {
    const { message } = item;
    const deliveryCount = item.deliveries + 1;
    try {
      let outcome: HandlerOutcome;
      if (item.deliveries >= member.maxDeliver) {
        // Deliveries started before a restart count: a message that crashes the process stops here.
        outcome = {
          kind: "term",
          reason: `already delivered ${item.deliveries} times (maxDeliver ${member.maxDeliver})`,
        };
      } else {
        item.deliveries = deliveryCount;
        await this.#journalCall("recordDelivery", message, (j) =>
          j.recordDelivery(message.stage, message.id),
        );
        let result: HandlerResult;
        try {
          const envelope = JSON.parse(message.json) as Envelope;
          result = { returned: await member.handler(envelope, { deliveryCount, working: () => {} }) };
        } catch (error) {
          result = { thrown: error };
        }
        outcome = outcomeFor(result, deliveryCount, member.maxDeliver, this.#policy);
      }
      await this.#settle(group, item, outcome);
    } catch (error) {
      this.#onError(error, { operation: "deliver", stage: message.stage, envelopeId: message.id });
    } finally {
      member.inFlight--;
      if (member.inFlight === 0) member.onIdle?.();
      this.#pump(group);
    }
  }

  async #settle(group: Group, item: Item, outcome: HandlerOutcome): Promise<void> {
    const { message } = item;
    switch (outcome.kind) {
      case "ack":
        return this.#finish(message);
      case "retry": {
        // Closing: the message stays pending in the journal and comes back on the next start.
        if (this.#closing) return;
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          group.queue.push(item);
          this.#pump(group);
        }, outcome.delayMs);
        timer.unref();
        this.#timers.add(timer);
        return;
      }
      case "term": {
        const letter: DeadLetter = {
          envelope: JSON.parse(message.json) as Envelope,
          stage: message.stage,
          reason: outcome.reason,
          deliveries: item.deliveries,
          at: new Date().toISOString(),
        };
        this.#deadLetters.push(letter);
        if (this.#deadLetters.length > this.#maxDeadLetters) this.#deadLetters.shift();
        message.termReason ??= outcome.reason;
        await this.#finish(message);
        try {
          this.#onDeadLetter?.(structuredClone(letter));
        } catch (error) {
          this.#onError(error, { operation: "onDeadLetter", stage: message.stage, envelopeId: message.id });
        }
        return;
      }
    }
  }

  async #finish(message: Message): Promise<void> {
    if (--message.groupsLeft > 0) return;
    this.#stage(message.stage).live.delete(message.id);
    const reason = message.termReason;
    await this.#journalCall("markDone", message, (j) =>
      reason === undefined
        ? j.markDone(message.stage, message.id, "ack")
        : j.markDone(message.stage, message.id, "term", reason),
    );
  }

  async #journalCall(
    operation: string,
    message: Message,
    call: (journal: BusJournal) => void | Promise<void>,
  ): Promise<void> {
    if (!this.#journal) return;
    try {
      await call(this.#journal);
    } catch (error) {
      this.#onError(error, { operation, stage: message.stage, envelopeId: message.id });
    }
  }

  #drain(group: Group, member: Member): Promise<void> {
    if (!member.drained) {
      member.draining = true;
      const index = group.members.indexOf(member);
      if (index >= 0) group.members.splice(index, 1);
      member.drained =
        member.inFlight === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              member.onIdle = resolve;
            });
    }
    return member.drained;
  }

  #forgetOldKeys(): void {
    const now = this.#now();
    for (const [key, at] of this.#dedup) {
      if (now - at < this.#dedupWindowMs && this.#dedup.size < this.#dedupMaxKeys) break;
      this.#dedup.delete(key);
    }
  }
}

function positive(value: number, name: string, min = 1): number {
  if (!Number.isFinite(value) || value < min)
    throw new InputError(`${name} must be a number >= ${min}`, name);
  return value;
}

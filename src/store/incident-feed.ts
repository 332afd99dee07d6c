import type { Incident, IncidentSummary } from "../core/incident.js";
import type { IncidentPage, IncidentQuery, IncidentStore } from "./incident-store.js";
import { toIncidentSummary } from "./incident-query.js";

export type IncidentListener = (summary: IncidentSummary) => void;

/**
 * Incidents as they are created and changed, for live views (the console's event stream).
 * Not durable: a subscriber that was away re-reads the list. Two sources feed it: the
 * writes of this process (any store), or a watch on a store every replica shares (KV).
 */
export interface IncidentFeed {
  /** Calls `listener` with every incident written from now on; TooManySubscribersError past the bound. */
  subscribe(listener: IncidentListener): FeedSubscription;
  /** Subscribers now; never more than the feed's bound. */
  readonly subscribers: number;
  close(): Promise<void>;
}

export interface FeedSubscription {
  /** Settles once changes flow to the listener (a remote watch has started); rejects when it cannot start. */
  readonly live: Promise<void>;
  unsubscribe(): void;
}

/** A watch on a remote store, started while anyone listens. */
export type FeedSource = (publish: (incident: Incident) => void) => Promise<{ stop(): void }>;

export class TooManySubscribersError extends Error {}

/**
 * Fan-out to a bounded set of listeners; one throwing listener does not starve the others.
 * With a `source`, the watch runs only while there is a subscriber, so a process nobody
 * watches pays nothing for it.
 */
export class LocalIncidentFeed implements IncidentFeed {
  readonly #listeners = new Set<IncidentListener>();
  readonly #maxSubscribers: number;
  readonly #source: FeedSource | undefined;
  #watch: Promise<{ stop(): void }> | undefined;

  constructor(options: { maxSubscribers?: number; source?: FeedSource } = {}) {
    this.#maxSubscribers = options.maxSubscribers ?? 200;
    this.#source = options.source;
  }

  get subscribers(): number {
    return this.#listeners.size;
  }

  subscribe(listener: IncidentListener): FeedSubscription {
    if (this.#listeners.size >= this.#maxSubscribers) {
      throw new TooManySubscribersError(`at most ${this.#maxSubscribers} live subscribers`);
    }
    // A wrapper, so that subscribing the same function twice gives two independent subscriptions.
    const entry: IncidentListener = (summary) => listener(summary);
    this.#listeners.add(entry);
    const live = this.#startSource();
    return {
      live,
      unsubscribe: () => {
        if (this.#listeners.delete(entry) && this.#listeners.size === 0) this.#stopSource();
      },
    };
  }

  /** Sends an incident to every subscriber (the source, or the store's writes, call this). */
  publish(incident: Incident): void {
    if (this.#listeners.size === 0) return;
    const summary = toIncidentSummary(incident);
    for (const listener of this.#listeners) {
      try {
        listener(summary);
      } catch {
        // A listener is a network stream; its failure is its own (it unsubscribes on close).
      }
    }
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#stopSource();
  }

  #startSource(): Promise<void> {
    if (!this.#source) return Promise.resolve();
    if (!this.#watch) {
      const watch = this.#source((incident) => this.publish(incident));
      this.#watch = watch;
      // A watch that failed to start is forgotten, so the next subscriber tries again.
      watch.catch(() => {
        if (this.#watch === watch) this.#watch = undefined;
      });
    }
    return this.#watch.then(() => undefined);
  }

  #stopSource(): void {
    const watch = this.#watch;
    this.#watch = undefined;
    watch?.then((w) => w.stop()).catch(() => undefined);
  }
}

/** What an observer of the store's writes is given, and may compute from the incident before a change. */
export interface WriteObserver<T> {
  /** Runs on the incident as the update found it, before `mutate` (which may change it in place). */
  before?: (current: Incident) => T;
  /** After each successful write; `before` is undefined for a create. Awaited; must not throw. */
  onWrite: (incident: Incident, before: T | undefined) => void | Promise<void>;
}

/**
 * The store, reporting every successful create and update: to the live feed when every
 * writer is in this process, and to the notification trigger in every process.
 */
export class ObservedIncidentStore<T = never> implements IncidentStore {
  readonly #store: IncidentStore;
  readonly #observer: WriteObserver<T>;

  constructor(store: IncidentStore, observer: WriteObserver<T>) {
    this.#store = store;
    this.#observer = observer;
  }

  get name(): string {
    return this.#store.name;
  }

  async create(incident: Incident): Promise<void> {
    await this.#store.create(incident);
    await this.#observer.onWrite(incident, undefined);
  }

  async update(id: string, mutate: (current: Incident) => Incident): Promise<Incident> {
    const before = this.#observer.before;
    let seen: T | undefined;
    // A store may call mutate again after losing a race: the last call's input is what was replaced.
    const next = await this.#store.update(
      id,
      before
        ? (current) => {
            seen = before(current);
            return mutate(current);
          }
        : mutate,
    );
    await this.#observer.onWrite(next, seen);
    return next;
  }

  get(id: string): Promise<Incident | undefined> {
    return this.#store.get(id);
  }

  findOpenByKey(correlationKey: string): Promise<Incident | undefined> {
    return this.#store.findOpenByKey(correlationKey);
  }

  findByFingerprint(fingerprint: string): Promise<Incident | undefined> {
    return this.#store.findByFingerprint(fingerprint);
  }

  list(query: IncidentQuery): Promise<IncidentPage> {
    return this.#store.list(query);
  }

  counts(): ReturnType<IncidentStore["counts"]> {
    return this.#store.counts();
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}

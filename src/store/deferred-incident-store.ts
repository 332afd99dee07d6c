import { BackendError } from "../core/errors.js";
import type { IncidentStore } from "./incident-store.js";

/**
 * A store whose backend is still connecting (NATS unreachable at start): the process
 * serves health and answers 503 instead of crash-looping, and every call goes through
 * once the backend is there. Calls before then fail fast with a retryable BackendError.
 */
export class DeferredIncidentStore implements IncidentStore {
  #store: IncidentStore | undefined;
  #failure: unknown;
  readonly #pending: Promise<IncidentStore>;

  constructor(
    readonly name: string,
    pending: Promise<IncidentStore>,
  ) {
    this.#pending = pending;
    pending.then(
      (store) => (this.#store = store),
      (error: unknown) => (this.#failure = error),
    );
  }

  /** True once the backend is connected. */
  ready(): boolean {
    return this.#store !== undefined;
  }

  /** Resolves when the backend is connected. */
  async whenReady(): Promise<void> {
    await this.#pending;
  }

  #current(): IncidentStore {
    if (this.#store) return this.#store;
    const cause = this.#failure instanceof Error ? `: ${this.#failure.message}` : "";
    throw new BackendError(`the ${this.name} store is not connected yet${cause}`, this.name, true);
  }

  get: IncidentStore["get"] = (id) => this.#call((s) => s.get(id));
  findOpenByKey: IncidentStore["findOpenByKey"] = (key) => this.#call((s) => s.findOpenByKey(key));
  findByFingerprint: IncidentStore["findByFingerprint"] = (fp) => this.#call((s) => s.findByFingerprint(fp));
  create: IncidentStore["create"] = (incident) => this.#call((s) => s.create(incident));
  update: IncidentStore["update"] = (id, mutate) => this.#call((s) => s.update(id, mutate));
  list: IncidentStore["list"] = (query) => this.#call((s) => s.list(query));
  counts: IncidentStore["counts"] = () => this.#call((s) => s.counts());

  async close(): Promise<void> {
    await this.#store?.close();
  }

  async #call<T>(fn: (store: IncidentStore) => Promise<T>): Promise<T> {
    return fn(this.#current());
  }
}

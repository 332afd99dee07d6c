/** A counting semaphore: at most `limit` holders at once, waiters served in order. */
export class Semaphore {
  #active = 0;
  readonly #limit: number;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  /** Takes a place; false when `signal` aborts first (nothing is then held). */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return false;
    if (this.#active < this.#limit) {
      this.#active++;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(grant);
        if (i >= 0) this.#waiting.splice(i, 1);
        resolve(false);
      };
      const grant = (): void => {
        signal?.removeEventListener("abort", onAbort);
        this.#active++;
        resolve(true);
      };
      this.#waiting.push(grant);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  release(): void {
    this.#active--;
    this.#waiting.shift()?.();
  }

  /** Runs `work` holding a place. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }
}

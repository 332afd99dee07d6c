/**
 * Runs tasks one at a time per key, so that two alerts of the same workload arriving
 * together cannot both open an incident. Entries live only while a task holds the key.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys currently held or queued (for tests and leak checks). */
  get size(): number {
    return this.tails.size;
  }
}

/**
 * Groups the requests started during one turn of the event loop into one socket write.
 *
 * nats.js flushes its outbound buffer in a microtask, so a request started from each
 * HTTP request's own I/O callback costs a write syscall of its own: a fifth of the
 * collector's CPU under load. Tasks queued here start together in the loop's check
 * phase (setImmediate), right after the poll phase that received the HTTP requests, so
 * their frames leave in one write. Under light load a task waits for nothing but the
 * rest of the current loop turn.
 */
export class Coalescer {
  #queue: (() => void)[] = [];

  /** Runs `task` in the next check phase, together with every task queued before then. */
  run<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push(() => {
        try {
          task().then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      });
      if (this.#queue.length === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const start of queue) start();
  }
}

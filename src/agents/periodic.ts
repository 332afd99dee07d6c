/**
 * A task run every `everyMs`, never overlapping itself, and spending at most a tenth of
 * the time running: a run that took T waits 9T before the next starts. For background
 * work whose cost grows with the data (a sweep that reads a whole KV bucket, a poll of a
 * slow forge), so that it cannot crowd out the pipeline or pile up behind itself.
 */
export function startPeriodic(
  task: () => Promise<unknown>,
  everyMs: number,
  onError: (error: unknown) => void,
  now: () => number = Date.now,
): { stop(): void } {
  let running = false;
  let last = { endedAt: 0, tookMs: 0 };
  const timer = setInterval(() => {
    if (running || now() - last.endedAt < 9 * last.tookMs) return;
    running = true;
    const startedAt = now();
    task()
      .catch(onError)
      .finally(() => {
        running = false;
        last = { endedAt: now(), tookMs: now() - startedAt };
      });
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

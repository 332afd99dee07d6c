/** Reconnect delays for the event stream: 1 s doubling to 30 s, with jitter so clients spread out. */

export const FIRST_DELAY_MS = 1000;
export const MAX_DELAY_MS = 30_000;

/** The delay before reconnect attempt `attempt` (0-based); `random` in [0, 1) trims up to 20%. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(FIRST_DELAY_MS * 2 ** Math.max(attempt, 0), MAX_DELAY_MS);
  return Math.round(base * (1 - 0.2 * random()));
}

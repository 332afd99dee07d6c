/** Hooks shared by the pages. */
import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

/** The current time, refreshed every `intervalMs`, so relative ages stay true. */
export function useNow(intervalMs = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** Ids marked for `ms` after `mark(id)`: rows that just changed live. */
export function useFlash(ms = 4000): {
  flashing: ReadonlyMap<string, string>;
  mark: (id: string, kind: string) => void;
} {
  const [flashing, setFlashing] = useState<ReadonlyMap<string, string>>(new Map());
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach((timer) => clearTimeout(timer));
  }, []);
  const mark = (id: string, kind: string): void => {
    clearTimeout(timers.current.get(id));
    // A row that just arrived stays "new" through the updates that follow at once.
    setFlashing((prev) => new Map(prev).set(id, prev.get(id) === "new" ? "new" : kind));
    timers.current.set(
      id,
      setTimeout(() => {
        timers.current.delete(id);
        setFlashing((prev) => {
          const next = new Map(prev);
          next.delete(id);
          return next;
        });
      }, ms),
    );
  };
  return { flashing, mark };
}

/** Moves focus to the element on mount, except on the first page load, so a route change is announced. */
let firstRender = true;
export function useFocusOnMount<T extends HTMLElement>(): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (firstRender) {
      firstRender = false;
      return;
    }
    ref.current?.focus();
  }, []);
  return ref;
}

import { type Duration, durationMs } from "./duration.ts";

export interface Backoff {
  initial?: Duration | undefined;
  factor?: number | undefined;
  max?: Duration | undefined;
}

/** The wait before retry number `retry` (1 for the first retry): initial × factor^(retry-1), capped at max. */
export function backoffMs(backoff: Backoff | undefined, retry: number): number {
  const initial = durationMs(backoff?.initial ?? "1s");
  const factor = backoff?.factor ?? 2;
  const max = durationMs(backoff?.max ?? "60s");
  return Math.min(max, initial * factor ** (retry - 1));
}

/** The real wait; tests pass their own so that no test sleeps. Resolves early when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

import { PermanentStepError } from "./step-kinds/step-context.ts";

/** The error a step fails with when it runs longer than its `timeout:`. */
export class StepTimeoutError extends Error {
  constructor(stepKey: string, ms: number) {
    super(`step "${stepKey}" timed out after ${ms} ms`);
    this.name = "StepTimeoutError";
  }
}

/**
 * A stopped step that did not end within its grace: it may still be acting, so it is never retried
 * (a retry would run beside it).
 */
export class StepAbandonedError extends PermanentStepError {
  constructor(stepKey: string, graceMs: number, reason: unknown) {
    const why = reason instanceof Error ? reason.message : String(reason);
    super(
      `step "${stepKey}" did not end within ${graceMs} ms after it was stopped (${why}); it is not retried`,
    );
    this.name = "StepAbandonedError";
  }
}

/** How long a stopped step gets to end before it is given up on, unless the caller says otherwise. */
export const defaultStopGraceMs = 20_000;

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs `work` with a signal that aborts on the parent signal (cancel, shutdown, lost lease) or after
 * `ms`. A stopped step is waited for, up to `graceMs`, so that nothing it started (a process, a push)
 * still runs when a retry or a rollback begins; an attempt that ends within the grace keeps its result.
 */
export async function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  options: { ms: number | undefined; parent: AbortSignal; stepKey: string; graceMs?: number | undefined },
): Promise<T> {
  const graceMs = options.graceMs ?? defaultStopGraceMs;
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(options.parent.reason);
  if (options.parent.aborted) onParentAbort();
  else options.parent.addEventListener("abort", onParentAbort, { once: true });
  let timedOut: StepTimeoutError | undefined;
  const timer =
    options.ms === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = new StepTimeoutError(options.stepKey, options.ms as number);
          controller.abort(timedOut);
        }, options.ms);
  const settled: Promise<Settled<T>> = Promise.resolve()
    .then(() => work(controller.signal))
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  const stop = untilAborted(controller.signal);
  let grace: NodeJS.Timeout | undefined;
  try {
    const first = await Promise.race([settled, stop.promise]);
    let result: Settled<T>;
    if (first === "stopped") {
      const graceOver = new Promise<"grace over">((resolve) => {
        grace = setTimeout(() => resolve("grace over"), graceMs);
      });
      const late = await Promise.race([settled, graceOver]);
      if (late === "grace over") {
        throw new StepAbandonedError(options.stepKey, graceMs, controller.signal.reason);
      }
      result = late;
    } else result = first;
    if (result.ok) return result.value;
    throw timedOut ?? result.error;
  } finally {
    if (timer) clearTimeout(timer);
    if (grace) clearTimeout(grace);
    stop.dispose();
    options.parent.removeEventListener("abort", onParentAbort);
  }
}

function untilAborted(signal: AbortSignal): { promise: Promise<"stopped">; dispose(): void } {
  let onAbort = () => {};
  const promise = new Promise<"stopped">((resolve) => {
    onAbort = () => resolve("stopped");
    if (signal.aborted) resolve("stopped");
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener("abort", onAbort) };
}

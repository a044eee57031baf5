/** The error a step fails with when it runs longer than its `timeout:`. */
export class StepTimeoutError extends Error {
  constructor(stepKey: string, ms: number) {
    super(`step "${stepKey}" timed out after ${ms} ms`);
    this.name = "StepTimeoutError";
  }
}

/**
 * Runs `work` with a signal that aborts on the parent signal or after `ms`; a step that ignores its
 * signal is still abandoned at the deadline, so one stuck call cannot hold the run forever.
 */
export async function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  options: { ms: number | undefined; parent: AbortSignal; stepKey: string },
): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(options.parent.reason);
  options.parent.addEventListener("abort", onParentAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline =
    options.ms === undefined
      ? undefined
      : new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const error = new StepTimeoutError(options.stepKey, options.ms as number);
            controller.abort(error);
            reject(error);
          }, options.ms);
        });
  try {
    const running = work(controller.signal);
    return await (deadline ? Promise.race([running, deadline]) : running);
  } finally {
    if (timer) clearTimeout(timer);
    options.parent.removeEventListener("abort", onParentAbort);
  }
}

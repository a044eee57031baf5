/**
 * A fixed window per caller, in this process: enough to stop a runaway script from flooding the app,
 * without a database write per request. With several web processes each counts its own share.
 */
export class RateLimiter {
  readonly #windows = new Map<string, { startedAt: number; count: number }>();

  constructor(
    private readonly limit: { requests: number; windowMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a request; the seconds to wait when it is over the limit, otherwise undefined. */
  take(key: string): number | undefined {
    const now = this.now();
    let window = this.#windows.get(key);
    if (!window || now - window.startedAt >= this.limit.windowMs) {
      window = { startedAt: now, count: 0 };
      this.#windows.set(key, window);
      this.#forgetOld(now);
    }
    window.count += 1;
    if (window.count <= this.limit.requests) return undefined;
    return Math.max(1, Math.ceil((window.startedAt + this.limit.windowMs - now) / 1000));
  }

  #forgetOld(now: number) {
    if (this.#windows.size < 1000) return;
    for (const [key, w] of this.#windows)
      if (now - w.startedAt >= this.limit.windowMs) this.#windows.delete(key);
  }
}

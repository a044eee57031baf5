/** How long to keep trying a rate-limited service: every adapter's calls take these. */
export interface RateLimitRetryOptions {
  /** Waits between retries; a parameter so tests see the waits instead of sitting through them. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Rate-limit retries before giving up with a clear error (default 3). */
  maxRetries?: number | undefined;
  /** A wait longer than this is not sat through: the step fails and can be retried later (default 120 s). */
  maxWaitMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** How one service's failures are read: the wait it asks for, and the error a caller sees. */
export interface RateLimitHandling {
  /** How long the service asks us to wait before sending again, or null when the failure is final. */
  waitMs(error: unknown): number | null;
  /** The error for a final failure. */
  final(error: unknown): unknown;
  /** The error when the service still limits us after the retries, or asks for too long a wait. */
  stillLimited(error: unknown, waitMs: number, tries: number): unknown;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends the request, and again after the wait a rate limit asks for, a bounded number of times: the one
 * retry loop behind GitHub's and the other vendors' calls.
 */
export async function withRateLimitRetries<T>(
  send: () => Promise<T>,
  handling: RateLimitHandling,
  options: RateLimitRetryOptions = {},
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const maxRetries = options.maxRetries ?? 3;
  const maxWaitMs = options.maxWaitMs ?? 120_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const waitMs = handling.waitMs(error);
      if (waitMs === null) throw handling.final(error);
      if (attempt >= maxRetries || waitMs > maxWaitMs)
        throw handling.stillLimited(error, waitMs, attempt + 1);
      options.signal?.throwIfAborted();
      await sleep(waitMs);
    }
  }
}

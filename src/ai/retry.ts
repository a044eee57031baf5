import { setTimeout as delay } from "node:timers/promises";
import { APIConnectionError, APIError, APIUserAbortError } from "@anthropic-ai/sdk";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A retry-after longer than this is not waited for: the call fails and the run can be resumed later. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
};

/** Waits, unless the call is cancelled first. Tests pass one that records and returns at once. */
export type Sleep = (ms: number, signal: AbortSignal | undefined) => Promise<void>;

export const realSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal ? { signal } : {});
};

/**
 * Rate limits (429), overload (529), server errors (5xx), request timeouts (408) and dropped or timed-out
 * connections may pass on a second try; a 4xx other than those means the request is wrong and never will.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof APIUserAbortError) return false;
  if (error instanceof APIConnectionError) return true;
  if (error instanceof APIError) {
    const status = error.status;
    if (status === undefined) return false;
    return status === 408 || status === 429 || status === 529 || status >= 500;
  }
  return false;
}

/**
 * How long to wait before attempt `attempt + 1` (attempt counts from 1): the server's retry-after when it
 * gives one, otherwise exponential backoff with full jitter. Undefined means "do not retry".
 */
export function retryDelayMs(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
  now: Date,
  random: () => number,
): number | undefined {
  const asked = error instanceof APIError ? retryAfterMs(error.headers, now) : undefined;
  if (asked !== undefined) return asked <= policy.maxRetryAfterMs ? asked : undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Full jitter, but never less than half: many workers that hit one 529 should not come back together.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function retryAfterMs(headers: Headers | undefined, now: Date): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

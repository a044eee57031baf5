/** Polls until `probe` returns a value, or fails after the deadline: tests wait for events, not for time. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  deadlineMs = 30_000,
  what = "condition",
  /** How long between probes: longer for a probe that costs the app something (a rate-limited API). */
  intervalMs = 100,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  let lastError: unknown;
  while (Date.now() < until) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`, { cause: lastError });
}

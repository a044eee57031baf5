/** Polls until `probe` returns a value, or fails after the deadline: tests wait for events, not for time. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  deadlineMs = 30_000,
  what = "condition",
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
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`, { cause: lastError });
}

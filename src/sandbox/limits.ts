/**
 * The limits an agent's commands run under; `ai-dev sandbox` uses the same, so what an operator sees
 * there is what the agent gets.
 */
export const sandboxLimits = {
  /** A test suite may take a while; a command that hangs must not hold the run forever. */
  commandTimeoutMs: 10 * 60_000,
  /** The repository's `setup` (npm ci, pip install) downloads packages. */
  setupTimeoutMs: 20 * 60_000,
  /** Per stream (stdout, stderr); what passes the cap is dropped with a note. */
  outputCapBytes: 100_000,
} as const;

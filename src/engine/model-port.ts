/**
 * What the engine needs from the AI layer for an `ai_action` step. The engine never names a vendor:
 * src/ai implements this port over @anthropic-ai/sdk, with the ledger and the budget behind it.
 */
export interface ModelCallUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

export interface ModelStepRequest {
  runId: string;
  stepName: string;
  /** Stable across retries of the same step attempt, so settlement is written once. */
  idempotencyKey: string;
  /** The stable instructions (cacheable prefix). */
  system: string;
  /** The rendered prompt template: untrusted text in it is already fenced as data. */
  prompt: string;
  /** When set, the answer must be JSON matching this JSON Schema, or the step fails cleanly. */
  jsonSchema?: Record<string, unknown> | undefined;
  model?: string | undefined;
  /** A cheaper model to use when the remaining budget is low. */
  fallbackModel?: string | undefined;
  maxTokens?: number | undefined;
  signal: AbortSignal;
}

export interface ModelStepResult {
  text: string;
  /** The parsed answer when jsonSchema was given. */
  json?: unknown;
  model: string;
  usage: ModelCallUsage;
  costUsd: number;
}

export interface ModelPort {
  complete(request: ModelStepRequest): Promise<ModelStepResult>;
}

/**
 * What a model call cost before it failed (an answer that is not the JSON asked for, a call aborted or
 * timed out after it was sent). The ledger has charged it; the step must count it too, so the run's cost
 * and the workflow's limits.max_cost_usd see it. Kept beside the error rather than in a wrapper, so the
 * error keeps its class (a UserFacingError stays one).
 */
const paidBeforeFailure = new WeakMap<object, number>();

/** Marks `error` as having cost `usd` (added to what it was already marked with); returns it. */
export function markPaidFailure<E>(error: E, usd: number): E {
  if (error !== null && typeof error === "object" && usd > 0) {
    paidBeforeFailure.set(error, (paidBeforeFailure.get(error) ?? 0) + usd);
  }
  return error;
}

/** The cost a failed model call was charged, 0 when none. */
export function paidCostOf(error: unknown): number {
  return error !== null && typeof error === "object" ? (paidBeforeFailure.get(error) ?? 0) : 0;
}

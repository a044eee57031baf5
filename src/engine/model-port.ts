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

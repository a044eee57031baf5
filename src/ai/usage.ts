import type { Usage } from "@anthropic-ai/sdk/resources/messages/messages";

/** What one model call used, as the ledger records it. */
export interface CallUsage {
  /** Input tokens after the last cache breakpoint (neither written to nor read from the cache). */
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
}

/**
 * The API's usage block as our numbers. `cache_creation` splits writes by lifetime; an older response
 * without it has only `cache_creation_input_tokens`, which were 5-minute writes (the only kind then).
 */
export function usageFromResponse(usage: Usage): CallUsage {
  const writes = usage.cache_creation_input_tokens ?? 0;
  const split = usage.cache_creation;
  const write1h = split?.ephemeral_1h_input_tokens ?? 0;
  const write5m = split ? (split.ephemeral_5m_input_tokens ?? 0) : writes;
  return {
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    cacheWrite5mTokens: write5m,
    cacheWrite1hTokens: write1h,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
  };
}

/** Every input token the model read, cached or not. */
export function totalInputTokens(usage: CallUsage): number {
  return usage.inputTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens + usage.cacheReadTokens;
}

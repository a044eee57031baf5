import type { PromptParts } from "./cache-breakpoints.ts";

/**
 * A deliberately high guess of a request's input tokens, for reserving the worst case before the call.
 * Claude's tokenizer averages 3.5–4 characters of English or code per token; counting 2.5 UTF-8 bytes of
 * the JSON request per token stays above that for text, code and CJK alike. Over-reserving only holds
 * money for the length of one call; under-reserving would let a call pass a cap (see settle.ts overrun).
 */
export function estimateInputTokens(parts: PromptParts): number {
  const bytes = Buffer.byteLength(
    JSON.stringify([parts.tools ?? null, parts.system ?? null, parts.messages]),
    "utf8",
  );
  return Math.ceil(bytes / 2.5) + 16;
}

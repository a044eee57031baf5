import { estimateInputTokens } from "../ai/token-estimate.ts";

/** The app's (deliberately high) token estimate of a text sent as one user message. */
export function textTokens(text: string): number {
  return estimateInputTokens({ messages: [{ role: "user", content: text }] });
}

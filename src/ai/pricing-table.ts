import type { ModelPrice } from "./pricing.ts";

/**
 * US dollars per million tokens, by exact model id (the id the API echoes back in `model`).
 * Source: Anthropic's pricing page, https://platform.claude.com/docs/en/about-claude/pricing
 * ("Model pricing" table: base input, 5m cache writes, 1h cache writes, cache hits, output), and the
 * model overview pages for the ids (e.g. claude-sonnet-4-5-20250929, claude-haiku-4-5-20251001),
 * read 2026-11-27; claude-sonnet-5-5 from its overview page,
 * https://platform.claude.com/docs/en/models/sonnet-5-5/overview ("Pricing": $2 input, $2.50 5m cache
 * write, $4 1h cache write, $0.20 cache read, $10 output), read 2026-12-01. Prices change: an operator overrides or adds rows with ai_provider.pricing in
 * ai-dev.config.yaml. A model missing here is refused, never priced at zero.
 */
const opus45to48: ModelPrice = { input: 5, output: 25, cacheWrite5m: 6.25, cacheWrite1h: 10, cacheRead: 0.5 };
const sonnet45: ModelPrice = { input: 3, output: 15, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.3 };
const sonnet5and55: ModelPrice = { input: 2, output: 10, cacheWrite5m: 2.5, cacheWrite1h: 4, cacheRead: 0.2 };
const haiku45: ModelPrice = { input: 1, output: 5, cacheWrite5m: 1.25, cacheWrite1h: 2, cacheRead: 0.1 };
const opus41: ModelPrice = { input: 15, output: 75, cacheWrite5m: 18.75, cacheWrite1h: 30, cacheRead: 1.5 };

export const builtInPrices: Readonly<Record<string, ModelPrice>> = {
  "claude-opus-4-8": opus45to48,
  "claude-opus-4-7": opus45to48,
  "claude-opus-4-6": opus45to48,
  "claude-opus-4-5": opus45to48,
  "claude-opus-4-5-20251101": opus45to48,
  "claude-opus-4-1": opus41,
  "claude-opus-4-1-20250805": opus41,
  "claude-sonnet-5-5": sonnet5and55,
  "claude-sonnet-5": sonnet5and55,
  "claude-sonnet-4-5": sonnet45,
  "claude-sonnet-4-5-20250929": sonnet45,
  "claude-haiku-4-5": haiku45,
  "claude-haiku-4-5-20251001": haiku45,
};

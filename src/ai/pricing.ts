import type { AppConfig } from "../config/schema.ts";
import { UserFacingError } from "../errors.ts";
import { builtInPrices } from "./pricing-table.ts";
import type { CallUsage } from "./usage.ts";

/** US dollars per million tokens of each kind. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** The built-in table with the operator's ai_provider.pricing laid over it. */
export function priceTableFromConfig(provider: AppConfig["ai_provider"]): PriceTable {
  const table: Record<string, ModelPrice> = { ...builtInPrices };
  for (const [model, p] of Object.entries(provider.pricing ?? {})) {
    table[model] = {
      input: p.input,
      output: p.output,
      cacheWrite5m: p.cache_write_5m,
      cacheWrite1h: p.cache_write_1h,
      cacheRead: p.cache_read,
    };
  }
  return table;
}

/** Refuses a model with no price: a call nobody can price would slip past every budget. */
export function priceOf(table: PriceTable, model: string): ModelPrice {
  const price = Object.hasOwn(table, model) ? table[model] : undefined;
  if (!price) {
    throw new UserFacingError(
      "unknown_model_price",
      `The model "${model}" has no price, so its cost cannot be counted against the budget. ` +
        `Use a model from the price table (${Object.keys(table).sort().join(", ")}), or add ` +
        `ai_provider.pricing.${model} (input, output, cache_write_5m, cache_write_1h, cache_read in US dollars per million tokens) to ai-dev.config.yaml.`,
    );
  }
  return price;
}

/**
 * The cost of a call in micro-dollars. A price per million tokens is a price in micro-dollars per token,
 * so the sum is exact up to the fractions of cheap rates ($0.30 × 1111 tokens = 333.3 µ$); it is rounded
 * up once per call so a budget never under-counts.
 */
export function costMicros(price: ModelPrice, usage: CallUsage): number {
  // Sum in thousandths of a micro-dollar first: every listed rate has at most three decimals.
  const milli =
    Math.round(price.input * 1000) * usage.inputTokens +
    Math.round(price.output * 1000) * usage.outputTokens +
    Math.round(price.cacheWrite5m * 1000) * usage.cacheWrite5mTokens +
    Math.round(price.cacheWrite1h * 1000) * usage.cacheWrite1hTokens +
    Math.round(price.cacheRead * 1000) * usage.cacheReadTokens;
  return Math.ceil(milli / 1000);
}

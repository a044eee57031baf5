import type { Usage } from "@anthropic-ai/sdk/resources/messages/messages";
import { describe, expect, it } from "vitest";
import { worstCaseMicros } from "../../src/ai/client.ts";
import { costMicros, priceOf, priceTableFromConfig } from "../../src/ai/pricing.ts";
import { usageFromResponse } from "../../src/ai/usage.ts";
import { appConfigSchema } from "../../src/config/schema.ts";
import { UserFacingError } from "../../src/errors.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";

describe("pricing", () => {
  it("prices the recorded cached answer and rounds the fraction of a micro-dollar up", () => {
    const table = priceTableFromConfig(appConfigSchema.parse({}).ai_provider);
    const message = anthropicFixture("messages.end_turn.cache.json") as { model: string; usage: Usage };
    const usage = usageFromResponse(message.usage);
    expect(usage).toEqual({
      inputTokens: 3,
      outputTokens: 33,
      cacheWrite5mTokens: 418,
      cacheWrite1hTokens: 0,
      cacheReadTokens: 1111,
    });
    // claude-sonnet-4-5-20250929: 3×3 + 33×15 + 418×3.75 + 1111×0.30 = 9 + 495 + 1567.5 + 333.3 = 2404.8 µ$
    expect(costMicros(priceOf(table, message.model), usage)).toBe(2405);
  });

  it("prices 1-hour cache writes at their own rate", () => {
    const table = priceTableFromConfig(appConfigSchema.parse({}).ai_provider);
    const usage = {
      inputTokens: 0,
      outputTokens: 0,
      cacheWrite5mTokens: 1000,
      cacheWrite1hTokens: 1000,
      cacheReadTokens: 0,
    };
    expect(costMicros(priceOf(table, "claude-opus-4-8"), usage)).toBe(6250 + 10000);
  });

  it("takes the operator's prices over the built-in ones, and adds models", () => {
    const provider = appConfigSchema.parse({
      ai_provider: {
        pricing: {
          "claude-opus-4-8": { input: 4, output: 20, cache_write_5m: 5, cache_write_1h: 8, cache_read: 0.4 },
          "my-proxy-model": { input: 1, output: 2, cache_write_5m: 1, cache_write_1h: 1, cache_read: 0.1 },
        },
      },
    }).ai_provider;
    const table = priceTableFromConfig(provider);
    expect(priceOf(table, "claude-opus-4-8").input).toBe(4);
    expect(priceOf(table, "my-proxy-model").output).toBe(2);
    expect(priceOf(table, "claude-haiku-4-5").input).toBe(1);
  });

  it("refuses an unknown model instead of pricing it at zero", () => {
    const table = priceTableFromConfig(appConfigSchema.parse({}).ai_provider);
    expect(() => priceOf(table, "claude-sonnet-4-5-latest")).toThrow(UserFacingError);
    expect(() => priceOf(table, "toString")).toThrow(/has no price/);
  });

  it("reserves every input token at the cache-write rate plus all of max_tokens", () => {
    const price = priceOf(priceTableFromConfig(appConfigSchema.parse({}).ai_provider), "claude-opus-4-8");
    expect(worstCaseMicros(price, 1000, 100, false)).toBe(6250 + 2500);
    expect(worstCaseMicros(price, 1000, 100, true)).toBe(10000 + 2500);
  });
});

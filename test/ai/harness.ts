import Anthropic from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll } from "vitest";
import {
  type ScriptedAnthropic,
  startScriptedAnthropic,
} from "../../demo/stand-ins/scripted-anthropic/server.ts";
import { ModelClient, type ModelClientOptions } from "../../src/ai/client.ts";
import { builtInPrices } from "../../src/ai/pricing-table.ts";
import { openBudgets } from "../../src/budget/caps.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

export const testNow = new Date("2026-11-27T10:00:00Z");

export interface ScriptedSuite {
  /** The file's database, open from beforeAll to afterAll. */
  test: TestDatabase;
  /** The scripted server the current test started; closed after each test. */
  api: ScriptedAnthropic;
  /** Starts a fresh scripted server as `api` for this test. */
  startApi(): Promise<ScriptedAnthropic>;
}

/** Registers the hooks of a file of tests against the scripted Messages API. */
export function scriptedSuite(): ScriptedSuite {
  const suite = {
    async startApi() {
      suite.api = await startScriptedAnthropic();
      return suite.api;
    },
  } as ScriptedSuite;
  beforeAll(async () => {
    suite.test = await openTestDatabase();
  });
  afterAll(async () => {
    await suite.test.drop();
  });
  afterEach(async () => {
    await suite.api?.close();
  });
  return suite;
}

/** A client on the scripted server whose waits are recorded instead of slept. */
export function scriptedClient(
  api: ScriptedAnthropic,
  test: TestDatabase,
  overrides: Partial<ModelClientOptions> = {},
): { client: ModelClient; waits: number[] } {
  const waits: number[] = [];
  let id = 0;
  const client = new ModelClient({
    anthropic: new Anthropic({ apiKey: "sk-ant-test-key", baseURL: api.url, maxRetries: 0 }),
    db: test.db,
    prices: builtInPrices,
    defaultModel: "claude-opus-4-8",
    logger: createLogger({ level: "silent" }),
    clock: () => testNow,
    newId: () => `res-${++id}`,
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    retry: { baseDelayMs: 10, maxDelayMs: 100 },
    ...overrides,
  });
  return { client, waits };
}

let opened = 0;
/** Budget rows for one test's run: generous unless a cap is given. */
export async function openRunBudget(
  test: TestDatabase,
  caps: { runMicros?: number; monthMicros?: number } = {},
): Promise<{ runId: string; scopes: string[] }> {
  opened += 1;
  const runId = `run-${opened}-${Math.random().toString(36).slice(2, 8)}`;
  const scopes = [`run:${runId}`, `repo:acme/shop-${runId}:2026-11`];
  await openBudgets(test.db, [
    {
      scope: scopes[0] as string,
      capMicros: caps.runMicros ?? 50_000_000,
      capTokens: 10_000_000,
      followsConfig: false,
    },
    {
      scope: scopes[1] as string,
      capMicros: caps.monthMicros ?? 500_000_000,
      capTokens: null,
      followsConfig: true,
    },
  ]);
  return { runId, scopes };
}

import Anthropic, { APIConnectionError, APIError } from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { createAnthropic } from "../../src/ai/client.ts";
import { BudgetExceededError } from "../../src/budget/errors.ts";
import { runLedger } from "../../src/budget/ledger.ts";
import { readBudgets } from "../../src/budget/read.ts";
import { appConfigSchema } from "../../src/config/schema.ts";
import { UserFacingError } from "../../src/errors.ts";
import { runScriptedAgent } from "../support/scripted-anthropic/agent-loop.ts";
import {
  anthropicFixture,
  anthropicFixtureText,
  replies,
  scriptedConversation,
} from "../support/scripted-anthropic/fixtures.ts";
import { openRunBudget, scriptedClient, scriptedSuite } from "./harness.ts";

const suite = scriptedSuite();

const ask = (text: string) => ({ maxTokens: 256, messages: [{ role: "user" as const, content: text }] });

describe("model client against the scripted Messages API", () => {
  it("prices a recorded tool-use exchange exactly: $0.003975 + $0.003550", async () => {
    await suite.startApi();
    suite.api.push(
      { reply: anthropicFixture("messages.tool_use.json") },
      { reply: anthropicFixture("messages.end_turn.json") },
    );
    const { client } = scriptedClient(suite.api, suite.test);
    const { runId, scopes } = await openRunBudget(suite.test);
    const first = await client.create(ask("use test_tool"), {
      runId,
      step: "plan",
      idempotencyKey: `${runId}:1`,
      scopes,
    });
    // claude-opus-4-8: $5 in, $25 out per million. 415 × 5 + 76 × 25 = 2075 + 1900 µ$.
    expect(first.costMicros).toBe(3975);
    expect(first.message.stop_reason).toBe("tool_use");
    const second = await client.create(ask("go on"), {
      runId,
      step: "plan",
      idempotencyKey: `${runId}:2`,
      scopes,
    });
    // 505 × 5 + 41 × 25 = 2525 + 1025 µ$.
    expect(second.costMicros).toBe(3550);
    const state = await readBudgets(suite.test.db, scopes);
    expect(state.get(scopes[0] as string)).toMatchObject({ spentMicros: 7525, reservedMicros: 0 });
    expect(first.requestId).toBe("req_scripted_0001");
  });

  it("counts every billed call of a step, also when the step runs again under the same key", async () => {
    await suite.startApi();
    suite.api.push(
      { reply: anthropicFixture("messages.tool_use.json") },
      { reply: anthropicFixture("messages.end_turn.json") },
    );
    const { client } = scriptedClient(suite.api, suite.test);
    const { runId, scopes } = await openRunBudget(suite.test);
    // A step resumed after a crash, or retried, calls the model again with the same step key.
    const context = { runId, step: "plan", idempotencyKey: `${runId}/main/plan`, scopes };
    await client.create(ask("use test_tool"), context);
    await client.create(ask("use test_tool"), context);

    const ledger = await runLedger(suite.test.db, runId);
    expect(ledger).toHaveLength(2);
    const state = await readBudgets(suite.test.db, scopes);
    expect(state.get(scopes[0] as string)).toMatchObject({ spentMicros: 3975 + 3550, reservedMicros: 0 });
  });

  it("prices a four-turn agent conversation with cache writes and reads to the micro-dollar", async () => {
    const conversation = scriptedConversation("fix-failing-test.json");
    await suite.startApi();
    suite.api.push(...replies(conversation));
    const { client } = scriptedClient(suite.api, suite.test);
    const { runId, scopes } = await openRunBudget(suite.test);
    const results = await runScriptedAgent(client, conversation, { runId, scopes });
    // claude-sonnet-5: $2 in, $10 out, $2.50 5m write, $0.20 read (per million tokens).
    //   turn 1:  2×2 + 4000×2.50 +    0×0.20 +  80×10 = 4 + 10000 +   0 +  800 = 10804
    //   turn 2:  3×2 +  150×2.50 + 4000×0.20 +  60×10 = 6 +   375 + 800 +  600 =  1781
    //   turn 3:  3×2 +  500×2.50 + 4150×0.20 + 300×10 = 6 +  1250 + 830 + 3000 =  5086
    //   turn 4:  3×2 +  350×2.50 + 4650×0.20 +  40×10 = 6 +   875 + 930 +  400 =  2211
    expect(results.map((r) => r.costMicros)).toEqual([10804, 1781, 5086, 2211]);
    const ledger = await runLedger(suite.test.db, runId);
    expect(ledger.map((row) => row.costMicros)).toEqual([10804, 1781, 5086, 2211]);
    expect(ledger[1]).toMatchObject({
      inputTokens: 3,
      outputTokens: 60,
      cacheWrite5mTokens: 150,
      cacheReadTokens: 4000,
    });
    const state = await readBudgets(suite.test.db, scopes);
    expect(state.get(scopes[1] as string)?.spentMicros).toBe(19882);
    expect(suite.api.remaining()).toBe(0);
  });

  it("retries 429 (waiting its retry-after) and 529, and counts only the answer that came", async () => {
    await suite.startApi();
    suite.api.push(
      { status: 429, body: anthropicFixture("error.rate_limit.json"), headers: { "retry-after": "7" } },
      { status: 529, body: anthropicFixtureText("error.overloaded.json") },
      {
        status: 500,
        body: { type: "error", error: { type: "api_error", message: "Internal server error" } },
      },
      { drop: true },
      { reply: anthropicFixture("messages.end_turn.json") },
    );
    const { client, waits } = scriptedClient(suite.api, suite.test);
    const { runId, scopes } = await openRunBudget(suite.test);
    const result = await client.create(ask("hi"), {
      runId,
      step: "plan",
      idempotencyKey: `${runId}:1`,
      scopes,
    });
    expect(result.attempts).toBe(5);
    // retry-after 7 s honoured; then backoff 10·2^(n-1) ms with jitter at 0.5 → 75 % of the ceiling.
    expect(waits).toEqual([7000, 15, 30, 60]);
    expect(suite.api.requests).toHaveLength(5);
    const ledger = await runLedger(suite.test.db, runId);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({
      inputTokens: 505,
      outputTokens: 41,
      costMicros: 3550,
      requestId: "req_scripted_0005",
    });
  });

  it("does not retry a 400 and gives the reservation back", async () => {
    await suite.startApi();
    suite.api.push({
      status: 400,
      body: {
        type: "error",
        error: { type: "invalid_request_error", message: "max_tokens: must be positive" },
      },
    });
    const { client, waits } = scriptedClient(suite.api, suite.test);
    const { runId, scopes } = await openRunBudget(suite.test);
    const error = await client
      .create(ask("hi"), { runId, step: "plan", idempotencyKey: `${runId}:1`, scopes })
      .catch((e) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(400);
    expect(suite.api.requests).toHaveLength(1);
    expect(waits).toEqual([]);
    expect((await readBudgets(suite.test.db, scopes)).get(scopes[0] as string)).toMatchObject({
      reservedMicros: 0,
      spentMicros: 0,
    });
  });

  it("gives up after the last attempt on a server that keeps dropping the connection", async () => {
    await suite.startApi();
    suite.api.push({ drop: true }, { drop: true });
    const { client } = scriptedClient(suite.api, suite.test, { retry: { maxAttempts: 2, baseDelayMs: 1 } });
    const { runId, scopes } = await openRunBudget(suite.test);
    const error = await client
      .create(ask("hi"), { runId, step: "plan", idempotencyKey: `${runId}:1`, scopes })
      .catch((e) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(suite.api.requests).toHaveLength(2);
    expect((await readBudgets(suite.test.db, scopes)).get(scopes[0] as string)?.reservedMicros).toBe(0);
  });

  it("fails cleanly on a malformed answer and holds nothing", async () => {
    await suite.startApi();
    suite.api.push({ malformed: true });
    const { client } = scriptedClient(suite.api, suite.test);
    const { runId, scopes } = await openRunBudget(suite.test);
    await expect(
      client.create(ask("hi"), { runId, step: "plan", idempotencyKey: `${runId}:1`, scopes }),
    ).rejects.toThrow();
    expect((await readBudgets(suite.test.db, scopes)).get(scopes[0] as string)?.reservedMicros).toBe(0);
    expect(await runLedger(suite.test.db, runId)).toEqual([]);
  });

  it("counts a streamed call's usage once: message_start's input and message_delta's output", async () => {
    await suite.startApi();
    suite.api.push({ sse: anthropicFixtureText("stream.tool_use.sse") });
    const { client } = scriptedClient(suite.api, suite.test);
    const { runId, scopes } = await openRunBudget(suite.test);
    const texts: string[] = [];
    const result = await client.stream(
      ask("weather in Paris?"),
      { runId, step: "plan", idempotencyKey: `${runId}:1`, scopes },
      (text) => texts.push(text),
    );
    expect(texts.join("")).toBe("I'll check the current weather in Paris for you.");
    expect(result.message.content[1]).toMatchObject({
      type: "tool_use",
      name: "get_weather",
      input: { location: "Paris" },
    });
    // message_start says output_tokens 1, message_delta says 65 (cumulative): 65, not 66.
    expect(result.usage).toMatchObject({ inputTokens: 377, outputTokens: 65 });
    expect(result.costMicros).toBe(377 * 5 + 65 * 25);
    expect(suite.api.requests[0]?.body.stream).toBe(true);
  });

  it("counts a retried streamed conversation once per turn", async () => {
    const conversation = scriptedConversation("fix-failing-test.json");
    await suite.startApi();
    const [t1, ...rest] = replies(conversation);
    suite.api.push(
      { status: 529, body: anthropicFixtureText("error.overloaded.json") },
      t1 as never,
      ...rest,
    );
    const { client } = scriptedClient(suite.api, suite.test);
    const { runId, scopes } = await openRunBudget(suite.test);
    const results = await runScriptedAgent(client, conversation, { runId, scopes }, { stream: true });
    expect(results.map((r) => r.costMicros)).toEqual([10804, 1781, 5086, 2211]);
    expect((await readBudgets(suite.test.db, scopes)).get(scopes[0] as string)?.spentMicros).toBe(19882);
  });

  it("sends turn 1's prefix unchanged in turn 2, with its cache breakpoint, byte for byte", async () => {
    const conversation = scriptedConversation("fix-failing-test.json");
    await suite.startApi();
    suite.api.push(...replies(conversation));
    const { client } = scriptedClient(suite.api, suite.test);
    const { runId, scopes } = await openRunBudget(suite.test);
    await runScriptedAgent(client, conversation, { runId, scopes });
    const [turn1, turn2] = suite.api.requests.map((r) => r.body) as [
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    const bytes = (v: unknown) => JSON.stringify(v);
    expect(bytes(turn2.tools)).toBe(bytes(turn1.tools));
    expect(bytes(turn2.system)).toBe(bytes(turn1.system));
    const m1 = turn1.messages as unknown[];
    const m2 = turn2.messages as unknown[];
    expect(bytes(m2.slice(0, m1.length))).toBe(bytes(m1));
    // The same bytes in the raw request body too: turn 2's body holds turn 1's messages verbatim.
    const raw1 = suite.api.requests[0]?.rawBody ?? "";
    expect(suite.api.requests[1]?.rawBody).toContain(bytes(m1).slice(1, -1));
    expect(raw1.length).toBeGreaterThan(0);
    // Breakpoints: last tool, last system block, end of turn 1's user message (kept in turn 2), end of turn 2's.
    expect((turn1.tools as Record<string, unknown>[]).at(-1)?.cache_control).toEqual({ type: "ephemeral" });
    expect((turn1.system as Record<string, unknown>[]).at(-1)?.cache_control).toEqual({ type: "ephemeral" });
    const lastBlock = (m: unknown) =>
      ((m as { content: Record<string, unknown>[] }).content.at(-1) ?? {}) as Record<string, unknown>;
    expect(lastBlock(m1[0]).cache_control).toEqual({ type: "ephemeral" });
    expect(lastBlock(m2[2]).cache_control).toEqual({ type: "ephemeral" });
    const marks = (raw: string) => raw.split('"cache_control"').length - 1;
    expect(marks(suite.api.requests[1]?.rawBody ?? "")).toBe(4);
  });

  it("refuses a model with no price before sending anything", async () => {
    await suite.startApi();
    const { client } = scriptedClient(suite.api, suite.test);
    const { runId, scopes } = await openRunBudget(suite.test);
    const error = await client
      .create(
        { ...ask("hi"), model: "claude-imaginary-9" },
        { runId, step: "plan", idempotencyKey: `${runId}:1`, scopes },
      )
      .catch((e) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect(error.code).toBe("unknown_model_price");
    expect(error.message).toContain("ai_provider.pricing.claude-imaginary-9");
    expect(suite.api.requests).toHaveLength(0);
  });

  it("stops before the call when the worst case does not fit, and says which cap", async () => {
    await suite.startApi();
    const { client } = scriptedClient(suite.api, suite.test);
    // Worst case on opus-4-8: 256 output tokens × $25 = 6400 µ$ alone; the run has 5000 µ$.
    const { runId, scopes } = await openRunBudget(suite.test, { runMicros: 5000 });
    const error = await client
      .create(ask("hi"), { runId, step: "plan", idempotencyKey: `${runId}:1`, scopes })
      .catch((e) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error.code).toBe("budget_exceeded");
    expect(error.message).toContain(`run:${runId}`);
    expect(suite.api.requests).toHaveLength(0);
  });

  it("switches to the step's fallback model when the budget is low, and the ledger says so", async () => {
    await suite.startApi();
    const cheap = { ...anthropicFixture("messages.end_turn.json"), model: "claude-haiku-4-5" };
    suite.api.push({ reply: cheap });
    const { client } = scriptedClient(suite.api, suite.test);
    const { runId, scopes } = await openRunBudget(suite.test, { runMicros: 5000 });
    const result = await client.create(ask("hi"), {
      runId,
      step: "summarize",
      idempotencyKey: `${runId}:1`,
      scopes,
      fallbackModel: "claude-haiku-4-5",
    });
    expect(result).toMatchObject({ model: "claude-haiku-4-5", requestedModel: "claude-opus-4-8" });
    expect(suite.api.requests[0]?.body.model).toBe("claude-haiku-4-5");
    // haiku: 505 × 1 + 41 × 5 = 710 µ$.
    expect(result.costMicros).toBe(710);
    const [row] = await runLedger(suite.test.db, runId);
    expect(row).toMatchObject({ model: "claude-haiku-4-5", requestedModel: "claude-opus-4-8" });
  });

  it("stops waiting and releases the reservation when the run is cancelled during a backoff", async () => {
    await suite.startApi();
    suite.api.push({ status: 529, body: anthropicFixtureText("error.overloaded.json") });
    const controller = new AbortController();
    const { client } = scriptedClient(suite.api, suite.test, {
      sleep: async () => {
        controller.abort(new Error("run cancelled"));
        throw new Error("run cancelled");
      },
    });
    const { runId, scopes } = await openRunBudget(suite.test);
    await expect(
      client.create(ask("hi"), {
        runId,
        step: "plan",
        idempotencyKey: `${runId}:1`,
        scopes,
        signal: controller.signal,
      }),
    ).rejects.toThrow("run cancelled");
    expect(suite.api.requests).toHaveLength(1);
    expect((await readBudgets(suite.test.db, scopes)).get(scopes[0] as string)?.reservedMicros).toBe(0);
  });

  it("reaches the endpoint named by ANTHROPIC_BASE_URL and sends the key the fake accepts", async () => {
    await suite.startApi();
    suite.api.push({ reply: anthropicFixture("messages.end_turn.json") });
    const config = appConfigSchema.parse({});
    const anthropic = createAnthropic(config.ai_provider, {
      ANTHROPIC_BASE_URL: suite.api.url,
      ANTHROPIC_API_KEY: "sk-ant-env",
    });
    expect(anthropic).toBeInstanceOf(Anthropic);
    const { client } = scriptedClient(suite.api, suite.test, { anthropic });
    const { runId, scopes } = await openRunBudget(suite.test);
    await client.create(ask("hi"), { runId, step: "plan", idempotencyKey: `${runId}:1`, scopes });
    const headers = suite.api.requests[0]?.headers ?? {};
    expect(headers["x-api-key"] ?? headers.authorization).toMatch(/sk-ant-env/);
  });
});

import { APIUserAbortError } from "@anthropic-ai/sdk";
import type { KyselyPlugin, RootOperationNode } from "kysely";
import { describe, expect, it } from "vitest";
import { runLedger } from "../../src/budget/ledger.ts";
import { readBudgets } from "../../src/budget/read.ts";
import { paidCostOf } from "../../src/engine/model-port.ts";
import { anthropicFixture, anthropicFixtureText } from "../support/scripted-anthropic/fixtures.ts";
import { openRunBudget, scriptedClient, scriptedSuite } from "./harness.ts";

// The ledger misses nothing: every call that was sent ends up charged, at what the API reported or,
// when it reported nothing, at the call's reservation.
const suite = scriptedSuite();

const ask = (text: string) => ({ maxTokens: 256, messages: [{ role: "user" as const, content: text }] });

/** Resolves once the scripted server has received `count` requests (polled, with a deadline). */
async function requestsReceived(count: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (suite.api.requests.length < count) {
    if (Date.now() > deadline) throw new Error(`the server saw ${suite.api.requests.length} requests`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Fails the first `times` settlements (the statement that writes model_calls), as a database outage would. */
function failingSettlements(times: number): KyselyPlugin & { failed: number } {
  const plugin: KyselyPlugin & { failed: number } = {
    failed: 0,
    transformQuery({ node }): RootOperationNode {
      const text = node.kind === "RawNode" ? node.sqlFragments.join("?") : "";
      if (text.includes("insert into model_calls") && plugin.failed < times) {
        plugin.failed += 1;
        throw new Error("connection to the database was lost");
      }
      return node;
    },
    async transformResult({ result }) {
      return result;
    },
  };
  return plugin;
}

describe("the ledger misses no call", () => {
  it("charges a timed-out call at its reservation and the retry that answered at its usage", async () => {
    await suite.startApi();
    suite.api.push({ hang: true }, { reply: anthropicFixture("messages.end_turn.json") });
    const { client, waits } = scriptedClient(suite.api, suite.test, { timeoutMs: 2_000 });
    const { runId, scopes } = await openRunBudget(suite.test);
    const result = await client.create(ask("hi"), {
      runId,
      step: "plan",
      idempotencyKey: `${runId}:1`,
      scopes,
    });

    const ledger = await runLedger(suite.test.db, runId);
    expect(ledger).toHaveLength(2);
    const [timedOut, answered] = ledger;
    expect(timedOut).toMatchObject({ requestId: null, outputTokens: 256 });
    expect(timedOut?.costMicros).toBeGreaterThan(256 * 25);
    // 505 × $5 + 41 × $25 per million.
    expect(answered).toMatchObject({ requestId: "req_scripted_0002", costMicros: 3550 });
    expect(result.costMicros).toBe((timedOut?.costMicros ?? 0) + 3550);
    expect(waits).toHaveLength(1);
    const budget = (await readBudgets(suite.test.db, scopes)).get(scopes[0] as string);
    expect(budget).toMatchObject({ reservedMicros: 0, spentMicros: result.costMicros });
  });

  it("charges an aborted call that the API never answered at its reservation, and the error says what it cost", async () => {
    await suite.startApi();
    suite.api.push({ hang: true });
    const { client } = scriptedClient(suite.api, suite.test);
    const { runId, scopes } = await openRunBudget(suite.test);
    const controller = new AbortController();
    const call = client
      .create(ask("hi"), {
        runId,
        step: "plan",
        idempotencyKey: `${runId}:1`,
        scopes,
        signal: controller.signal,
      })
      .catch((e: unknown) => e);
    await requestsReceived(1);
    controller.abort(new Error("the run was cancelled"));
    const error = await call;

    expect(error).toBeInstanceOf(APIUserAbortError);
    const ledger = await runLedger(suite.test.db, runId);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ requestId: null, outputTokens: 256 });
    expect(paidCostOf(error)).toBe((ledger[0]?.costMicros ?? 0) / 1_000_000);
    const budget = (await readBudgets(suite.test.db, scopes)).get(scopes[0] as string);
    expect(budget).toMatchObject({ reservedMicros: 0, spentMicros: ledger[0]?.costMicros });
  });

  it("charges an aborted stream at the usage its message_start reported", async () => {
    await suite.startApi();
    const started = anthropicFixtureText("stream.tool_use.sse").split("\n\n").slice(0, 4).join("\n\n");
    suite.api.push({ hang: true, sse: `${started}\n\n` });
    const { client } = scriptedClient(suite.api, suite.test);
    const { runId, scopes } = await openRunBudget(suite.test);
    const controller = new AbortController();
    let text = "";
    const call = client
      .stream(
        ask("weather?"),
        { runId, step: "agent", idempotencyKey: `${runId}:1`, scopes, signal: controller.signal },
        (chunk) => {
          text += chunk;
          controller.abort(new Error("the step timed out"));
        },
      )
      .catch((e: unknown) => e);
    const error = await call;

    expect(text).toBe("I");
    expect(error).toBeInstanceOf(APIUserAbortError);
    const ledger = await runLedger(suite.test.db, runId);
    // message_start: 377 input tokens and 1 output token, at $5 and $25 per million.
    expect(ledger).toMatchObject([{ inputTokens: 377, outputTokens: 1, costMicros: 377 * 5 + 25 }]);
    expect(paidCostOf(error)).toBe(0.00191);
    expect((await readBudgets(suite.test.db, scopes)).get(scopes[0] as string)?.reservedMicros).toBe(0);
  });

  it("retries a settlement that failed, keeping the hold until the call is written once", async () => {
    await suite.startApi();
    suite.api.push({ reply: anthropicFixture("messages.end_turn.json") });
    const outage = failingSettlements(2);
    const { runId, scopes } = await openRunBudget(suite.test);
    let heldDuringOutage: number | undefined;
    const { client, waits } = scriptedClient(suite.api, suite.test, {
      db: suite.test.db.withPlugin(outage),
      sleep: async (ms) => {
        waits.push(ms);
        heldDuringOutage = (await readBudgets(suite.test.db, scopes)).get(
          scopes[0] as string,
        )?.reservedMicros;
      },
    });
    const result = await client.create(ask("hi"), {
      runId,
      step: "plan",
      idempotencyKey: `${runId}:1`,
      scopes,
    });

    expect(outage.failed).toBe(2);
    expect(waits).toEqual([10, 20]);
    expect(heldDuringOutage).toBeGreaterThan(0);
    expect(result.costMicros).toBe(3550);
    expect((await runLedger(suite.test.db, runId)).map((row) => row.costMicros)).toEqual([3550]);
    const budget = (await readBudgets(suite.test.db, scopes)).get(scopes[0] as string);
    expect(budget).toMatchObject({ reservedMicros: 0, spentMicros: 3550 });
  });

  it("gives up recording only when the hold expires, and leaves the hold in place", async () => {
    await suite.startApi();
    suite.api.push({ reply: anthropicFixture("messages.end_turn.json") });
    const { runId, scopes } = await openRunBudget(suite.test);
    const { client } = scriptedClient(suite.api, suite.test, {
      db: suite.test.db.withPlugin(failingSettlements(100)),
      reservationTtlMs: 50,
    });
    const error = await client
      .create(ask("hi"), { runId, step: "plan", idempotencyKey: `${runId}:1`, scopes })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("SettlementError");
    expect(
      (await readBudgets(suite.test.db, scopes)).get(scopes[0] as string)?.reservedMicros,
    ).toBeGreaterThan(0);
  });
});

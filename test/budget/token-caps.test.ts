import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { worstCaseMicros } from "../../src/ai/client.ts";
import { costMicros, priceOf } from "../../src/ai/pricing.ts";
import { builtInPrices } from "../../src/ai/pricing-table.ts";
import { approveRunBudget, describeRaised } from "../../src/budget/approve.ts";
import { capsForRun, openBudgets } from "../../src/budget/caps.ts";
import { estimateRunCost } from "../../src/budget/estimate.ts";
import { decideRunStart } from "../../src/budget/gate.ts";
import type { LedgerEntry } from "../../src/budget/ledger.ts";
import { readBudgets } from "../../src/budget/read.ts";
import { reserveBudget } from "../../src/budget/reserve.ts";
import { allScopes, type RunScopes, runScopes } from "../../src/budget/scopes.ts";
import { settleModelCall } from "../../src/budget/settle.ts";
import { appConfigSchema, type Limits } from "../../src/config/schema.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

let test: TestDatabase;
const now = new Date("2026-11-27T10:00:00Z");
const defaults = appConfigSchema.parse({});

beforeAll(async () => {
  test = await openTestDatabase();
});
afterAll(async () => {
  await test.drop();
});

let opened = 0;
async function openRun(limits: Limits = defaults.limits, task = `t${++opened}`): Promise<RunScopes> {
  const scopes = runScopes(
    {
      runId: `r${++opened}`,
      taskKey: `acme/tokens#${task}`,
      repository: `acme/tokens${opened}`,
      installationId: opened,
    },
    now,
  );
  await openBudgets(test.db, capsForRun(scopes, limits, limits));
  return scopes;
}

async function states(scopes: RunScopes) {
  const rows = await readBudgets(test.db, allScopes(scopes));
  const get = (scope: string) => {
    const row = rows.get(scope);
    if (!row) throw new Error(scope);
    return row;
  };
  return {
    run: get(scopes.run),
    task: get(scopes.task),
    repoMonth: get(scopes.repoMonth),
    installationMonth: get(scopes.installationMonth),
  };
}

function entry(key: string, usage: Partial<LedgerEntry>, cost: number): LedgerEntry {
  return {
    idempotencyKey: key,
    runId: "r",
    step: "develop",
    model: "claude-opus-4-8",
    requestedModel: null,
    requestId: null,
    inputTokens: 0,
    outputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    ...usage,
    costMicros: cost,
    createdAt: now,
  };
}

describe("token caps count what costs", () => {
  it("counts a token read from the cache as a tenth against the token cap", async () => {
    const scopes = await openRun();
    const held = await reserveBudget(test.db, {
      id: "cache-read-1",
      scopes: allScopes(scopes),
      micros: 100_000,
      tokens: 30_500,
      runId: null,
      now,
      expiresAt: new Date(now.getTime() + 60_000),
    });
    if (!held.ok) throw new Error("refused");
    await settleModelCall(
      test.db,
      held.reservation,
      entry("cache-read-1", { cacheReadTokens: 30_000, inputTokens: 100, outputTokens: 400 }, 17_500),
    );
    const s = await states(scopes);
    expect(s.run).toMatchObject({ spentTokens: 3_000 + 100 + 400, reservedTokens: 0 });
    expect(s.task.spentTokens).toBe(3_500);
  });

  it("fits an agent run of 30 turns on a 30k-token prefix in the default limits", async () => {
    // Turn 1 writes the 30,000-token prefix to the cache; each later turn reads the conversation so far
    // and writes its 1,500 new tokens; every turn answers 400 tokens and may answer up to 16,000.
    //   counted: 30,000 + Σ_{t=2..30} ⌈0.1 × (30,000 + 1,500 (t−2))⌉ + 29 × 1,500 + 30 × 400
    //          = 30,000 + 147,900 + 43,500 + 12,000 = 233,400 tokens
    //   the last turn holds its worst case first: 73,500 in + 16,000 out = 89,500 tokens, on top of
    //   the 224,300 counted before it: 313,800 < 500,000 (cache reads at full weight: 1,565,000).
    //   dollars on claude-opus-4-8: 73,500 × $6.25 + 1,479,000 × $0.50 + 12,000 × $25 per million ≈ $1.50,
    //   at most ≈ $2.31 with the last hold: less than the default $5.
    const scopes = await openRun();
    const price = priceOf(builtInPrices, "claude-opus-4-8");
    const prefix = 30_000;
    const growth = 1_500;
    let peakTokens = 0;
    let peakMicros = 0;
    for (let turn = 1; turn <= 30; turn += 1) {
      const before = turn === 1 ? 0 : prefix + (turn - 2) * growth;
      const written = turn === 1 ? prefix : growth;
      const input = before + written;
      const held = await reserveBudget(test.db, {
        id: `agent-turn-${scopes.run}-${turn}`,
        scopes: allScopes(scopes),
        micros: worstCaseMicros(price, input, 16_000, false),
        tokens: input + 16_000,
        runId: null,
        now,
        expiresAt: new Date(now.getTime() + 60_000),
      });
      if (!held.ok) throw new Error(`turn ${turn} refused: ${JSON.stringify(held.refusal)}`);
      const s = await states(scopes);
      peakTokens = Math.max(peakTokens, s.run.spentTokens + s.run.reservedTokens);
      peakMicros = Math.max(peakMicros, s.run.spentMicros + s.run.reservedMicros);
      const usage = { cacheReadTokens: before, cacheWrite5mTokens: written, outputTokens: 400 };
      const cost = costMicros(price, { inputTokens: 0, cacheWrite1hTokens: 0, ...usage });
      await settleModelCall(
        test.db,
        held.reservation,
        entry(`agent-turn-${scopes.run}-${turn}`, usage, cost),
      );
    }
    const s = await states(scopes);
    expect(s.run.spentTokens).toBe(233_400);
    expect(peakTokens).toBe(313_800);
    expect(peakTokens).toBeLessThan(defaults.limits.max_tokens_per_task);
    expect(s.run.spentMicros).toBe(1_498_875);
    expect(peakMicros).toBeLessThan(defaults.limits.max_cost_per_task * 1_000_000);
    expect(s.run.overrunTokens).toBe(0);
  });

  it("estimates an agent step in counted tokens, and the default limits let the shipped shape start", async () => {
    const estimate = estimateRunCost(
      "Add a dark mode",
      [
        { name: "develop", kind: "agent" },
        { name: "describe_pr", kind: "ai_action", maxTokens: 2000 },
      ],
      "claude-opus-4-8",
      builtInPrices,
    );
    expect(estimate.breakdown[0]?.countedTokens).toBeLessThan(estimate.breakdown[0]?.inputTokens ?? 0);
    expect(decideRunStart(estimate, await states(await openRun()))).toEqual({ kind: "proceed" });
  });
});

describe("budgets never lock a task", () => {
  it("waits before starting when the estimate passes the token cap, and an approval of the suggested amount lets it start", async () => {
    const limits = { ...defaults.limits, max_tokens_per_task: 100_000 };
    const scopes = await openRun(limits);
    const estimate = estimateRunCost(
      "Add a dark mode",
      [{ name: "develop", kind: "agent" }],
      "claude-opus-4-8",
      builtInPrices,
    );
    const decision = decideRunStart(estimate, await states(scopes));
    expect(decision).toMatchObject({ kind: "wait-for-approval", approvable: true });
    if (decision.kind === "proceed") throw new Error("unreachable");
    expect(decision.message).toContain(`estimated at ${estimate.tokens.toLocaleString("en-US")} tokens`);
    expect(decision.message).toContain("limits.max_tokens_per_task 100,000");
    expect(decision.message).toContain(`/approve-budget ${decision.suggestedCapUsd.toFixed(2)}`);

    const approved = await approveRunBudget(test.db, scopes, decision.suggestedCapUsd, now);
    expect(approved.raised.map((r) => `${r.scope}:${r.measure}`)).toEqual([
      "run:cost",
      "task:cost",
      "run:tokens",
      "task:tokens",
    ]);
    expect(decideRunStart(estimate, await states(scopes))).toEqual({ kind: "proceed" });
  });

  it("raises the task's cap that an earlier run used up, though the run's own cap already allows the amount", async () => {
    const limits = { ...defaults.limits, max_cost_per_task: 2 };
    const first = await openRun(limits, "shared");
    await test.db
      .updateTable("budgets")
      .set({ spent_micros: 1_900_000 })
      .where("scope", "=", first.task)
      .execute();
    const second = await openRun(limits, "shared");
    expect(second.task).toBe(first.task);
    const estimate = { usd: 1, tokens: 1_000, breakdown: [] };
    const waiting = decideRunStart(estimate, await states(second));
    expect(waiting).toMatchObject({ kind: "wait-for-approval", approvable: true, suggestedCapUsd: 1 });

    const approved = await approveRunBudget(test.db, second, 2, now);
    expect(approved.raised).toEqual([{ scope: "task", measure: "cost", from: 2, to: 3.9 }]);
    expect(describeRaised(approved.raised)).toBe("this task's cap from $2.00 to $3.90");
    expect(decideRunStart(estimate, await states(second))).toEqual({ kind: "proceed" });
  });

  it("raises a run's token cap that stopped a call in proportion to the dollars approved", async () => {
    const scopes = await openRun({ ...defaults.limits, max_cost_per_task: 5, max_tokens_per_task: 200_000 });
    await test.db
      .updateTable("budgets")
      .set({ spent_tokens: 200_000 })
      .where("scope", "in", [scopes.run, scopes.task])
      .execute();
    const approved = await approveRunBudget(test.db, scopes, 10, now);
    expect(describeRaised(approved.raised)).toBe(
      "this run's cap from $5.00 to $10.00; this task's cap from $5.00 to $10.00; this run's token cap from 200,000 tokens to 400,000 tokens; this task's token cap from 200,000 tokens to 400,000 tokens",
    );
    const s = await states(scopes);
    expect([s.run.capTokens, s.task.capTokens]).toEqual([400_000, 400_000]);
  });
});

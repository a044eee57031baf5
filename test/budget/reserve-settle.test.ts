import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type BudgetCap, openBudgets } from "../../src/budget/caps.ts";
import { BudgetExceededError } from "../../src/budget/errors.ts";
import { releaseExpiredReservations } from "../../src/budget/expire.ts";
import type { LedgerEntry } from "../../src/budget/ledger.ts";
import { readBudgets } from "../../src/budget/read.ts";
import { reserveBudget } from "../../src/budget/reserve.ts";
import { releaseReservation, settleModelCall } from "../../src/budget/settle.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

let test: TestDatabase;
let n = 0;
const t0 = new Date("2026-11-27T10:00:00Z");

beforeAll(async () => {
  test = await openTestDatabase();
});
afterAll(async () => {
  await test.drop();
});

/** A fresh pair of scopes per test, so tests in the file never share rows. */
let run: string;
let month: string;
beforeEach(async () => {
  n += 1;
  run = `run:r${n}`;
  month = `repo:acme/app${n}:2026-11`;
  const caps: BudgetCap[] = [
    { scope: run, capMicros: 5_000_000, capTokens: 10_000, followsConfig: false },
    { scope: month, capMicros: 10_000_000, capTokens: null, followsConfig: true },
  ];
  await openBudgets(test.db, caps);
});

function entry(key: string, costMicros: number, tokens = { input: 100, output: 50 }): LedgerEntry {
  return {
    idempotencyKey: key,
    runId: run,
    step: "plan",
    model: "claude-opus-4-8",
    requestedModel: null,
    requestId: "req_1",
    inputTokens: tokens.input,
    outputTokens: tokens.output,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    costMicros,
    createdAt: t0,
  };
}

function reserve(id: string, micros: number, tokens = 1000, expiresAt = new Date(t0.getTime() + 60_000)) {
  return reserveBudget(test.db, { id, scopes: [run, month], micros, tokens, runId: run, now: t0, expiresAt });
}

describe("reserve and settle", () => {
  it("holds the worst case on every scope, then settles the real cost and releases the rest", async () => {
    const outcome = await reserve(`${run}-a`, 2_000_000);
    expect(outcome.ok).toBe(true);
    let state = await readBudgets(test.db, [run, month]);
    expect(state.get(run)).toMatchObject({ reservedMicros: 2_000_000, spentMicros: 0, reservedTokens: 1000 });
    expect(state.get(month)).toMatchObject({ reservedMicros: 2_000_000 });
    if (!outcome.ok) throw new Error("unreachable");
    const settled = await settleModelCall(test.db, outcome.reservation, entry(`${run}-call-1`, 3975));
    expect(settled).toEqual({ recorded: true, released: true });
    state = await readBudgets(test.db, [run, month]);
    expect(state.get(run)).toMatchObject({
      reservedMicros: 0,
      spentMicros: 3975,
      reservedTokens: 0,
      spentTokens: 150,
    });
    expect(state.get(month)).toMatchObject({ reservedMicros: 0, spentMicros: 3975, spentTokens: 150 });
  });

  it("writes a call once however often settlement is retried", async () => {
    const outcome = await reserve(`${run}-a`, 1_000_000);
    if (!outcome.ok) throw new Error("refused");
    await settleModelCall(test.db, outcome.reservation, entry(`${run}-call`, 5000));
    const again = await settleModelCall(test.db, outcome.reservation, entry(`${run}-call`, 5000));
    expect(again).toEqual({ recorded: false, released: false });
    const state = await readBudgets(test.db, [run]);
    expect(state.get(run)?.spentMicros).toBe(5000);
    const rows = await test.db.selectFrom("model_calls").selectAll().where("run_id", "=", run).execute();
    expect(rows).toHaveLength(1);
  });

  it("refuses a reservation that would pass the run's cap and names the cap, the spend and the way out", async () => {
    const first = await reserve(`${run}-a`, 4_000_000);
    expect(first.ok).toBe(true);
    const second = await reserve(`${run}-b`, 1_500_000);
    expect(second.ok).toBe(false);
    if (second.ok) throw new Error("unreachable");
    expect(second.refusal).toMatchObject({
      scope: run,
      measure: "cost",
      cap: 5_000_000,
      reserved: 4_000_000,
    });
    const error = new BudgetExceededError(second.refusal);
    expect(error.code).toBe("budget_exceeded");
    expect(error.message).toContain(`this run's cap (${run}) of $5.00`);
    expect(error.message).toContain("/approve-budget");
    expect(error.message).toContain("limits.max_cost_per_task");
    // Nothing was held by the refused call, on any scope.
    const state = await readBudgets(test.db, [run, month]);
    expect(state.get(month)?.reservedMicros).toBe(4_000_000);
  });

  it("refuses on the token cap too", async () => {
    const outcome = await reserve(`${run}-a`, 1000, 20_000);
    expect(outcome).toMatchObject({
      ok: false,
      refusal: { measure: "tokens", cap: 10_000, requested: 20_000 },
    });
  });

  it("releases a reservation left by a worker killed between reserve and settle", async () => {
    const outcome = await reserve(`${run}-a`, 3_000_000, 1000, new Date(t0.getTime() + 60_000));
    expect(outcome.ok).toBe(true);
    // The worker dies here: nobody settles. Before expiry the sweeper leaves it alone.
    expect(await releaseExpiredReservations(test.db, new Date(t0.getTime() + 59_000))).toBe(0);
    expect((await readBudgets(test.db, [run])).get(run)?.reservedMicros).toBe(3_000_000);
    expect(await releaseExpiredReservations(test.db, new Date(t0.getTime() + 60_000))).toBeGreaterThanOrEqual(
      1,
    );
    const state = await readBudgets(test.db, [run, month]);
    expect(state.get(run)).toMatchObject({ reservedMicros: 0, spentMicros: 0, reservedTokens: 0 });
    expect(state.get(month)).toMatchObject({ reservedMicros: 0 });
    const left = await test.db
      .selectFrom("budget_reservations")
      .selectAll()
      .where("run_id", "=", run)
      .execute();
    expect(left).toEqual([]);
  });

  it("still records the spend of a call that settles after its reservation expired, without releasing twice", async () => {
    const outcome = await reserve(`${run}-a`, 2_000_000);
    if (!outcome.ok) throw new Error("refused");
    await releaseExpiredReservations(test.db, new Date(t0.getTime() + 120_000));
    const settled = await settleModelCall(test.db, outcome.reservation, entry(`${run}-late`, 7000));
    expect(settled).toEqual({ recorded: true, released: false });
    const state = await readBudgets(test.db, [run]);
    expect(state.get(run)).toMatchObject({ reservedMicros: 0, spentMicros: 7000 });
  });

  it("keeps the cap constraint true when a call costs more than the room left, and shows the overrun", async () => {
    const outcome = await reserve(`${run}-a`, 4_900_000);
    if (!outcome.ok) throw new Error("refused");
    await settleModelCall(test.db, outcome.reservation, entry(`${run}-big`, 5_200_000));
    const state = await readBudgets(test.db, [run]);
    expect(state.get(run)).toMatchObject({
      spentMicros: 5_000_000,
      overrunMicros: 200_000,
      reservedMicros: 0,
    });
  });

  it("gives back a reservation untouched when the call failed before any work", async () => {
    const outcome = await reserve(`${run}-a`, 2_000_000);
    if (!outcome.ok) throw new Error("refused");
    expect(await releaseReservation(test.db, outcome.reservation, t0)).toBe(true);
    expect(await releaseReservation(test.db, outcome.reservation, t0)).toBe(false);
    expect((await readBudgets(test.db, [run])).get(run)).toMatchObject({ reservedMicros: 0, spentMicros: 0 });
  });

  it("enforces the cap in the database even for a statement that skips the check", async () => {
    await expect(
      test.db.updateTable("budgets").set({ spent_micros: 5_000_001 }).where("scope", "=", run).execute(),
    ).rejects.toThrow(/budgets_cost_within_cap/);
  });
});

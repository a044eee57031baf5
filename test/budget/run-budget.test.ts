import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInPrices } from "../../src/ai/pricing-table.ts";
import { approveRunBudget } from "../../src/budget/approve.ts";
import { capsForRun, openBudgets } from "../../src/budget/caps.ts";
import { estimateRunCost } from "../../src/budget/estimate.ts";
import { decideRunStart } from "../../src/budget/gate.ts";
import { readBudgets } from "../../src/budget/read.ts";
import { runScopes } from "../../src/budget/scopes.ts";
import { budgetSummary, renderBudgetSummary } from "../../src/budget/summary.ts";
import { narrowConfig } from "../../src/config/repo-config.ts";
import { appConfigSchema } from "../../src/config/schema.ts";
import { UserFacingError } from "../../src/errors.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

let test: TestDatabase;
const now = new Date("2026-11-27T10:00:00Z");
const config = appConfigSchema.parse({ limits: { max_cost_per_task: 2, monthly_budget: 20 } });

beforeAll(async () => {
  test = await openTestDatabase();
});
afterAll(async () => {
  await test.drop();
});

async function openRun(runId: string, repository = "acme/shop") {
  const scopes = runScopes({ runId, taskKey: `${repository}#${runId}`, repository, installationId: 7 }, now);
  const effective = narrowConfig(config, { limits: { monthly_budget: 10 } }).limits;
  await openBudgets(test.db, capsForRun(scopes, effective, config.limits));
  return { scopes, effective };
}

async function states(scopes: ReturnType<typeof runScopes>) {
  const rows = await readBudgets(test.db, [
    scopes.run,
    scopes.task,
    scopes.repoMonth,
    scopes.installationMonth,
  ]);
  const get = (s: string) =>
    rows.get(s) ??
    (() => {
      throw new Error(s);
    })();
  return {
    run: get(scopes.run),
    task: get(scopes.task),
    repoMonth: get(scopes.repoMonth),
    installationMonth: get(scopes.installationMonth),
  };
}

describe("run budgets", () => {
  it("keys scopes by run, task, and the UTC month of the injected clock", () => {
    const scopes = runScopes(
      { runId: "r1", taskKey: "acme/shop#5", repository: "acme/shop", installationId: 7 },
      new Date("2026-11-30T23:59:59Z"),
    );
    expect(scopes).toEqual({
      run: "run:r1",
      task: "task:acme/shop#5",
      repoMonth: "repo:acme/shop:2026-11",
      installationMonth: "installation:7:2026-11",
    });
    expect(
      runScopes(
        { runId: "r1", taskKey: "t", repository: "a/b", installationId: 7 },
        new Date("2026-12-01T00:00:00Z"),
      ).repoMonth,
    ).toBe("repo:a/b:2026-12");
  });

  it("estimates a run from the task's size and its steps, per step", () => {
    const estimate = estimateRunCost(
      "Fix the slug bug".repeat(10),
      [
        { name: "triage", kind: "ai_action" },
        { name: "implement", kind: "agent" },
        { name: "open-pr", kind: "plugin" },
      ],
      "claude-sonnet-5",
      builtInPrices,
    );
    expect(estimate.breakdown.map((s) => s.step)).toEqual(["triage", "implement", "open-pr"]);
    expect(estimate.breakdown[2]?.usd).toBe(0);
    expect(estimate.usd).toBeGreaterThan(0.05);
    expect(estimate.usd).toBeLessThan(2);
    expect(estimate.tokens).toBeGreaterThan(100_000);
    expect(() =>
      estimateRunCost("x", [{ name: "a", kind: "agent", model: "gpt-9" }], "claude-sonnet-5", builtInPrices),
    ).toThrow(UserFacingError);
  });

  it("lets a run start when the estimate fits, and waits with a message when it passes the run's cap", async () => {
    const { scopes } = await openRun("gate-1");
    const small = { usd: 1.5, tokens: 1000, breakdown: [] };
    expect(decideRunStart(small, await states(scopes))).toEqual({ kind: "proceed" });
    const big = { usd: 3.2, tokens: 1000, breakdown: [] };
    const decision = decideRunStart(big, await states(scopes));
    expect(decision).toMatchObject({ kind: "wait-for-approval", approvable: true, suggestedCapUsd: 3.2 });
    if (decision.kind === "proceed") throw new Error("unreachable");
    expect(decision.message).toContain("/approve-budget 3.20");
    expect(decision.message).toContain("$3.20");
  });

  it("says an approval cannot help when the month has not enough left", async () => {
    const { scopes } = await openRun("gate-2", "acme/other");
    const decision = decideRunStart({ usd: 11, tokens: 1, breakdown: [] }, await states(scopes));
    expect(decision).toMatchObject({ kind: "wait-for-approval", approvable: false });
    if (decision.kind === "proceed") throw new Error("unreachable");
    expect(decision.message).toContain("limits.monthly_budget");
  });

  it("raises one run's cap within the monthly budget, and refuses past it", async () => {
    const { scopes } = await openRun("approve-1", "acme/approve");
    const raised = await approveRunBudget(test.db, scopes, 6, now);
    expect(raised).toMatchObject({ runCapUsd: 6, previousCapUsd: 2 });
    const s = await states(scopes);
    expect(s.run.capMicros).toBe(6_000_000);
    expect(s.task.capMicros).toBe(6_000_000);
    expect(decideRunStart({ usd: 5, tokens: 1, breakdown: [] }, s)).toEqual({ kind: "proceed" });
    // The repository's month is $10 (narrowed from the operator's $20).
    const refused = await approveRunBudget(test.db, scopes, 12, now).catch((e) => e);
    expect(refused).toBeInstanceOf(UserFacingError);
    expect(refused.code).toBe("budget_approval_refused");
    expect(refused.message).toContain("the most this run can be approved for is $10.00");
    expect((await states(scopes)).run.capMicros).toBe(6_000_000);
  });

  it("answers /budget with month-to-date spend and caps", async () => {
    const { scopes, effective } = await openRun("summary-1", "acme/summary");
    await test.db
      .updateTable("budgets")
      .set({ spent_micros: 1_234_567 })
      .where("scope", "in", [scopes.repoMonth, scopes.installationMonth])
      .execute();
    const summary = await budgetSummary(test.db, {
      repository: "acme/summary",
      installationId: 7,
      now,
      effective,
      operator: config.limits,
    });
    expect(summary.repo).toMatchObject({ capUsd: 10, spentUsd: 1.234567 });
    expect(summary.installation.capUsd).toBe(20);
    const text = renderBudgetSummary(summary);
    expect(text).toContain("2026-11");
    expect(text).toContain("| acme/summary | $1.23 | $0.00 | $10.00 | $8.77 |");
  });
});

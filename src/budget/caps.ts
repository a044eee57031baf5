import { type Kysely, sql } from "kysely";
import type { Limits } from "../config/schema.ts";
import type { Database } from "../db/schema.ts";
import { usdToMicros } from "./money.ts";
import type { RunScopes } from "./scopes.ts";

export interface BudgetCap {
  scope: string;
  capMicros: number;
  capTokens: number | null;
  /**
   * Monthly caps follow the configuration each time they are opened (an operator may raise or lower
   * them mid-month); a run's and a task's cap are set once, since /approve-budget may have raised them.
   */
  followsConfig: boolean;
}

/**
 * The caps of one run: the task limits narrowed by the repository, the repository's month
 * (repo limits.monthly_budget, itself at most the operator's) and the installation's month (operator).
 */
export function capsForRun(scopes: RunScopes, effective: Limits, operator: Limits): BudgetCap[] {
  const taskMicros = usdToMicros(effective.max_cost_per_task);
  return [
    {
      scope: scopes.run,
      capMicros: taskMicros,
      capTokens: effective.max_tokens_per_task,
      followsConfig: false,
    },
    {
      scope: scopes.task,
      capMicros: taskMicros,
      capTokens: effective.max_tokens_per_task,
      followsConfig: false,
    },
    {
      scope: scopes.repoMonth,
      capMicros: usdToMicros(effective.monthly_budget),
      capTokens: null,
      followsConfig: true,
    },
    {
      scope: scopes.installationMonth,
      capMicros: usdToMicros(operator.monthly_budget),
      capTokens: null,
      followsConfig: true,
    },
  ];
}

/** Creates the budget rows that do not exist yet and brings monthly caps in line with the configuration. */
export async function openBudgets(db: Kysely<Database>, caps: readonly BudgetCap[]): Promise<void> {
  for (const cap of caps) {
    const insert = db
      .insertInto("budgets")
      .values({ scope: cap.scope, cap_micros: cap.capMicros, cap_tokens: cap.capTokens });
    if (!cap.followsConfig) {
      await insert.onConflict((oc) => oc.column("scope").doNothing()).execute();
      continue;
    }
    // A cap lowered below what is already spent becomes "no more room", never a constraint violation.
    await insert
      .onConflict((oc) =>
        oc.column("scope").doUpdateSet({
          cap_micros: sql`greatest(excluded.cap_micros, budgets.reserved_micros + budgets.spent_micros)`,
          cap_tokens: sql`case when excluded.cap_tokens is null then null
            else greatest(excluded.cap_tokens, budgets.reserved_tokens + budgets.spent_tokens) end`,
        }),
      )
      .execute();
  }
}

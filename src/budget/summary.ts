import type { Kysely } from "kysely";
import type { Limits } from "../config/schema.ts";
import type { Database } from "../db/schema.ts";
import { formatUsd, microsToUsd } from "./money.ts";
import { readBudgets } from "./read.ts";
import { installationMonthScope, monthOf, repoMonthScope } from "./scopes.ts";

export interface MonthSpend {
  scope: string;
  capUsd: number;
  spentUsd: number;
  reservedUsd: number;
  leftUsd: number;
}

export interface BudgetSummary {
  month: string;
  repository: string;
  repo: MonthSpend;
  installation: MonthSpend;
  limits: Limits;
}

/** Month-to-date spend and caps for `/budget`: the configured caps, what settled calls spent, what is held. */
export async function budgetSummary(
  db: Kysely<Database>,
  input: {
    repository: string;
    installationId: string | number;
    now: Date;
    effective: Limits;
    operator: Limits;
  },
): Promise<BudgetSummary> {
  const repoScope = repoMonthScope(input.repository, input.now);
  const installationScope = installationMonthScope(input.installationId, input.now);
  const rows = await readBudgets(db, [repoScope, installationScope]);
  const spend = (scope: string, capUsd: number): MonthSpend => {
    const row = rows.get(scope);
    const spentUsd = microsToUsd((row?.spentMicros ?? 0) + (row?.overrunMicros ?? 0));
    const reservedUsd = microsToUsd(row?.reservedMicros ?? 0);
    return { scope, capUsd, spentUsd, reservedUsd, leftUsd: Math.max(0, capUsd - spentUsd - reservedUsd) };
  };
  return {
    month: monthOf(input.now),
    repository: input.repository,
    repo: spend(repoScope, input.effective.monthly_budget),
    installation: spend(installationScope, input.operator.monthly_budget),
    limits: input.effective,
  };
}

export function renderBudgetSummary(summary: BudgetSummary): string {
  const row = (name: string, s: MonthSpend) =>
    `| ${name} | ${formatUsd(s.spentUsd)} | ${formatUsd(s.reservedUsd)} | ${formatUsd(s.capUsd)} | ${formatUsd(s.leftUsd)} |`;
  return [
    `**AI budget for ${summary.month} (UTC), month to date**`,
    "",
    "| Budget | Spent | In flight | Cap | Left |",
    "|---|--:|--:|--:|--:|",
    row(`${summary.repository}`, summary.repo),
    row("Installation", summary.installation),
    "",
    `Per task: up to ${formatUsd(summary.limits.max_cost_per_task)} and ${summary.limits.max_tokens_per_task.toLocaleString("en-US")} tokens.`,
    "Caps come from `limits` in ai-dev.config.yaml, narrowed by `.github/ai-dev.yml`; a write user can raise one run's cap with `/approve-budget <amount>`.",
  ].join("\n");
}

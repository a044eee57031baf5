import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.ts";
import { UserFacingError } from "../errors.ts";
import { bigintToNumber, formatUsd, microsToUsd, usdToMicros } from "./money.ts";
import type { RunScopes } from "./scopes.ts";

export interface ApprovalResult {
  runCapUsd: number;
  previousCapUsd: number;
}

/**
 * `/approve-budget <amount>`: sets this run's cap to `amount` dollars (and raises the task's by the same
 * step), as long as the month can pay for the difference. Monthly budgets are the admins' and stay as
 * they are. The caller checks that the user has write access.
 */
export async function approveRunBudget(
  db: Kysely<Database>,
  scopes: RunScopes,
  amountUsd: number,
  now: Date,
): Promise<ApprovalResult> {
  if (!Number.isFinite(amountUsd) || amountUsd <= 0) {
    throw new UserFacingError(
      "budget_approval_refused",
      "`/approve-budget` needs a positive amount in US dollars, e.g. `/approve-budget 12.50`.",
    );
  }
  const wanted = usdToMicros(amountUsd);
  return db.transaction().execute(async (trx) => {
    const rows = await sql<{
      scope: string;
      cap_micros: string | number;
      spent_micros: string | number;
      reserved_micros: string | number;
    }>`
      select scope, cap_micros, spent_micros, reserved_micros from budgets
      where scope in (${scopes.run}, ${scopes.task}, ${scopes.repoMonth}, ${scopes.installationMonth})
      order by scope for update
    `.execute(trx);
    const get = (scope: string) => {
      const row = rows.rows.find((r) => r.scope === scope);
      if (!row) throw new Error(`no budget row for ${scope}`);
      return {
        cap: bigintToNumber(row.cap_micros),
        used: bigintToNumber(row.spent_micros) + bigintToNumber(row.reserved_micros),
      };
    };
    const run = get(scopes.run);
    const task = get(scopes.task);
    const monthLeft = Math.min(
      ...[scopes.repoMonth, scopes.installationMonth].map((s) => {
        const m = get(s);
        return m.cap - m.used;
      }),
    );
    if (wanted <= run.cap) {
      return { runCapUsd: microsToUsd(run.cap), previousCapUsd: microsToUsd(run.cap) };
    }
    // What the run could spend beyond what it has used so far must fit in what the month has left.
    if (wanted - run.used > monthLeft) {
      const most = microsToUsd(run.used + Math.max(0, monthLeft));
      throw new UserFacingError(
        "budget_approval_refused",
        `Cannot raise this run's cap to ${formatUsd(amountUsd)}: the monthly budget has ${formatUsd(microsToUsd(Math.max(0, monthLeft)))} left, ` +
          `so the most this run can be approved for is ${formatUsd(most)}. An admin can raise limits.monthly_budget in ai-dev.config.yaml.`,
      );
    }
    const step = wanted - run.cap;
    await trx
      .updateTable("budgets")
      .set({ cap_micros: wanted, updated_at: now })
      .where("scope", "=", scopes.run)
      .execute();
    await trx
      .updateTable("budgets")
      .set({ cap_micros: task.cap + step, updated_at: now })
      .where("scope", "=", scopes.task)
      .execute();
    return { runCapUsd: microsToUsd(wanted), previousCapUsd: microsToUsd(run.cap) };
  });
}

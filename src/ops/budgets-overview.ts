import { type Kysely, sql } from "kysely";
import { z } from "zod";
import { bigintToNumber, microsToUsd } from "../budget/money.ts";
import { monthOf } from "../budget/scopes.ts";
import type { Database } from "../db/schema.ts";

const monthSpendSchema = z.object({
  capUsd: z.number(),
  spentUsd: z.number(),
  reservedUsd: z.number(),
});

export const budgetsOverviewSchema = z.object({
  month: z.string().regex(/^\d{4}-\d{2}$/),
  repositories: z.array(monthSpendSchema.extend({ repository: z.string() })),
  installations: z.array(monthSpendSchema.extend({ installationId: z.string() })),
  /** Model cost per UTC day over the last `days` days, per repository (null: a run with no repository). */
  daily: z.array(z.object({ date: z.string(), repository: z.string().nullable(), costUsd: z.number() })),
});
export type BudgetsOverview = z.infer<typeof budgetsOverviewSchema>;

/**
 * The month's caps and spend of every repository and installation that has spent anything, and the
 * daily model cost for the dashboard's chart: the ledger's own figures, never an estimate.
 */
export async function budgetsOverview(
  db: Kysely<Database>,
  options: { now?: Date; days?: number } = {},
): Promise<BudgetsOverview> {
  const now = options.now ?? new Date();
  const month = monthOf(now);
  const rows = await db
    .selectFrom("budgets")
    .selectAll()
    .where((eb) =>
      eb.or([eb("scope", "like", `repo:%:${month}`), eb("scope", "like", `installation:%:${month}`)]),
    )
    .orderBy("scope")
    .execute();
  const spend = (row: (typeof rows)[number]) => ({
    capUsd: microsToUsd(bigintToNumber(row.cap_micros)),
    spentUsd: microsToUsd(bigintToNumber(row.spent_micros) + bigintToNumber(row.overrun_micros)),
    reservedUsd: microsToUsd(bigintToNumber(row.reserved_micros)),
  });
  // The scope is `repo:<owner/name>:<month>` or `installation:<id>:<month>` (src/budget/scopes.ts).
  const middle = (scope: string) => scope.slice(scope.indexOf(":") + 1, scope.lastIndexOf(":"));
  const since = new Date(now.getTime() - (options.days ?? 30) * 86_400_000);
  const daily = await db
    .selectFrom("model_calls")
    .leftJoin("runs", "runs.id", "model_calls.run_id")
    .select([
      sql<string>`to_char(model_calls.created_at at time zone 'UTC', 'YYYY-MM-DD')`.as("date"),
      "runs.repository",
      (eb) => eb.fn.sum<string>("model_calls.cost_micros").as("micros"),
    ])
    .where("model_calls.created_at", ">=", since)
    .groupBy(["date", "runs.repository"])
    .orderBy("date")
    .execute();
  return budgetsOverviewSchema.parse({
    month,
    repositories: rows
      .filter((r) => r.scope.startsWith("repo:"))
      .map((r) => ({ repository: middle(r.scope), ...spend(r) })),
    installations: rows
      .filter((r) => r.scope.startsWith("installation:"))
      .map((r) => ({ installationId: middle(r.scope), ...spend(r) })),
    daily: daily.map((d) => ({
      date: d.date,
      repository: d.repository ?? null,
      costUsd: microsToUsd(bigintToNumber(d.micros)),
    })),
  });
}

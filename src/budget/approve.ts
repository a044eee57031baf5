import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.ts";
import { UserFacingError } from "../errors.ts";
import { bigintToNumber, formatUsd, microsToUsd, usdToMicros } from "./money.ts";
import type { RunScopes } from "./scopes.ts";

/** One cap an approval raised. */
export interface RaisedCap {
  scope: "run" | "task";
  measure: "cost" | "tokens";
  /** US dollars for cost, tokens for tokens. */
  from: number;
  to: number;
}

export interface ApprovalResult {
  runCapUsd: number;
  previousCapUsd: number;
  /** The run's token cap after the approval (null: none). */
  runCapTokens: number | null;
  /** Every cap that was raised; empty when the caps already allowed the amount. */
  raised: RaisedCap[];
}

interface CapRow {
  cap: number;
  used: number;
  capTokens: number | null;
  usedTokens: number;
}

/**
 * `/approve-budget <amount>`: lets this run spend up to `amount` dollars, raising whichever cap stands in
 * the way: the run's cap, the task's (which earlier runs of the task may have used up), and their token
 * caps, which grow in proportion to the run's dollar cap (approving twice the dollars allows twice the
 * tokens). Approving the run's current cap still frees a task whose earlier runs used it up. The month
 * must be able to pay for what the run may still spend; monthly budgets are the admins' and stay as
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
      cap_tokens: string | number | null;
      spent_tokens: string | number;
      reserved_tokens: string | number;
    }>`
      select scope, cap_micros, spent_micros, reserved_micros, cap_tokens, spent_tokens, reserved_tokens
      from budgets
      where scope in (${scopes.run}, ${scopes.task}, ${scopes.repoMonth}, ${scopes.installationMonth})
      order by scope for update
    `.execute(trx);
    const get = (scope: string): CapRow => {
      const row = rows.rows.find((r) => r.scope === scope);
      if (!row) throw new Error(`no budget row for ${scope}`);
      return {
        cap: bigintToNumber(row.cap_micros),
        used: bigintToNumber(row.spent_micros) + bigintToNumber(row.reserved_micros),
        capTokens: row.cap_tokens === null ? null : bigintToNumber(row.cap_tokens),
        usedTokens: bigintToNumber(row.spent_tokens) + bigintToNumber(row.reserved_tokens),
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

    const runCap = Math.max(run.cap, wanted);
    // What the run may still spend must fit in the task and in what the month has left.
    const runRoom = Math.max(0, runCap - run.used);
    const taskCap = Math.max(task.cap, task.used + runRoom);
    const runTokens =
      run.capTokens === null || run.cap === 0
        ? run.capTokens
        : Math.max(run.capTokens, Math.ceil((run.capTokens * runCap) / run.cap));
    const taskTokens =
      task.capTokens === null || runTokens === null
        ? task.capTokens
        : Math.max(task.capTokens, task.usedTokens + Math.max(0, runTokens - run.usedTokens));

    const raised: RaisedCap[] = [];
    if (runCap > run.cap) raised.push(usdRaise("run", run.cap, runCap));
    if (taskCap > task.cap) raised.push(usdRaise("task", task.cap, taskCap));
    if (runTokens !== null && run.capTokens !== null && runTokens > run.capTokens)
      raised.push({ scope: "run", measure: "tokens", from: run.capTokens, to: runTokens });
    if (taskTokens !== null && task.capTokens !== null && taskTokens > task.capTokens)
      raised.push({ scope: "task", measure: "tokens", from: task.capTokens, to: taskTokens });

    if (raised.length > 0 && runRoom > monthLeft) {
      const most = microsToUsd(run.used + Math.max(0, monthLeft));
      throw new UserFacingError(
        "budget_approval_refused",
        `Cannot let this run spend up to ${formatUsd(amountUsd)}: the monthly budget has ${formatUsd(microsToUsd(Math.max(0, monthLeft)))} left, ` +
          `so the most this run can be approved for is ${formatUsd(most)}. An admin can raise limits.monthly_budget in ai-dev.config.yaml.`,
      );
    }
    if (runCap > run.cap || (runTokens ?? 0) > (run.capTokens ?? 0)) {
      await trx
        .updateTable("budgets")
        .set({ cap_micros: runCap, cap_tokens: runTokens, updated_at: now })
        .where("scope", "=", scopes.run)
        .execute();
    }
    if (taskCap > task.cap || (taskTokens ?? 0) > (task.capTokens ?? 0)) {
      await trx
        .updateTable("budgets")
        .set({ cap_micros: taskCap, cap_tokens: taskTokens, updated_at: now })
        .where("scope", "=", scopes.task)
        .execute();
    }
    return {
      runCapUsd: microsToUsd(runCap),
      previousCapUsd: microsToUsd(run.cap),
      runCapTokens: runTokens,
      raised,
    };
  });
}

function usdRaise(scope: RaisedCap["scope"], from: number, to: number): RaisedCap {
  return { scope, measure: "cost", from: microsToUsd(from), to: microsToUsd(to) };
}

/** The answer's words for what an approval raised, e.g. "this run's cap from $5.00 to $12.50". */
export function describeRaised(raised: readonly RaisedCap[]): string {
  const name = (cap: RaisedCap) =>
    `this ${cap.scope}'s ${cap.measure === "cost" ? "cap" : "token cap"} from ${amount(cap, cap.from)} to ${amount(cap, cap.to)}`;
  return raised.map(name).join("; ");
}

function amount(cap: RaisedCap, value: number): string {
  return cap.measure === "cost" ? formatUsd(value) : `${value.toLocaleString("en-US")} tokens`;
}

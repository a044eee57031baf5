import type { Kysely } from "kysely";
import { approveRunBudget, describeRaised } from "../budget/approve.ts";
import { capsForRun, openBudgets } from "../budget/caps.ts";
import { formatUsd } from "../budget/money.ts";
import { budgetSummary, renderBudgetSummary } from "../budget/summary.ts";
import type { AppConfig } from "../config/schema.ts";
import type { Database } from "../db/schema.ts";
import { isUserFacingError } from "../errors.ts";
import type { RunQueue } from "../queue/run-queue.ts";
import { audit } from "./audit.ts";
import type { BudgetCommands } from "./commands.ts";
import { budgetTaskKeyOf, limitsOfRun, scopesOfRun } from "./run-budget.ts";
import { activeStatuses } from "./run-queries.ts";
import { targetKey } from "./run-request.ts";

export interface BudgetCommandDeps {
  db: Kysely<Database>;
  queue: RunQueue;
  config: AppConfig;
  now?: () => Date;
}

/** `/budget` reads the month; `/approve-budget` raises one active run's cap and starts it if it waited. */
export function budgetCommands(deps: BudgetCommandDeps): BudgetCommands {
  const now = () => deps.now?.() ?? new Date();
  return {
    async summary(target) {
      const summary = await budgetSummary(deps.db, {
        repository: target.repository,
        installationId: target.installationId,
        now: now(),
        effective: target.limits,
        operator: deps.config.limits,
      });
      return renderBudgetSummary(summary);
    },

    async approve(target, amountUsd) {
      const run = await deps.db
        .selectFrom("runs")
        .select([
          "id",
          "status",
          "source",
          "repository",
          "target_number",
          "installation_id",
          "created_at",
          "context",
          "task_key",
          "target_kind",
        ])
        .where("repository", "=", target.repository)
        // A ticket's runs go by its key; a GitHub issue's never include a ticket's of the same number.
        .$if(target.taskKey !== undefined, (q) => q.where("task_key", "=", target.taskKey ?? ""))
        .$if(target.taskKey === undefined, (q) =>
          q.where("task_key", "is", null).where("target_number", "=", target.number),
        )
        .where("status", "in", [...activeStatuses])
        .orderBy("created_at", "desc")
        .executeTakeFirst();
      if (!run) return "There is no active run here to approve a budget for.";
      const scopes = scopesOfRun({
        id: run.id,
        repository: target.repository,
        taskKey: await budgetTaskKeyOf(deps.db, {
          repository: target.repository,
          targetKind: run.target_kind,
          targetNumber: run.target_number ?? target.number,
          taskKey: run.task_key,
        }),
        installationId: target.installationId,
        createdAt: run.created_at,
      });
      // Opening again brings the monthly caps in line with the configuration an admin may have raised.
      await openBudgets(
        deps.db,
        capsForRun(scopes, limitsOfRun(run.context, deps.config.limits), deps.config.limits),
      );
      let approved: Awaited<ReturnType<typeof approveRunBudget>>;
      try {
        approved = await approveRunBudget(deps.db, scopes, amountUsd, now());
      } catch (error) {
        if (isUserFacingError(error)) return error.message;
        throw error;
      }
      const resumed = await deps.db.transaction().execute(async (trx) => {
        const parked = await trx
          .updateTable("runs")
          .set({ status: "queued", updated_at: now() })
          .where("id", "=", run.id)
          .where("status", "=", "waiting")
          .executeTakeFirst();
        if (Number(parked.numUpdatedRows) === 0) return false;
        await deps.queue.enqueue(
          trx,
          { runId: run.id },
          run.task_key
            ? `${run.source}:${run.task_key}`
            : targetKey(run.source ?? "github", target.repository, target.number),
        );
        return true;
      });
      await audit(deps.db, {
        actor: target.actor,
        action: "budget.approved",
        repository: target.repository,
        target: `#${target.number}`,
        runId: run.id,
        details: { amountUsd, previousCapUsd: approved.previousCapUsd, raised: approved.raised, resumed },
      });
      const tokens =
        approved.runCapTokens === null ? "" : ` and ${approved.runCapTokens.toLocaleString("en-US")} tokens`;
      const raised =
        approved.raised.length > 0
          ? ` Raised ${describeRaised(approved.raised)}.`
          : " Its caps already allowed that, so nothing was raised.";
      return `Approved: run \`${run.id}\` may now spend up to ${formatUsd(approved.runCapUsd)}${tokens}.${raised}${resumed ? " It starts now." : ""}`;
    },
  };
}

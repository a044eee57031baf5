import type { Kysely } from "kysely";
import { formatUsd, microsToUsd } from "../budget/money.ts";
import type { Limits } from "../config/schema.ts";
import type { Database } from "../db/schema.ts";
import { audit } from "./audit.ts";
import { cancelRun } from "./cancel-run.ts";
import { activeStatuses, runsForTarget, type TargetRef } from "./run-queries.ts";

export interface BudgetTarget extends TargetRef {
  installationId: number;
  /** The global limits narrowed by the repository's .github/ai-dev.yml. */
  limits: Limits;
}

/** `/budget` and `/approve-budget`, answered from the budget layer (src/runs/budget-commands.ts). */
export interface BudgetCommands {
  summary(target: BudgetTarget): Promise<string>;
  approve(target: BudgetTarget & { actor: string }, amountUsd: number): Promise<string>;
}

/** `/cancel`: ends every active run of the issue or PR (a running one within seconds, mid-step). */
export async function cancelCommand(db: Kysely<Database>, target: TargetRef, actor: string): Promise<string> {
  const runs = (await runsForTarget(db, target)).filter((r) =>
    (activeStatuses as readonly string[]).includes(r.status),
  );
  if (runs.length === 0) return "There is no active run here to cancel.";
  for (const run of runs) {
    await cancelRun(db, run.id);
    await audit(db, {
      actor,
      action: "run.cancel_requested",
      repository: target.repository,
      target: `#${target.number}`,
      runId: run.id,
    });
  }
  const ids = runs.map((r) => `\`${r.id}\``).join(", ");
  return `Cancelling ${ids}: a run that has not started ends now; a running one stops its current step within seconds, and its progress comment will say so.`;
}

/** `/status`: the state of the newest runs, including a run that gave up after its retries. */
export async function statusCommand(db: Kysely<Database>, target: TargetRef): Promise<string> {
  const runs = await runsForTarget(db, target, 5);
  if (runs.length === 0) return "No run has been started here yet.";
  const lines = runs.map((r) => {
    const state =
      r.status === "failed" && r.error_code === "dead_lettered" ? "failed (gave up after retries)" : r.status;
    const cancel = r.cancel_requested_at && r.status !== "cancelled" ? ", cancel requested" : "";
    const error = r.error_message ? ` — ${r.error_message}` : "";
    return `| \`${r.id}\` | ${r.workflow} | ${state}${cancel}${error} | ${formatUsd(microsToUsd(Number(r.cost_usd_micros)))} | ${r.created_at.toISOString()} |`;
  });
  return ["| run | workflow | state | cost | started |", "| --- | --- | --- | --- | --- |", ...lines].join(
    "\n",
  );
}

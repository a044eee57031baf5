import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { requestCancel } from "../engine/run-store.ts";
import { audit } from "./audit.ts";
import { formatUsd } from "./format.ts";
import { activeStatuses, runsForTarget, type TargetRef } from "./run-queries.ts";

export interface CommandDeps {
  db: Kysely<Database>;
  /** Answers /budget and /approve-budget; supplied by the budget layer. */
  budget?: BudgetCommands;
}

export interface BudgetCommands {
  summary(target: TargetRef & { installationId: number }): Promise<string>;
  approve(target: TargetRef & { installationId: number; actor: string }, amountUsd: number): Promise<string>;
}

/** `/cancel`: asks every active run of the issue or PR to stop at its next step boundary. */
export async function cancelCommand(db: Kysely<Database>, target: TargetRef, actor: string): Promise<string> {
  const runs = (await runsForTarget(db, target)).filter((r) =>
    (activeStatuses as readonly string[]).includes(r.status),
  );
  if (runs.length === 0) return "There is no active run here to cancel.";
  for (const run of runs) {
    await requestCancel(db, run.id);
    await audit(db, {
      actor,
      action: "run.cancel_requested",
      repository: target.repository,
      target: `#${target.number}`,
      runId: run.id,
    });
  }
  const ids = runs.map((r) => `\`${r.id}\``).join(", ");
  return `Cancelling ${ids}: the run stops at its next step boundary, and its progress comment will say so.`;
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
    return `| \`${r.id}\` | ${r.workflow} | ${state}${cancel}${error} | ${formatUsd(Number(r.cost_usd_micros))} | ${r.created_at.toISOString()} |`;
  });
  return ["| run | workflow | state | cost | started |", "| --- | --- | --- | --- | --- |", ...lines].join(
    "\n",
  );
}

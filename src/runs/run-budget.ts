import type { Kysely } from "kysely";
import { type PriceTable, priceTableFromConfig } from "../ai/pricing.ts";
import { capsForRun, openBudgets } from "../budget/caps.ts";
import { type EstimatedStep, estimateRunCost, type RunEstimate } from "../budget/estimate.ts";
import { decideRunStart, type GateDecision } from "../budget/gate.ts";
import { formatUsd } from "../budget/money.ts";
import { readBudgets } from "../budget/read.ts";
import { allScopes, type RunScopes, runScopes } from "../budget/scopes.ts";
import { type AppConfig, type Limits, limitsSchema } from "../config/schema.ts";
import type { Database } from "../db/schema.ts";
import type { LoadedWorkflow } from "../engine/loaded-workflow.ts";
import { stepKindOf } from "../engine/workflow-schema.ts";

/** A run as far as its budget goes: who pays (repository, installation, month) and for what task. */
export interface BudgetedRun {
  id: string;
  repository: string;
  installationId: number;
  /** The task its task budget counts (budgetTaskKeyOf). */
  taskKey: string;
  createdAt: Date;
  /** The caps the intake stored with the run: the global limits narrowed by the repository. */
  limits: Limits;
  taskText: string;
}

/** The budget scopes of a run: its own, its task's, and the month's of its repository and installation. */
export function scopesOfRun(
  run: Pick<BudgetedRun, "id" | "repository" | "taskKey" | "installationId" | "createdAt">,
): RunScopes {
  return runScopes(
    { runId: run.id, taskKey: run.taskKey, repository: run.repository, installationId: run.installationId },
    run.createdAt,
  );
}

/**
 * What a run's task budget counts: the ticket's key; the issue's `owner/repo#N`; for work on a pull
 * request the app opened (a revision, a failed check), the task that pull request was opened for, so a
 * task's cap holds over its implementation and every revision of it. Another pull request is its own task.
 */
export async function budgetTaskKeyOf(
  db: Kysely<Database>,
  run: { repository: string; targetKind: string | null; targetNumber: number; taskKey: string | null },
): Promise<string> {
  if (run.taskKey) return run.taskKey;
  if (run.targetKind === "pull_request") {
    const opener = await db
      .selectFrom("runs")
      .select(["task_key", "target_number"])
      .where("repository", "=", run.repository)
      .where("pull_request_number", "=", run.targetNumber)
      .where("target_kind", "=", "issue")
      .orderBy("created_at")
      .executeTakeFirst();
    if (opener) return opener.task_key ?? `${run.repository}#${opener.target_number}`;
  }
  return `${run.repository}#${run.targetNumber}`;
}

/** Reads a run's stored limits; a run stored without them gets the operator's. */
export function limitsOfRun(context: unknown, operator: Limits): Limits {
  const parsed = limitsSchema.safeParse((context as { limits?: unknown } | null)?.limits);
  return parsed.success ? parsed.data : operator;
}

export interface RunStartBudget {
  scopes: RunScopes;
  estimate: RunEstimate;
  decision: GateDecision;
}

/**
 * Before a run's first step: opens its budget rows (monthly caps follow the configuration), estimates
 * the run's cost from its task and its steps, and decides whether it may start or must wait for
 * `/approve-budget` rather than starting and dying half-way.
 */
export async function prepareRunBudget(
  db: Kysely<Database>,
  config: AppConfig,
  run: BudgetedRun,
  workflow: LoadedWorkflow,
): Promise<RunStartBudget> {
  const scopes = scopesOfRun(run);
  await openBudgets(db, capsForRun(scopes, run.limits, config.limits));
  const prices: PriceTable = priceTableFromConfig(config.ai_provider);
  const estimate = estimateRunCost(run.taskText, estimatedSteps(workflow), config.ai_provider.model, prices);
  const budgets = await readBudgets(db, allScopes(scopes));
  const state = (scope: string) => {
    const row = budgets.get(scope);
    if (!row) throw new Error(`budget ${scope} was not opened`);
    return row;
  };
  const decision = decideRunStart(estimate, {
    run: state(scopes.run),
    task: state(scopes.task),
    repoMonth: state(scopes.repoMonth),
    installationMonth: state(scopes.installationMonth),
  });
  return { scopes, estimate, decision };
}

/** The line the first progress comment carries. */
export function estimateLine(estimate: RunEstimate): string {
  return `Estimated cost before starting: about ${formatUsd(estimate.usd)} (${estimate.tokens.toLocaleString("en-US")} tokens).`;
}

function estimatedSteps(workflow: LoadedWorkflow): EstimatedStep[] {
  return workflow.definition.steps.flatMap((step): EstimatedStep[] => {
    const kind = stepKindOf(step);
    if (kind !== "ai_action" && kind !== "agent" && kind !== "plugin") return [];
    return [{ name: step.name, kind, model: step.model, maxTokens: step.max_tokens }];
  });
}

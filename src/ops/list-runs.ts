import { type Kysely, sql } from "kysely";
import { z } from "zod";
import type { Database } from "../db/schema.ts";
import { listStepRuns } from "../engine/run-store.ts";
import { activeStatuses } from "../runs/run-queries.ts";
import { maxRunsListed } from "./runs-limits.ts";

/**
 * What an operator sees of runs without the dashboard: the same shape whether the CLI read the database
 * itself or asked the running app, so the API's answer is parsed with these schemas too.
 */
const runStates = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"] as const;
const stepStates = ["running", "succeeded", "failed", "skipped", "rolled_back", "rollback_failed"] as const;
const isoDate = z.iso.datetime({ offset: true });

export const runSummarySchema = z.object({
  id: z.string().min(1),
  /** Where the run came from; null for a run created without the intake (tests, scripts). */
  trigger: z.object({ source: z.string(), event: z.string().nullable() }).nullable(),
  repository: z.string().nullable(),
  /** The issue or pull request that asked for the work. */
  target: z.object({ kind: z.enum(["issue", "pull_request"]), number: z.int() }).nullable(),
  /** The pull request the run opened, once it has one. */
  pullRequest: z.int().nullable(),
  workflow: z.string(),
  state: z.enum(runStates),
  costUsdMicros: z.int().nonnegative(),
  steps: z.object({ total: z.int().nonnegative(), failed: z.int().nonnegative() }),
  error: z.string().nullable(),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
});

export const stepSummarySchema = z.object({
  name: z.string(),
  phase: z.enum(["main", "rollback"]),
  kind: z.string(),
  state: z.enum(stepStates),
  attempt: z.int().nonnegative(),
  costUsdMicros: z.int().nonnegative(),
  error: z.string().nullable(),
  startedAt: isoDate,
  finishedAt: isoDate.nullable(),
});

export const runDetailSchema = z.object({ run: runSummarySchema, steps: z.array(stepSummarySchema) });
export const runListSchema = z.object({ runs: z.array(runSummarySchema) });

export type RunSummary = z.infer<typeof runSummarySchema>;
export type StepSummary = z.infer<typeof stepSummarySchema>;
export type RunDetail = z.infer<typeof runDetailSchema>;

/** The most runs one listing returns: an operator's view, not an export. */

type Db = Kysely<Database>;

/** The newest runs first, each with its step counts. */
export async function listRecentRuns(db: Db, limit: number): Promise<RunSummary[]> {
  const rows = await summaryQuery(db)
    .orderBy("runs.created_at", "desc")
    .orderBy("runs.id", "desc")
    .limit(Math.min(Math.max(1, limit), maxRunsListed))
    .execute();
  return rows.map(toRunSummary);
}

/** The runs that are queued, running or waiting for a budget approval, oldest first. */
export async function listActiveRuns(db: Db, limit: number): Promise<RunSummary[]> {
  const rows = await summaryQuery(db)
    .where("runs.status", "in", [...activeStatuses])
    .orderBy("runs.created_at", "asc")
    .orderBy("runs.id", "asc")
    .limit(Math.min(Math.max(1, limit), maxRunsListed))
    .execute();
  return rows.map(toRunSummary);
}

/** One run and its steps in the order they ran; undefined when there is no run with this id. */
export async function getRunDetail(db: Db, runId: string): Promise<RunDetail | undefined> {
  const row = await summaryQuery(db).where("runs.id", "=", runId).executeTakeFirst();
  if (!row) return undefined;
  const steps = await listStepRuns(db, runId);
  return runDetailSchema.parse({
    run: toRunSummary(row),
    steps: steps.map((step) => ({
      name: step.stepName,
      phase: step.phase,
      kind: step.kind,
      state: step.status,
      attempt: step.attempt,
      costUsdMicros: step.costUsdMicros,
      error: step.error,
      startedAt: step.startedAt.toISOString(),
      finishedAt: step.finishedAt?.toISOString() ?? null,
    })),
  });
}

function summaryQuery(db: Db) {
  const failedStates = ["failed", "rollback_failed"];
  return db.selectFrom("runs").select([
    "runs.id",
    "runs.source",
    "runs.repository",
    "runs.target_kind",
    "runs.target_number",
    "runs.pull_request_number",
    "runs.workflow",
    "runs.status",
    "runs.cost_usd_micros",
    "runs.error_message",
    "runs.created_at",
    "runs.started_at",
    "runs.finished_at",
    // The intake keeps the event inside the stored request; there is no column for it.
    sql<string | null>`runs.context -> 'request' -> 'trigger' ->> 'event'`.as("event"),
    (eb) =>
      eb
        .selectFrom("step_runs")
        .whereRef("step_runs.run_id", "=", "runs.id")
        .select((s) => s.fn.countAll<number | string>().as("n"))
        .as("step_total"),
    (eb) =>
      eb
        .selectFrom("step_runs")
        .whereRef("step_runs.run_id", "=", "runs.id")
        .where("step_runs.status", "in", failedStates)
        .select((s) => s.fn.countAll<number | string>().as("n"))
        .as("step_failed"),
  ]);
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaryQuery>["executeTakeFirstOrThrow"]>>;

function toRunSummary(row: SummaryRow): RunSummary {
  const target =
    row.target_kind !== null && row.target_number !== null
      ? { kind: row.target_kind, number: Number(row.target_number) }
      : null;
  return runSummarySchema.parse({
    id: row.id,
    trigger: row.source !== null ? { source: row.source, event: row.event } : null,
    repository: row.repository,
    target,
    pullRequest: row.pull_request_number === null ? null : Number(row.pull_request_number),
    workflow: row.workflow,
    state: row.status,
    costUsdMicros: Number(row.cost_usd_micros),
    steps: { total: Number(row.step_total ?? 0), failed: Number(row.step_failed ?? 0) },
    error: row.error_message,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
  });
}

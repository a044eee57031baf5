import { randomUUID } from "node:crypto";
import { type Kysely, type Selectable, sql } from "kysely";
import type { Database, RunsTable } from "../db/schema.ts";
import type { RunStatus, StepPhase, StepRunStatus } from "./run-status.ts";

/** A run as the engine and the API read it; money in micro-dollars as a JS number. */
export interface RunRecord {
  id: string;
  workflow: string;
  status: RunStatus;
  inputs: Record<string, unknown>;
  variables: Record<string, unknown>;
  context: Record<string, unknown>;
  errorCode: string | null;
  errorMessage: string | null;
  costUsdMicros: number;
  cancelRequestedAt: Date | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface StepRunRecord {
  id: string;
  runId: string;
  stepName: string;
  phase: StepPhase;
  position: number;
  kind: string;
  status: StepRunStatus;
  attempt: number;
  idempotencyKey: string;
  inputs: unknown;
  outputs: unknown;
  error: string | null;
  costUsdMicros: number;
  startedAt: Date;
  finishedAt: Date | null;
}

type Db = Kysely<Database>;

/** JSON text for a jsonb parameter: pg would send a JS array as a PostgreSQL array, not as JSON. */
export function jsonParam(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export async function insertRun(
  db: Db,
  run: { workflow: string; inputs: unknown; context: unknown; now: Date; id?: string },
): Promise<string> {
  const id = run.id ?? randomUUID();
  await db
    .insertInto("runs")
    .values({
      id,
      workflow: run.workflow,
      status: "queued",
      inputs: jsonParam(run.inputs),
      variables: jsonParam(run.inputs),
      context: jsonParam(run.context),
      created_at: run.now,
      updated_at: run.now,
    })
    .execute();
  return id;
}

export async function getRun(db: Db, runId: string): Promise<RunRecord | undefined> {
  const row = await db.selectFrom("runs").selectAll().where("id", "=", runId).executeTakeFirst();
  return row ? toRunRecord(row) : undefined;
}

export async function listStepRuns(db: Db, runId: string): Promise<StepRunRecord[]> {
  const rows = await db
    .selectFrom("step_runs")
    .selectAll()
    .where("run_id", "=", runId)
    .orderBy("started_at")
    .orderBy("phase")
    .orderBy("position")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    runId: row.run_id,
    stepName: row.step_name,
    phase: row.phase as StepPhase,
    position: row.position,
    kind: row.kind,
    status: row.status as StepRunStatus,
    attempt: row.attempt,
    idempotencyKey: row.idempotency_key,
    inputs: row.inputs,
    outputs: row.outputs,
    error: row.error,
    costUsdMicros: Number(row.cost_usd_micros),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  }));
}

/**
 * Takes the run for this worker if nobody else holds a live lease on it: the one guard that keeps two
 * workers (a redelivered job, a restarted process) from executing the same run at once.
 */
export async function acquireLease(
  db: Db,
  runId: string,
  lease: { owner: string; now: Date; until: Date },
): Promise<RunRecord | undefined> {
  const row = await db
    .updateTable("runs")
    .set({
      status: "running",
      lease_owner: lease.owner,
      lease_expires_at: lease.until,
      started_at: sql<Date>`coalesce(started_at, ${lease.now})`,
      updated_at: lease.now,
    })
    .where("id", "=", runId)
    .where("status", "in", ["queued", "running"])
    .where((eb) =>
      eb.or([
        eb("lease_owner", "is", null),
        eb("lease_owner", "=", lease.owner),
        eb("lease_expires_at", "<=", lease.now),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
  return row ? toRunRecord(row) : undefined;
}

/** Extends the lease; false when another worker has taken the run meanwhile. */
export async function renewLease(db: Db, runId: string, lease: { owner: string; now: Date; until: Date }) {
  const result = await db
    .updateTable("runs")
    .set({ lease_expires_at: lease.until, updated_at: lease.now })
    .where("id", "=", runId)
    .where("lease_owner", "=", lease.owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function releaseLease(db: Db, runId: string, owner: string): Promise<void> {
  await db
    .updateTable("runs")
    .set({ lease_owner: null, lease_expires_at: null })
    .where("id", "=", runId)
    .where("lease_owner", "=", owner)
    .execute();
}

export async function requestCancel(db: Db, runId: string, now: Date = new Date()): Promise<boolean> {
  const result = await db
    .updateTable("runs")
    .set({ cancel_requested_at: now, updated_at: now })
    .where("id", "=", runId)
    .where("cancel_requested_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function isCancelRequested(db: Db, runId: string): Promise<boolean> {
  const row = await db
    .selectFrom("runs")
    .select("cancel_requested_at")
    .where("id", "=", runId)
    .executeTakeFirst();
  return Boolean(row?.cancel_requested_at);
}

/** What names a step row when it is first stored, whether it runs or is skipped. */
interface NewStep extends StepRef {
  position: number;
  kind: string;
  idempotencyKey: string;
}

/** The columns every new step_runs row starts with; the caller adds its status, attempt and times. */
function newStepRow(step: NewStep) {
  return {
    id: randomUUID(),
    run_id: step.runId,
    step_name: step.stepName,
    phase: step.phase,
    position: step.position,
    kind: step.kind,
    idempotency_key: step.idempotencyKey,
  };
}

/** Records that a step (or one more attempt of it) started; returns the attempt number. */
export async function startStepRun(db: Db, step: NewStep & { inputs: unknown; now: Date }): Promise<number> {
  const row = await db
    .insertInto("step_runs")
    .values({
      ...newStepRow(step),
      status: "running",
      attempt: 1,
      inputs: jsonParam(step.inputs),
      started_at: step.now,
    })
    .onConflict((oc) =>
      oc.columns(["run_id", "step_name", "phase"]).doUpdateSet({
        status: "running",
        attempt: sql<number>`step_runs.attempt + 1`,
        inputs: jsonParam(step.inputs),
        error: null,
        started_at: step.now,
        finished_at: null,
      }),
    )
    .returning("attempt")
    .executeTakeFirstOrThrow();
  return row.attempt;
}

/** Records an attempt's error while the step goes on to its next attempt. */
export async function recordAttemptError(db: Db, key: StepRef, error: string): Promise<void> {
  await stepWhere(db.updateTable("step_runs").set({ error }), key).execute();
}

export interface StepRef {
  runId: string;
  stepName: string;
  phase: StepPhase;
}

/**
 * Finishes a step and, in the same transaction, the run's variables and cost: after a crash either both
 * are stored or neither, so a resumed run never sees a finished step without its effect on the variables.
 */
export async function finishStepRun(
  db: Db,
  finish: StepRef & {
    status: StepRunStatus;
    outputs: unknown;
    error: string | null;
    costUsdMicros: number;
    now: Date;
    variables?: Record<string, unknown> | undefined;
  },
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await stepWhere(
      tx.updateTable("step_runs").set({
        status: finish.status,
        outputs: jsonParam(finish.outputs),
        error: finish.error,
        cost_usd_micros: sql<number>`cost_usd_micros + ${finish.costUsdMicros}`,
        finished_at: finish.now,
      }),
      finish,
    ).execute();
    await tx
      .updateTable("runs")
      .set({
        cost_usd_micros: sql<number>`cost_usd_micros + ${finish.costUsdMicros}`,
        updated_at: finish.now,
        ...(finish.variables ? { variables: jsonParam(finish.variables) } : {}),
      })
      .where("id", "=", finish.runId)
      .execute();
  });
}

export async function insertSkippedStep(db: Db, step: NewStep & { now: Date }): Promise<void> {
  await db
    .insertInto("step_runs")
    .values({
      ...newStepRow(step),
      status: "skipped",
      attempt: 0,
      inputs: null,
      outputs: null,
      started_at: step.now,
      finished_at: step.now,
    })
    .onConflict((oc) => oc.columns(["run_id", "step_name", "phase"]).doUpdateSet({ status: "skipped" }))
    .execute();
}

export async function setStepStatus(db: Db, key: StepRef, status: StepRunStatus): Promise<void> {
  await stepWhere(db.updateTable("step_runs").set({ status }), key).execute();
}

/** Stores why the run fails before its rollback starts, so a run killed mid-rollback resumes the rollback. */
export async function setRunError(
  db: Db,
  runId: string,
  error: { code: string; message: string },
  now: Date,
) {
  await db
    .updateTable("runs")
    .set({ error_code: error.code, error_message: error.message, updated_at: now })
    .where("id", "=", runId)
    .execute();
}

export async function finishRun(
  db: Db,
  runId: string,
  finish: { status: RunStatus; now: Date; error?: { code: string; message: string } | undefined },
): Promise<void> {
  await db
    .updateTable("runs")
    .set({
      status: finish.status,
      finished_at: finish.now,
      updated_at: finish.now,
      lease_owner: null,
      lease_expires_at: null,
      ...(finish.error ? { error_code: finish.error.code, error_message: finish.error.message } : {}),
    })
    .where("id", "=", runId)
    .execute();
}

function stepWhere<Q extends { where: (...args: never[]) => unknown }>(query: Q, key: StepRef): Q {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's where overloads do not survive a generic bound
  const q = query as any;
  return q
    .where("run_id", "=", key.runId)
    .where("step_name", "=", key.stepName)
    .where("phase", "=", key.phase);
}

type RunRow = Selectable<RunsTable>;

function toRunRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    workflow: row.workflow,
    status: row.status as RunStatus,
    inputs: asObject(row.inputs),
    variables: asObject(row.variables),
    context: asObject(row.context),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    costUsdMicros: Number(row.cost_usd_micros),
    cancelRequestedAt: row.cancel_requested_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

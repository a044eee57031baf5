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
  /** Raised by every acquisition of the lease (see Fence). */
  leaseEpoch: number;
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

/** `\u0000` as JSON.stringify writes it, not preceded by an escaped backslash (`\\u0000` is text). */
const escapedNul = /(?<!\\)((?:\\\\)*)\\u0000/g;

/**
 * JSON text for a jsonb parameter: pg would send a JS array as a PostgreSQL array, not as JSON.
 * jsonb cannot hold U+0000 ("unsupported Unicode escape sequence"), and a command's output can (`cat
 * /proc/self/environ`), so it is stored as U+FFFD rather than failing the run.
 */
export function jsonParam(value: unknown): string {
  return JSON.stringify(value ?? null).replace(escapedNul, "$1\\ufffd");
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
 * Names one holding of a run's lease. Every write the engine makes to the run and its steps carries it,
 * and is refused once another worker has taken the run over (the epoch moved on).
 */
export interface Fence {
  runId: string;
  epoch: number;
}

/** A write refused because the run's lease is no longer this worker's: the run must stop here at once. */
export class LeaseLostError extends Error {
  constructor(fence: Fence) {
    super(`the lease of run ${fence.runId} (epoch ${fence.epoch}) was taken over by another worker`);
    this.name = "LeaseLostError";
  }
}

export interface AcquiredRun {
  run: RunRecord;
  fence: Fence;
  /**
   * Set when the run was taken from another worker whose lease lapsed without being released (it died,
   * or lost the database): a step it had running may still be winding down.
   */
  takenOverFrom?: { owner: string; expiredAt: Date };
}

/**
 * Takes the run for this worker if nobody else holds a live lease on it, and raises its epoch: the one
 * guard that keeps two workers (a redelivered job, a restarted process) from executing the same run at
 * once. The row lock orders the takeover after any write still in flight under the old epoch.
 */
export async function acquireLease(
  db: Db,
  runId: string,
  lease: { owner: string; now: Date; until: Date },
): Promise<AcquiredRun | undefined> {
  return db.transaction().execute(async (tx) => {
    const current = await tx
      .selectFrom("runs")
      .select(["status", "lease_owner", "lease_expires_at"])
      .where("id", "=", runId)
      .forUpdate()
      .executeTakeFirst();
    if (!current || !["queued", "running"].includes(current.status)) return undefined;
    const heldByOther =
      current.lease_owner !== null &&
      current.lease_owner !== lease.owner &&
      (current.lease_expires_at === null || current.lease_expires_at > lease.now);
    if (heldByOther) return undefined;
    const row = await tx
      .updateTable("runs")
      .set({
        status: "running",
        lease_owner: lease.owner,
        lease_expires_at: lease.until,
        lease_epoch: sql<number>`lease_epoch + 1`,
        started_at: sql<Date>`coalesce(started_at, ${lease.now})`,
        updated_at: lease.now,
      })
      .where("id", "=", runId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const run = toRunRecord(row);
    const previous = current.lease_owner;
    return {
      run,
      fence: { runId, epoch: run.leaseEpoch },
      ...(previous !== null && previous !== lease.owner && current.lease_expires_at
        ? { takenOverFrom: { owner: previous, expiredAt: current.lease_expires_at } }
        : {}),
    };
  });
}

/**
 * Extends the lease and reads whether a cancel was asked, in one statement. Undefined when another
 * worker has taken the run meanwhile.
 */
export async function renewLease(
  db: Db,
  fence: Fence,
  lease: { now: Date; until: Date },
): Promise<{ cancelRequested: boolean } | undefined> {
  const row = await db
    .updateTable("runs")
    .set({ lease_expires_at: lease.until, updated_at: lease.now })
    .where("id", "=", fence.runId)
    .where("lease_epoch", "=", fence.epoch)
    .where("status", "=", "running")
    .returning("cancel_requested_at")
    .executeTakeFirst();
  return row ? { cancelRequested: row.cancel_requested_at !== null } : undefined;
}

/** Gives the run back at a safe point, so another worker resumes it at once rather than after an expiry. */
export async function releaseLease(db: Db, fence: Fence): Promise<boolean> {
  const result = await db
    .updateTable("runs")
    .set({ lease_owner: null, lease_expires_at: null })
    .where("id", "=", fence.runId)
    .where("lease_epoch", "=", fence.epoch)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Runs `write` in a transaction that first locks the run's row under this fence: it fails with
 * LeaseLostError when the epoch moved on, and a takeover waits until the write has committed.
 */
export async function fenced<T>(db: Db, fence: Fence, write: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (tx) => {
    const held = await tx
      .selectFrom("runs")
      .select("id")
      .where("id", "=", fence.runId)
      .where("lease_epoch", "=", fence.epoch)
      .forUpdate()
      .executeTakeFirst();
    if (!held) throw new LeaseLostError(fence);
    return write(tx);
  });
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
export async function startStepRun(
  db: Db,
  fence: Fence,
  step: NewStep & { inputs: unknown; now: Date },
): Promise<number> {
  return fenced(db, fence, async (tx) => {
    const row = await tx
      .insertInto("step_runs")
      .values({
        ...newStepRow(step),
        status: "running",
        attempt: 1,
        inputs: jsonParam(step.inputs),
        lease_epoch: fence.epoch,
        started_at: step.now,
      })
      .onConflict((oc) =>
        oc.columns(["run_id", "step_name", "phase"]).doUpdateSet({
          status: "running",
          attempt: sql<number>`step_runs.attempt + 1`,
          inputs: jsonParam(step.inputs),
          error: null,
          lease_epoch: fence.epoch,
          started_at: step.now,
          finished_at: null,
        }),
      )
      .returning("attempt")
      .executeTakeFirstOrThrow();
    return row.attempt;
  });
}

/** Records an attempt's error while the step goes on to its next attempt. */
export async function recordAttemptError(db: Db, fence: Fence, key: StepRef, error: string): Promise<void> {
  await fenced(db, fence, (tx) => stepWhere(tx.updateTable("step_runs").set({ error }), key).execute());
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
  fence: Fence,
  finish: StepRef & {
    status: StepRunStatus;
    outputs: unknown;
    error: string | null;
    costUsdMicros: number;
    now: Date;
    variables?: Record<string, unknown> | undefined;
  },
): Promise<void> {
  await fenced(db, fence, async (tx) => {
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

export async function insertSkippedStep(db: Db, fence: Fence, step: NewStep & { now: Date }): Promise<void> {
  await fenced(db, fence, (tx) =>
    tx
      .insertInto("step_runs")
      .values({
        ...newStepRow(step),
        status: "skipped",
        attempt: 0,
        inputs: null,
        outputs: null,
        lease_epoch: fence.epoch,
        started_at: step.now,
        finished_at: step.now,
      })
      .onConflict((oc) => oc.columns(["run_id", "step_name", "phase"]).doUpdateSet({ status: "skipped" }))
      .execute(),
  );
}

export async function setStepStatus(
  db: Db,
  fence: Fence,
  key: StepRef,
  status: StepRunStatus,
): Promise<void> {
  await fenced(db, fence, (tx) => stepWhere(tx.updateTable("step_runs").set({ status }), key).execute());
}

/** Stores why the run fails before its rollback starts, so a run killed mid-rollback resumes the rollback. */
export async function setRunError(db: Db, fence: Fence, error: { code: string; message: string }, now: Date) {
  await fenced(db, fence, (tx) =>
    tx
      .updateTable("runs")
      .set({ error_code: error.code, error_message: error.message, updated_at: now })
      .where("id", "=", fence.runId)
      .execute(),
  );
}

type RunFinish = { status: RunStatus; now: Date; error?: { code: string; message: string } | undefined };

function finishedColumns(finish: RunFinish) {
  return {
    status: finish.status,
    finished_at: finish.now,
    updated_at: finish.now,
    lease_owner: null,
    lease_expires_at: null,
    ...(finish.error ? { error_code: finish.error.code, error_message: finish.error.message } : {}),
  };
}

/** Ends the run under this worker's lease. */
export async function finishRun(db: Db, fence: Fence, finish: RunFinish): Promise<void> {
  await fenced(db, fence, (tx) =>
    tx.updateTable("runs").set(finishedColumns(finish)).where("id", "=", fence.runId).execute(),
  );
}

/**
 * Ends a run that no worker is executing (its job gave up): refused while a live lease holds it, so a
 * dead-lettered job never ends a run another worker is executing. True when it ended the run.
 */
export async function finishUnleasedRun(db: Db, runId: string, finish: RunFinish): Promise<boolean> {
  const result = await db
    .updateTable("runs")
    .set(finishedColumns(finish))
    .where("id", "=", runId)
    .where("status", "not in", ["succeeded", "failed", "cancelled"])
    .where((eb) => eb.or([eb("lease_owner", "is", null), eb("lease_expires_at", "<=", finish.now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
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
    leaseEpoch: Number(row.lease_epoch),
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

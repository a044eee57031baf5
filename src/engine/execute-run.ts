import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { isUserFacingError } from "../errors.ts";
import { scrubSecrets } from "../logging/logger.ts";
import { sleep as realSleep } from "./backoff.ts";
import { rollBack } from "./rollback.ts";
import type { ExecuteRunDeps, RunExecution, StepState } from "./run-execution.ts";
import type { RunStatus } from "./run-status.ts";
import { runStep } from "./run-step.ts";
import {
  acquireLease,
  finishRun,
  getRun,
  isCancelRequested,
  LeaseLostError,
  listStepRuns,
  type RunRecord,
  releaseLease,
  renewLease,
  setRunError,
  setStepStatus,
} from "./run-store.ts";
import { defaultStopGraceMs } from "./timeout.ts";

export interface RunError {
  code: string;
  message: string;
}

export interface RunOutcome {
  /** "running" when the run stopped at a safe point (shutdown, lost lease) and can be resumed. */
  status: RunStatus;
  error?: RunError;
  /** False when another worker holds the run's lease or the run had already finished. */
  executed: boolean;
  /** Why an executed run stopped while still running: this worker is stopping, or lost the run. */
  interruption?: "shutdown" | "lease_lost";
  /** When the live lease of the worker that holds the run lapses unless renewed (not executed here). */
  heldUntil?: Date;
}

const defaultLeaseMs = 30_000;

/** The abort reason of a run whose cancel request the heartbeat saw while a step ran. */
class RunCancelledError extends Error {
  constructor() {
    super("the run was cancelled");
    this.name = "RunCancelledError";
  }
}

/**
 * Executes a run from its first unfinished step to the end. Safe to call again after a crash: finished
 * steps are read back, never executed again, and a step that was running when the process died runs again
 * with the same idempotency key. Only the worker holding the run's lease executes it, and every write
 * is fenced by the lease's epoch: a worker whose run was taken over stops at once and writes nothing.
 */
export async function executeRun(
  db: Kysely<Database>,
  runId: string,
  deps: ExecuteRunDeps,
): Promise<RunOutcome> {
  const clock = deps.clock ?? (() => new Date());
  const leaseMs = deps.leaseMs ?? defaultLeaseMs;
  const heartbeatMs = deps.heartbeatMs ?? Math.min(leaseMs / 3, 2000);
  const lease = () => {
    const now = clock();
    return { owner: deps.workerId, now, until: new Date(now.getTime() + leaseMs) };
  };
  const first = lease();
  const acquired = await acquireLease(db, runId, first);
  if (!acquired) {
    const existing = await getRun(db, runId);
    if (!existing) throw new Error(`there is no run ${runId}`);
    deps.log.info(
      { runId, status: existing.status, leaseOwner: existing.leaseOwner },
      "run not executed here",
    );
    const live = existing.status === "running" && existing.leaseExpiresAt !== null;
    return {
      status: existing.status,
      ...errorOf(existing),
      executed: false,
      ...(live ? { heldUntil: existing.leaseExpiresAt as Date } : {}),
    };
  }
  const { run, fence } = acquired;
  const log = deps.log.child({ runId, workflow: run.workflow, leaseEpoch: fence.epoch });
  if (acquired.takenOverFrom)
    log.warn({ from: acquired.takenOverFrom }, "run taken over from a lapsed lease");
  const workflow = deps.workflows.get(run.workflow);
  if (!workflow) {
    const error = {
      code: "unknown_workflow",
      message: `the workflow "${run.workflow}" is no longer defined`,
    };
    await finishRun(db, fence, { status: "failed", now: clock(), error });
    return { status: "failed", error, executed: true };
  }

  const controller = new AbortController();
  const onShutdown = () => controller.abort(new Error("the worker is shutting down"));
  deps.signal?.addEventListener("abort", onShutdown, { once: true });
  if (deps.signal?.aborted) onShutdown();
  // The heartbeat keeps the lease while a long step runs and notices a cancel request mid-step. A worker
  // that cannot renew stops its step before its lease lapses, so no one else can take the run while
  // this one may still act.
  let leaseUntil = first.until;
  let beating = false;
  const heartbeat = setInterval(() => {
    if (beating || controller.signal.aborted) return;
    beating = true;
    const next = lease();
    void renewLease(db, fence, next)
      .then((renewed) => {
        if (!renewed) controller.abort(new LeaseLostError(fence));
        else {
          leaseUntil = next.until;
          if (renewed.cancelRequested) controller.abort(new RunCancelledError());
        }
      })
      .catch((err: unknown) => {
        log.warn({ err }, "lease renewal failed");
        if (clock().getTime() + heartbeatMs >= leaseUntil.getTime()) {
          controller.abort(new LeaseLostError(fence));
        }
      })
      .finally(() => {
        beating = false;
      });
  }, heartbeatMs);
  heartbeat.unref();

  const exec: RunExecution = {
    db,
    deps,
    run,
    fence,
    workflow,
    log,
    signal: controller.signal,
    clock,
    sleep: deps.sleep ?? realSleep,
    variables: { ...run.variables },
    steps: {},
    rollbackRows: new Map(),
    costUsdMicros: run.costUsdMicros,
  };
  try {
    if (acquired.takenOverFrom) await settleTakeover(exec, heartbeatMs);
    return await drive(exec);
  } catch (error) {
    if (!(error instanceof LeaseLostError)) throw error;
    controller.abort(error);
    log.warn("run taken over by another worker; this worker stops without writing");
    return { status: "running", executed: true, interruption: "lease_lost" };
  } finally {
    clearInterval(heartbeat);
    deps.signal?.removeEventListener("abort", onShutdown);
  }
}

/**
 * Before a step the previous holder left running is started again: wait until that worker has seen its
 * lease go (one heartbeat) and its stopped step has ended (the grace), so two workers never execute a
 * step of one run at the same time.
 */
async function settleTakeover(exec: RunExecution, heartbeatMs: number): Promise<void> {
  const rows = await listStepRuns(exec.db, exec.run.id);
  if (!rows.some((row) => row.status === "running")) return;
  const waitMs = heartbeatMs + (exec.deps.stopGraceMs ?? defaultStopGraceMs);
  exec.log.info({ waitMs }, "waiting for the previous holder's step to end before resuming");
  await exec.sleep(waitMs, exec.signal);
}

async function drive(exec: RunExecution): Promise<RunOutcome> {
  const { db, run, log } = exec;
  for (const row of await listStepRuns(db, run.id)) {
    if (row.phase === "rollback") exec.rollbackRows.set(row.stepName, row);
    else if (row.status !== "running")
      exec.steps[row.stepName] = { status: row.status, outputs: asObject(row.outputs) };
  }
  if (Object.keys(exec.steps).length > 0) log.info({ finished: Object.keys(exec.steps) }, "resuming run");

  // A failure stored before a crash means the run was rolling back: go on with the rollback.
  let failure: RunError | undefined = run.errorCode
    ? { code: run.errorCode, message: run.errorMessage ?? run.errorCode }
    : undefined;

  for (const [position, step] of exec.workflow.definition.steps.entries()) {
    if (failure) break;
    if (exec.steps[step.name]) continue;
    const stop = await stopBeforeStep(exec, step.name);
    if (stop) return stop;
    failure = budgetFailure(exec, step.name);
    if (failure) break;

    const outcome = await runStep(exec, step, { phase: "main", position });
    if (outcome.status === "interrupted") return (await stopDuringStep(exec, step.name)) ?? interrupted(exec);
    const state: StepState = {
      status: outcome.status,
      // A failed step keeps the outputs of what it did before failing, so its rollback can undo it.
      outputs: outcome.status === "succeeded" || outcome.status === "failed" ? (outcome.outputs ?? {}) : {},
    };
    exec.steps[step.name] = state;
    if (outcome.status !== "failed") continue;
    const error = outcome.error;
    // on_error: continue holds for every failure (a budget refusal, invalid model output, any
    // user-facing error): the step is recorded failed with its error and the run goes on.
    if (step.on_error === "continue") {
      log.warn({ step: step.name, err: error }, "step failed; continuing as on_error: continue says");
    } else if (isUserFacingError(error)) {
      failure = { code: error.code, message: error.message };
    } else {
      const message = error instanceof Error ? error.message : String(error);
      failure = { code: "step_failed", message: `step "${step.name}" failed: ${message}` };
    }
  }

  if (failure) {
    // The message is stored, and may be posted on the issue: no secret may be in it.
    failure = { ...failure, message: scrubSecrets(failure.message, exec.deps.secrets ?? []) };
    await setRunError(db, exec.fence, failure, exec.clock());
    exec.failure = failure;
    if (!(await rollBack(exec))) return interrupted(exec);
    await finishRun(db, exec.fence, { status: "failed", now: exec.clock(), error: failure });
    log.info({ error: failure }, "run failed");
    return { status: "failed", error: failure, executed: true };
  }
  await finishRun(db, exec.fence, { status: "succeeded", now: exec.clock() });
  log.info({ costUsdMicros: exec.costUsdMicros }, "run succeeded");
  return { status: "succeeded", executed: true };
}

/** Checked before every step: a cancel request ends the run; a shutdown leaves it to be resumed. */
async function stopBeforeStep(exec: RunExecution, stepName: string): Promise<RunOutcome | undefined> {
  if (await isCancelRequested(exec.db, exec.run.id)) {
    return cancelled(exec, `the run was cancelled before step "${stepName}"`);
  }
  if (exec.signal.aborted) return interrupted(exec);
  return undefined;
}

/** A step stopped mid-way: by /cancel (the run ends, the step with it), or by a shutdown or lost lease. */
async function stopDuringStep(exec: RunExecution, stepName: string): Promise<RunOutcome | undefined> {
  if (exec.signal.reason instanceof LeaseLostError) return undefined;
  if (!(await isCancelRequested(exec.db, exec.run.id))) return undefined;
  const ref = { runId: exec.run.id, stepName, phase: "main" as const };
  await setStepStatus(exec.db, exec.fence, ref, "cancelled");
  return cancelled(exec, `the run was cancelled during step "${stepName}", which was stopped`);
}

async function cancelled(exec: RunExecution, message: string): Promise<RunOutcome> {
  const error = { code: "cancelled", message };
  await finishRun(exec.db, exec.fence, { status: "cancelled", now: exec.clock(), error });
  exec.log.info({ error }, "run cancelled");
  return { status: "cancelled", error, executed: true };
}

async function interrupted(exec: RunExecution): Promise<RunOutcome> {
  const lost = exec.signal.reason instanceof LeaseLostError;
  // A worker that lost the run has nothing to release: the lease is another's now.
  if (!lost) await releaseLease(exec.db, exec.fence);
  exec.log.info({ reason: String(exec.signal.reason) }, "run interrupted; it resumes when picked up again");
  return { status: "running", executed: true, interruption: lost ? "lease_lost" : "shutdown" };
}

function budgetFailure(exec: RunExecution, stepName: string): RunError | undefined {
  const limit = exec.workflow.definition.limits?.max_cost_usd;
  if (limit === undefined || exec.costUsdMicros < limit * 1_000_000) return undefined;
  const spent = (exec.costUsdMicros / 1_000_000).toFixed(2);
  return {
    code: "budget_exceeded",
    message: `the run spent $${spent} of its $${limit} limit before step "${stepName}"; raise limits.max_cost_usd in ${exec.workflow.file} to allow more`,
  };
}

function errorOf(run: RunRecord): { error?: RunError } {
  return run.errorCode ? { error: { code: run.errorCode, message: run.errorMessage ?? run.errorCode } } : {};
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

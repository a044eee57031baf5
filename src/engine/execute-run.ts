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
  listStepRuns,
  type RunRecord,
  releaseLease,
  renewLease,
  setRunError,
} from "./run-store.ts";

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
}

const defaultLeaseMs = 5 * 60_000;

/**
 * Executes a run from its first unfinished step to the end. Safe to call again after a crash: finished
 * steps are read back, never executed again, and a step that was running when the process died runs again
 * with the same idempotency key. Only the worker holding the run's lease executes it.
 */
export async function executeRun(
  db: Kysely<Database>,
  runId: string,
  deps: ExecuteRunDeps,
): Promise<RunOutcome> {
  const clock = deps.clock ?? (() => new Date());
  const leaseMs = deps.leaseMs ?? defaultLeaseMs;
  const lease = () => {
    const now = clock();
    return { owner: deps.workerId, now, until: new Date(now.getTime() + leaseMs) };
  };
  const run = await acquireLease(db, runId, lease());
  if (!run) {
    const existing = await getRun(db, runId);
    if (!existing) throw new Error(`there is no run ${runId}`);
    deps.log.info(
      { runId, status: existing.status, leaseOwner: existing.leaseOwner },
      "run not executed here",
    );
    return { status: existing.status, ...errorOf(existing), executed: false };
  }
  const log = deps.log.child({ runId, workflow: run.workflow });
  const workflow = deps.workflows.get(run.workflow);
  if (!workflow) {
    const error = {
      code: "unknown_workflow",
      message: `the workflow "${run.workflow}" is no longer defined`,
    };
    await finishRun(db, runId, { status: "failed", now: clock(), error });
    return { status: "failed", error, executed: true };
  }

  const controller = new AbortController();
  const onShutdown = () => controller.abort(new Error("the worker is shutting down"));
  deps.signal?.addEventListener("abort", onShutdown, { once: true });
  if (deps.signal?.aborted) onShutdown();
  // The heartbeat keeps the lease while a long step runs, and notices a cancel request mid-step.
  const heartbeat = setInterval(() => {
    void (async () => {
      if (!(await renewLease(db, runId, lease()))) controller.abort(new Error("the run's lease was lost"));
      else if (await isCancelRequested(db, runId)) controller.abort(new Error("the run was cancelled"));
    })().catch((err: unknown) => log.warn({ err }, "lease renewal failed"));
  }, leaseMs / 3);
  heartbeat.unref();

  const exec: RunExecution = {
    db,
    deps,
    run,
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
    return await drive(exec);
  } finally {
    clearInterval(heartbeat);
    deps.signal?.removeEventListener("abort", onShutdown);
  }
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
    if (outcome.status === "interrupted") return (await stopBeforeStep(exec, step.name)) ?? interrupted(exec);
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
    await setRunError(db, run.id, failure, exec.clock());
    exec.failure = failure;
    if (!(await rollBack(exec))) return interrupted(exec);
    await finishRun(db, run.id, { status: "failed", now: exec.clock(), error: failure });
    log.info({ error: failure }, "run failed");
    return { status: "failed", error: failure, executed: true };
  }
  await finishRun(db, run.id, { status: "succeeded", now: exec.clock() });
  log.info({ costUsdMicros: exec.costUsdMicros }, "run succeeded");
  return { status: "succeeded", executed: true };
}

/** Checked before every step: a cancel request ends the run; a shutdown leaves it to be resumed. */
async function stopBeforeStep(exec: RunExecution, stepName: string): Promise<RunOutcome | undefined> {
  if (await isCancelRequested(exec.db, exec.run.id)) {
    const error = { code: "cancelled", message: `the run was cancelled before step "${stepName}"` };
    await finishRun(exec.db, exec.run.id, { status: "cancelled", now: exec.clock(), error });
    exec.log.info({ step: stepName }, "run cancelled");
    return { status: "cancelled", error, executed: true };
  }
  if (exec.signal.aborted) return interrupted(exec);
  return undefined;
}

async function interrupted(exec: RunExecution): Promise<RunOutcome> {
  await releaseLease(exec.db, exec.run.id, exec.deps.workerId);
  exec.log.info({ reason: String(exec.signal.reason) }, "run interrupted; it resumes when picked up again");
  return { status: "running", executed: true };
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

import type { Kysely } from "kysely";
import type { Job } from "pg-boss";
import { renderCostReport } from "../ai/cost-report.ts";
import { releaseExpiredReservations } from "../budget/expire.ts";
import { runLedger } from "../budget/ledger.ts";
import type { AppConfig } from "../config/schema.ts";
import type { Database } from "../db/schema.ts";
import { executeRun } from "../engine/execute-run.ts";
import type { LoadedWorkflow, WorkflowRegistry } from "../engine/loaded-workflow.ts";
import type { ExecuteRunDeps } from "../engine/run-execution.ts";
import { isFinished, type RunStatus } from "../engine/run-status.ts";
import { finishUnleasedRun } from "../engine/run-store.ts";
import { type Logger, scrubSecrets } from "../logging/logger.ts";
import type { CommunicationAdapter } from "../plugins/communication.ts";
import type { IssueThread } from "../plugins/issue-thread.ts";
import {
  deadRunQueueName,
  pollingOptions,
  type RunJob,
  type RunQueue,
  runQueueName,
} from "../queue/run-queue.ts";
import { audit } from "./audit.ts";
import { budgetTaskKeyOf, estimateLine, limitsOfRun, prepareRunBudget } from "./run-budget.ts";
import type { RunRef } from "./run-ref.ts";
import { RunReporter } from "./run-reporter.ts";
import { runRequestSchema, taskTextOf } from "./run-request.ts";
import { tellTeam } from "./team-notices.ts";

/** What one run's steps act with: its adapters, the budgeted model and the agents. */
export type EngineServices = Pick<ExecuteRunDeps, "adapters" | "model" | "agents">;

export interface RunWorkerDeps {
  db: Kysely<Database>;
  queue: RunQueue;
  log: Logger;
  /** Names this process in run leases and logs. */
  workerId: string;
  config: AppConfig;
  workflows: WorkflowRegistry;
  /** What a run's steps act with. */
  engineFor: (ref: RunRef) => Promise<EngineServices>;
  /** Where a run reports: the thread of the issue or PR that asked for it. */
  threadFor: (ref: RunRef) => Promise<IssueThread>;
  /**
   * The team's channel (the communication plugin), told when a run fails or is held by its budget;
   * absent or answering undefined when none is configured.
   */
  teamChannel?: () => Promise<CommunicationAdapter | undefined>;
  /** Secret values scrubbed from what a run stores and says. */
  secrets: readonly string[];
  /** How a run executes; the engine's executeRun unless a test says otherwise. */
  execute?: typeof executeRun;
  /** How often an idle worker looks for jobs, in seconds (pg-boss's minimum is 0.5). */
  pollingIntervalSeconds?: number;
  /** How often expired budget reservations are released, in seconds. */
  sweepIntervalSeconds?: number;
  /** How long a run's lease lasts without renewal (the engine's default when not given). */
  leaseMs?: number;
  /**
   * On shutdown, how long running steps get to stop and be persisted before the worker lets go
   * (default 30 s): two thirds of it for a stopped step to end, the rest to record it and release the run.
   */
  shutdownGraceMs?: number;
}

export interface RunWorker {
  /**
   * Stops taking jobs, aborts the running steps, waits for them to reach a safe point (at most the
   * grace), and gives their runs back for another worker to resume at once.
   */
  stop(): Promise<void>;
}

/**
 * Executes queued runs: one pg-boss job per run, runs of one issue or PR one at a time (a /revise waits
 * for the run before it), at most max_concurrent_agents at once in this process. A job whose worker
 * died stops heartbeating and is retried elsewhere; a job that meets another worker's live lease, or
 * whose run this worker released at shutdown, queues the run again and completes, so neither uses a
 * retry. A job that keeps failing lands in the dead-letter queue, and its run is marked failed where
 * /status and the progress comment show it.
 */
export async function startRunWorker(deps: RunWorkerDeps): Promise<RunWorker> {
  const { boss } = deps.queue;
  const polling = pollingOptions(deps.pollingIntervalSeconds);
  const graceMs = deps.shutdownGraceMs ?? 30_000;
  const shutdown = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const workId = await boss.work<RunJob>(
    runQueueName,
    { ...polling, localConcurrency: deps.config.system.max_concurrent_agents, groupConcurrency: 1 },
    async ([job]) => {
      if (!job) return;
      const running = executeJob(deps, job, AbortSignal.any([job.signal, shutdown.signal]), graceMs);
      inFlight.add(running);
      try {
        await running;
      } finally {
        inFlight.delete(running);
      }
    },
  );
  const deadId = await boss.work<RunJob>(deadRunQueueName, polling, async ([job]) => {
    if (job) await markDeadLettered(deps, job.data.runId);
  });
  // Holds left by a worker that died between reserve and settle go back to their budgets.
  const sweep = async () => {
    try {
      const released = await releaseExpiredReservations(deps.db, new Date());
      if (released > 0) deps.log.warn({ released }, "expired budget reservations released");
    } catch (err) {
      deps.log.warn({ err }, "expired budget reservations not released this time");
    }
  };
  await sweep();
  const sweeper = setInterval(() => void sweep(), (deps.sweepIntervalSeconds ?? 60) * 1000);
  sweeper.unref();
  return {
    stop: async () => {
      clearInterval(sweeper);
      const deadline = Date.now() + graceMs;
      // No new job from here on; then the running ones are stopped and given their grace.
      const stopped = boss.offWork(runQueueName, { id: workId, wait: true });
      shutdown.abort(new Error("the worker is shutting down"));
      if (inFlight.size > 0) deps.log.info({ runs: inFlight.size, graceMs }, "stopping running steps");
      const left = await withinDeadline(Promise.allSettled([...inFlight]), deadline);
      if (left === "late")
        deps.log.warn({ runs: inFlight.size }, "runs did not stop within the grace period");
      // pg-boss completes the jobs of the handlers that returned; a job still held is retried elsewhere.
      await withinDeadline(stopped, deadline);
      await withinDeadline(boss.offWork(deadRunQueueName, { id: deadId, wait: true }), deadline);
    },
  };
}

async function withinDeadline(work: Promise<unknown>, deadline: number): Promise<"done" | "late"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then(() => "done" as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** How often the progress comment is refreshed while a step runs. */
const progressIntervalMs = 15_000;

async function executeJob(
  deps: RunWorkerDeps,
  job: Job<RunJob>,
  signal: AbortSignal,
  shutdownGraceMs: number,
): Promise<void> {
  const { runId } = job.data;
  const log = deps.log.child({ runId, jobId: job.id, attempt: job.retryCount + 1 });
  try {
    const prepared = await prepare(deps, runId, log);
    if (!prepared || isFinished(prepared.status)) return;
    const { reporter, ref, workflow } = prepared;
    const notes: string[] = [];
    if (!(await hasStarted(deps.db, runId))) {
      const budget = await prepareRunBudget(
        deps.db,
        deps.config,
        {
          id: runId,
          repository: ref.repository,
          installationId: ref.installationId,
          taskKey: ref.taskKey,
          createdAt: ref.createdAt,
          limits: limitsOfRun(prepared.context, deps.config.limits),
          taskText: prepared.taskText,
        },
        workflow,
      );
      notes.push(estimateLine(budget.estimate));
      if (budget.decision.kind === "wait-for-approval") {
        const parked = await waitForApproval(deps, runId, budget.decision.message);
        await reporter.update([...notes, `**Waiting:** ${budget.decision.message}`]);
        log.info({ estimateUsd: budget.estimate.usd }, "run waits for budget approval");
        if (parked) await tellTeam(deps, ref, "budget_reached", budget.decision.message);
        return;
      }
    }
    const execute = deps.execute ?? executeRun;
    // A long step (an agent's turns) shows its work as it goes: the comment is edited only when it changed.
    const ticker = setInterval(() => reporter.schedule(notes), progressIntervalMs);
    ticker.unref();
    const outcome = await execute(deps.db, runId, {
      ...(await deps.engineFor(ref)),
      workflows: deps.workflows,
      secrets: deps.secrets,
      log,
      workerId: deps.workerId,
      signal,
      ...(deps.leaseMs ? { leaseMs: deps.leaseMs } : {}),
      stopGraceMs: Math.round((shutdownGraceMs * 2) / 3),
      onStepFinished: async () => reporter.schedule(notes),
    }).finally(() => clearInterval(ticker));
    if (outcome.heldUntil && !outcome.executed) {
      // Another worker is executing the run: look again when its lease would lapse. This job completes,
      // so waiting never uses up a retry nor dead-letters a run that is being executed.
      const startAfter = new Date(Math.max(outcome.heldUntil.getTime(), Date.now()) + 1000);
      await deps.queue.requeue(job.data, job.groupId, startAfter);
      log.info({ startAfter }, "run held by another worker's live lease; looking again later");
      return;
    }
    // Parked for a budget approval meanwhile: /approve-budget queues it again.
    if (!outcome.executed && outcome.status === "waiting") return;
    if (outcome.interruption === "lease_lost") {
      log.warn("run taken over by another worker; this job ends here");
      return;
    }
    const ledger = await runLedger(deps.db, runId);
    await reporter.update(ledger.length > 0 ? [...notes, renderCostReport(ledger)] : notes);
    if (outcome.executed && outcome.status === "failed" && outcome.error) {
      const kind = outcome.error.code === "budget_exceeded" ? "budget_reached" : "run_failed";
      await tellTeam(deps, ref, kind, outcome.error.message);
    }
    if (outcome.interruption === "shutdown") {
      // The run was released at a safe point: another worker resumes it now, not after an expiry.
      await deps.queue.requeue(job.data, job.groupId);
      log.info("run released at shutdown; queued again for another worker");
      return;
    }
    if (!isFinished(outcome.status)) {
      throw new Error(`the run stopped while ${outcome.status} and will be tried again`);
    }
  } catch (error) {
    await audit(deps.db, {
      actor: "ai-dev",
      action: "run.attempt_failed",
      runId,
      details: {
        error: scrubSecrets(error instanceof Error ? error.message : String(error), deps.secrets),
        attempt: job.retryCount + 1,
      },
    });
    log.warn({ err: error }, "run attempt failed; pg-boss retries it");
    throw error;
  }
}

async function hasStarted(db: Kysely<Database>, runId: string): Promise<boolean> {
  const step = await db
    .selectFrom("step_runs")
    .select("id")
    .where("run_id", "=", runId)
    .limit(1)
    .executeTakeFirst();
  return step !== undefined;
}

/** Parks a run that would overspend; `/approve-budget` queues it again. False when it was parked already. */
async function waitForApproval(deps: RunWorkerDeps, runId: string, message: string): Promise<boolean> {
  // A retried job may find its run already marked running (the lease was taken, no step ran): park it too.
  const parked = await deps.db
    .updateTable("runs")
    .set({ status: "waiting", lease_owner: null, lease_expires_at: null, updated_at: new Date() })
    .where("id", "=", runId)
    .where("status", "in", ["queued", "running"])
    .where((eb) => eb.or([eb("lease_owner", "is", null), eb("lease_expires_at", "<=", new Date())]))
    .executeTakeFirst();
  await audit(deps.db, { actor: "ai-dev", action: "run.waiting_for_budget", runId, details: { message } });
  return Number(parked.numUpdatedRows) > 0;
}

interface PreparedRun {
  reporter: RunReporter;
  ref: RunRef;
  workflow: LoadedWorkflow;
  status: RunStatus;
  context: unknown;
  taskText: string;
}

async function prepare(deps: RunWorkerDeps, runId: string, log: Logger): Promise<PreparedRun | undefined> {
  const row = await deps.db
    .selectFrom("runs")
    .select([
      "workflow",
      "status",
      "installation_id",
      "repository",
      "target_number",
      "progress_comment_id",
      "created_at",
      "context",
      "inputs",
      "target_kind",
      "task_key",
    ])
    .where("id", "=", runId)
    .executeTakeFirst();
  if (!row) {
    log.warn("job for a run that does not exist; dropped");
    return undefined;
  }
  const workflow = deps.workflows.get(row.workflow);
  if (!workflow || row.installation_id === null || !row.repository || row.target_number === null) {
    throw new Error(`run ${runId} cannot start: workflow ${row.workflow} or its target is unknown`);
  }
  const ref: RunRef = {
    runId,
    createdAt: row.created_at,
    installationId: Number(row.installation_id),
    repository: row.repository,
    number: row.target_number,
    taskKey: await budgetTaskKeyOf(deps.db, {
      repository: row.repository,
      targetKind: row.target_kind,
      targetNumber: row.target_number,
      taskKey: row.task_key,
    }),
  };
  const reporter = new RunReporter({
    db: deps.db,
    runId,
    thread: await deps.threadFor(ref),
    workflow,
    appName: deps.config.system.name,
    log,
    commentId: row.progress_comment_id === null ? null : Number(row.progress_comment_id),
  });
  // The estimate counts the task as it was approved (the snapshot stored with the run), never the live
  // issue; a run made without a request (the runs API, a test) counts its text inputs.
  const request = runRequestSchema.safeParse((row.context as { request?: unknown } | null)?.request);
  const inputs = row.inputs as { title?: unknown; body?: unknown; instructions?: unknown; notes?: unknown };
  const taskText = request.success
    ? taskTextOf(request.data)
    : [inputs.title, inputs.body, inputs.instructions, inputs.notes]
        .filter((t) => typeof t === "string")
        .join("\n");
  return { reporter, ref, workflow, status: row.status as RunStatus, context: row.context, taskText };
}

/** A job that exhausted its retries: its run fails with the last attempt's error, said where it was asked. */
async function markDeadLettered(deps: RunWorkerDeps, runId: string): Promise<void> {
  const run = await deps.db.selectFrom("runs").select(["status"]).where("id", "=", runId).executeTakeFirst();
  if (!run || isFinished(run.status as RunStatus)) return;
  const last = await deps.db
    .selectFrom("audit_log")
    .select(["details"])
    .where("run_id", "=", runId)
    .where("action", "=", "run.attempt_failed")
    .orderBy("id", "desc")
    .executeTakeFirst();
  const lastError = (last?.details as { error?: string } | undefined)?.error ?? "unknown error";
  const error = {
    code: "dead_lettered",
    message: `the run gave up after its retries; the last attempt failed with: ${lastError}. Label the issue again (a ticket: move it to its trigger status again) or comment /plan to start over.`,
  };
  if (!(await finishUnleasedRun(deps.db, runId, { status: "failed", now: new Date(), error }))) {
    // A live lease holds it: another worker is executing the run, which must not be ended under it.
    deps.log.warn({ runId }, "dead-lettered job of a run another worker executes; the run goes on");
    return;
  }
  await audit(deps.db, { actor: "ai-dev", action: "run.dead_lettered", runId, details: { lastError } });
  deps.log.error({ runId, lastError }, "run dead-lettered");
  try {
    const prepared = await prepare(deps, runId, deps.log.child({ runId }));
    await prepared?.reporter.update();
    if (prepared) await tellTeam(deps, prepared.ref, "run_failed", error.message);
  } catch (err) {
    deps.log.warn({ err, runId }, "progress comment of a dead-lettered run not updated");
  }
}

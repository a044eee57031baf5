import type { Kysely } from "kysely";
import { agentActivityLines } from "../agents/agent-activity.ts";
import { incompleteProgressLines, incompleteWorkOf } from "../agents/development/incomplete-work.ts";
import type { Database } from "../db/schema.ts";
import type { LoadedWorkflow } from "../engine/loaded-workflow.ts";
import { getRun, listStepRuns, type StepRunRecord } from "../engine/run-store.ts";
import type { Logger } from "../logging/logger.ts";
import type { IssueThread } from "../plugins/issue-thread.ts";
import { renderProgressComment } from "./progress-comment.ts";
import { isTaskChanged } from "./task-edited.ts";

/**
 * The least time between two edits of a progress comment that `schedule` asks for. The comment is a
 * status, not a log: steps that end within a few seconds of each other (open the PR, request review,
 * link it, mark the task) would each edit it, and every edit spends one of the installation's paced
 * GitHub writes (adapters/github/paced-octokit.ts), queued in front of the run's own next write. Spaced
 * out, the edits of those seconds fold into one with the newest state.
 */
export const defaultMinEditIntervalMs = 3_000;

/**
 * Keeps a run's progress comment in step with its state. The comment id is stored with the run, so a
 * retried job or a resumed run edits the same comment instead of posting a second one.
 */
export class RunReporter {
  readonly #db: Kysely<Database>;
  readonly #runId: string;
  readonly #thread: IssueThread;
  readonly #workflow: LoadedWorkflow;
  readonly #appName: string;
  readonly #log: Logger;
  #commentId: number | undefined;
  #lastBody = "";
  /** The notes of the newest update not yet published. */
  #pending: readonly string[] | undefined;
  /** The edits in flight, until none is pending. */
  #publishing: Promise<void> | undefined;
  readonly #minEditIntervalMs: number;
  /** When the last edit was sent (performance.now()); none yet: the first one goes at once. */
  #lastSentAt = Number.NEGATIVE_INFINITY;
  /** An `update` is waiting: the next edit goes without waiting out the interval. */
  #isFlushRequested = false;
  /** Ends the wait for the interval early (an `update` came). */
  #wake: (() => void) | undefined;

  constructor(options: {
    db: Kysely<Database>;
    runId: string;
    thread: IssueThread;
    workflow: LoadedWorkflow;
    appName: string;
    log: Logger;
    commentId: number | null;
    minEditIntervalMs?: number;
  }) {
    this.#db = options.db;
    this.#runId = options.runId;
    this.#thread = options.thread;
    this.#workflow = options.workflow;
    this.#appName = options.appName;
    this.#log = options.log;
    this.#commentId = options.commentId ?? undefined;
    this.#minEditIntervalMs = options.minEditIntervalMs ?? defaultMinEditIntervalMs;
  }

  /**
   * Asks for the comment to show the run's current state, without waiting for GitHub: the run's steps
   * go on while the edit waits its turn behind the installation's write pacing. Requests that arrive
   * while an edit is in flight, or within minEditIntervalMs of the last, fold into one more edit with
   * the newest notes, so edits never overlap (two at once could post two comments) and never pile up.
   */
  schedule(notes: readonly string[] = []): void {
    this.#pending = notes;
    this.#publishing ??= this.#drain();
  }

  /** Posts or edits the comment with the run's current state now (after the edit in flight, never
   * beside it) and waits until GitHub has it; a GitHub hiccup never fails the run. */
  async update(notes: readonly string[] = []): Promise<void> {
    this.#isFlushRequested = true;
    this.#wake?.();
    this.schedule(notes);
    await this.#publishing;
  }

  async #drain(): Promise<void> {
    while (this.#pending !== undefined) {
      const wait = this.#lastSentAt + this.#minEditIntervalMs - performance.now();
      if (wait > 0 && !this.#isFlushRequested) await this.#sleep(wait);
      // The newest notes, including what was asked during the wait.
      const notes = this.#pending ?? [];
      this.#pending = undefined;
      this.#isFlushRequested = false;
      try {
        await this.#publish(notes);
      } catch (err) {
        this.#log.warn({ err, runId: this.#runId }, "progress comment not updated");
      }
    }
    this.#publishing = undefined;
  }

  /** Waits `ms`, or less if an `update` comes; never keeps the process alive on its own. */
  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#wake = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => {
      this.#wake = undefined;
    });
  }

  async #publish(notes: readonly string[]): Promise<void> {
    const run = await getRun(this.#db, this.#runId);
    if (!run) return;
    const stepRuns = await listStepRuns(this.#db, this.#runId);
    const pullRequest = pullRequestOf(this.#workflow, stepRuns);
    if (pullRequest) {
      await this.#db
        .updateTable("runs")
        .set({ pull_request_number: pullRequest.number })
        .where("id", "=", this.#runId)
        .execute();
    }
    // Work the agent could not finish is said beside the pull request that holds it, with what remains.
    const incomplete = pullRequest ? incompleteWorkOf(stepRuns) : undefined;
    const activity = await agentActivityLines(this.#db, this.#runId);
    if (incomplete) {
      activity.push(...(activity.length > 0 ? [""] : []), ...incompleteProgressLines(incomplete));
      if (notes.length > 0) activity.push("");
    }
    const body = renderProgressComment({
      appName: this.#appName,
      run,
      stepNames: this.#workflow.definition.steps.map((s) => s.name),
      stepRuns,
      pullRequestUrl: pullRequest?.url,
      notes: [...activity, ...notes],
      taskChanged: await isTaskChanged(this.#db, this.#runId),
    });
    if (body === this.#lastBody) return;
    this.#lastSentAt = performance.now();
    if (this.#commentId === undefined) {
      this.#commentId = await this.#thread.comment(body);
      await this.#db
        .updateTable("runs")
        .set({ progress_comment_id: this.#commentId })
        .where("id", "=", this.#runId)
        .execute();
    } else {
      await this.#thread.editComment(this.#commentId, body, { runStatus: run.status });
    }
    this.#lastBody = body;
  }
}

/** The pull request a run opened: the output of its version_control open_pull_request step. */
export function pullRequestOf(
  workflow: LoadedWorkflow,
  stepRuns: readonly StepRunRecord[],
): { number: number; url: string } | undefined {
  const openers = new Set(
    workflow.definition.steps
      .filter((s) => s.plugin === "version_control" && s.action === "open_pull_request")
      .map((s) => s.name),
  );
  for (const step of stepRuns) {
    // A pull request whose run failed later stays open (its step's rollback only reports the failure).
    const opened = ["succeeded", "rolled_back", "rollback_failed"].includes(step.status);
    if (!openers.has(step.stepName) || step.phase !== "main" || !opened) continue;
    const outputs = step.outputs as { number?: unknown; url?: unknown } | null;
    if (typeof outputs?.number === "number" && typeof outputs.url === "string") {
      return { number: outputs.number, url: outputs.url };
    }
  }
  return undefined;
}

import type { TextBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";
import { z } from "zod";
import { markPaidFailure } from "../../engine/model-port.ts";
import { UserFacingError } from "../../errors.ts";
import type { Logger } from "../../logging/logger.ts";
import { taskSchema } from "../../plugins/task-management.ts";
import { type AgentLoopOptions, runAgentLoop } from "../agent-loop.ts";
import type { CheckpointStore } from "../checkpoints.ts";
import type { CommandResult, CommandRunner } from "../tools/command-runner.ts";
import type { ToolEvent } from "../tools/tool-events.ts";
import type { Toolbox } from "../tools/toolbox.ts";
import { branchNameFor } from "./branch-name.ts";
import { commitMessageFor } from "./commit-message.ts";
import {
  incompletePullRequestNote,
  remainingUnknown,
  stopReason,
  wrapUpQuestion,
} from "./incomplete-work.ts";
import { type CheckResult, checkSummary, runChecks } from "./run-checks.ts";

/** The development agent's step inputs, as implement-issue passes them. */
export const developmentInputSchema = z.object({
  task: taskSchema,
  repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  base_branch: z.string().min(1).optional(),
  plan: z.string().default(""),
  /** The login of the person who asked: the commit is co-authored by them, review is asked of them. */
  requested_by: z.string().optional(),
  /**
   * Continue on this existing branch of the app's (a `/revise continue` of an incomplete pull request):
   * new commits go on top of it. Empty or absent: a new branch named for the task.
   */
  branch: z.string().optional(),
  /** With branch: what the earlier run said remains, and the notes of who asked to continue (untrusted). */
  continuation: z.string().default(""),
  /** At either limit the agent stops, and what passes the checks is committed as a draft marked incomplete. */
  max_turns: z.int().positive().max(200).default(40),
  max_minutes: z.number().positive().max(240).default(40),
});
export type DevelopmentInput = z.infer<typeof developmentInputSchema>;

/** A checked-out worktree for one run, on its own branch (src/workspace implements it). */
export interface DevelopmentWorkspace {
  readonly dir: string;
  readonly branch: string;
  readonly defaultBranch: string;
  /** The repository's own settings from `.github/ai-dev.yml` on the default branch. */
  readonly settings: {
    commands: { setup?: string | undefined; test?: string | undefined; lint?: string | undefined };
    instructions?: string;
  };
  snapshot(): Promise<{ diff: string; baseCommit: string | null }>;
  restore(snapshot: { diff: string; baseCommit: string | null }): Promise<void>;
  /** Paths changed against the commit the run started at. */
  changedFiles(): Promise<string[]>;
  /** Paths the branch's commits change since the base branch (on a continued branch, earlier runs' too). */
  branchFiles(): Promise<string[]>;
  /** The branch's diff since the base branch (what its pull request shows); the revision agent reads it. */
  branchDiff?(): Promise<string>;
  /**
   * Commits every change with the message (refusing blocked paths and secrets with a UserFacingError)
   * and pushes the branch, never the default branch.
   */
  commitAndPush(message: string, coAuthor: string | undefined): Promise<{ commit: string }>;
  release(): Promise<void>;
}

/** What the development agent acts with; the wiring in src/cli gives it the real ones. */
export interface DevelopmentPorts {
  openWorkspace(request: {
    repository: string;
    baseBranch: string | undefined;
    branch: string;
    runId: string;
    signal: AbortSignal;
  }): Promise<DevelopmentWorkspace>;
  /** Runs a command in the sandbox (the app's own checks and the repository's setup). */
  runCommand: (request: Parameters<CommandRunner>[0] | SetupRequest) => Promise<CommandResult>;
  /** The starting context: the repository's instructions and map for this task, within a token budget. */
  startingContext(request: {
    dir: string;
    task: { title: string; body: string };
    instructions: string | undefined;
  }): Promise<string>;
  /** The tools for this worktree (src/agents/tools); read-only: the editor's view and search alone. */
  toolbox(request: { dir: string; readOnly?: boolean }): Promise<Toolbox>;
  /** The system prompt (rules) and first message, rendered from prompts/code-generation.liquid. */
  instructions(input: DevelopmentInput, branch: string): Promise<{ system: string; task: string }>;
  model: AgentLoopOptions["client"];
  scopes: readonly string[];
  modelName?: string | undefined;
  fallbackModel?: string | undefined;
  checkpoints: CheckpointStore;
  log: Logger;
  /** Told as the work goes (tool events, checks), for the progress comment. */
  onProgress?: (progress: DevelopmentProgress) => Promise<void>;
}

interface SetupRequest extends Omit<Parameters<CommandRunner>[0], "network"> {
  network: "registries";
}

export interface DevelopmentProgress {
  events: ToolEvent[];
  turns: number;
  costUsd: number;
  checks: CheckResult[];
}

export interface DevelopmentResult extends Record<string, unknown> {
  branch: string;
  commit: string;
  summary: string;
  changed_files: string[];
  /** True when the checks failed or the agent stopped at a limit: the pull request opens as a draft. */
  draft: boolean;
  incomplete: boolean;
  /** When incomplete: what remains, in the model's words when it could still be asked; else empty. */
  remaining: string;
  /** When incomplete: the section the pull request's body opens with (what remains, how to continue). */
  incomplete_note: string;
  /** The limit's own words when the agent stopped at one (the budget: which cap and how to go on). */
  stop_detail: string;
  /** The checks the app ran after the model finished, in words for the pull request. */
  checks: string;
  checks_passed: boolean;
  /** Why the agent stopped: end_turn, max_turns, time_limit or budget. */
  stop: string;
  turns: number;
  costUsd: number;
}

/**
 * The development agent: a worktree on the task's branch, the repository's setup, the model with the
 * editor, bash and search tools until it ends its turn, then the app's own checks (the model's word is
 * not taken for it), the diff checked for blocked paths and secrets, one commit, one push. At a limit
 * it still commits what passes the diff check, so the work is never silently thrown away, and says the
 * pull request is incomplete.
 */
export async function runDevelopmentAgent(
  raw: Record<string, unknown>,
  ports: DevelopmentPorts,
  call: { runId: string; stepName: string; idempotencyKey: string; signal: AbortSignal },
): Promise<DevelopmentResult> {
  const parsed = developmentInputSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new UserFacingError(
      "invalid_agent_input",
      `the development agent's inputs are invalid: ${problems}`,
    );
  }
  const input = parsed.data;
  const branch = input.branch || branchNameFor(input.task);
  const workspace = await ports.openWorkspace({
    repository: input.repository,
    baseBranch: input.base_branch,
    branch,
    runId: call.runId,
    signal: call.signal,
  });
  const progress: DevelopmentProgress = { events: [], turns: 0, costUsd: 0, checks: [] };
  const report = () =>
    ports.onProgress?.(progress).catch((err: unknown) => ports.log.warn({ err }, "progress not shown"));
  try {
    const resumed = await ports.checkpoints.load();
    const { setup } = workspace.settings.commands;
    // Setup runs once, before the model sees anything: on a resume its effect is in the checkpoint's tree
    // only for tracked files, so it runs again there too (installs are idempotent).
    if (setup) {
      const result = await ports.runCommand({
        dir: workspace.dir,
        command: setup,
        timeoutMs: 20 * 60_000,
        outputCapBytes: 100_000,
        network: "registries",
        signal: call.signal,
      });
      progress.events.push({
        kind: "command",
        command: setup,
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        durationMs: result.durationMs,
      });
      if (result.exitCode !== 0) {
        throw new UserFacingError(
          "setup_failed",
          `the repository's setup command \`${setup}\` failed (exit ${result.exitCode ?? result.signal}); fix commands.setup in .github/ai-dev.yml`,
        );
      }
    }
    const prompt = await ports.instructions(input, workspace.branch);
    const system = async (): Promise<TextBlockParam[]> => {
      const context = await ports.startingContext({
        dir: workspace.dir,
        task: {
          title: input.task.title,
          body: [input.task.description, input.plan, input.continuation].filter(Boolean).join("\n\n"),
        },
        instructions: workspace.settings.instructions,
      });
      return [
        { type: "text", text: prompt.system },
        { type: "text", text: context },
      ];
    };
    const loop = await runAgentLoop({
      client: ports.model,
      tools: await ports.toolbox({ dir: workspace.dir }),
      onToolEvents: (events) => {
        progress.events.push(...events);
      },
      system,
      task: prompt.task,
      model: ports.modelName,
      fallbackModel: ports.fallbackModel,
      maxTokens: 8192,
      limits: { maxTurns: input.max_turns, maxDurationMs: input.max_minutes * 60_000 },
      wrapUp: wrapUpQuestion,
      call: {
        runId: call.runId,
        step: call.stepName,
        idempotencyKey: call.idempotencyKey,
        scopes: ports.scopes,
      },
      checkpoints: ports.checkpoints,
      worktree: workspace,
      signal: call.signal,
      bookkeeping: {
        save: () => ({ events: progress.events }),
        restore: (saved) => {
          if (Array.isArray(saved.events)) progress.events = saved.events as ToolEvent[];
        },
      },
      onTurn: async ({ turn, costUsd }) => {
        progress.turns = turn;
        progress.costUsd = costUsd;
        await report();
      },
    });
    progress.turns = loop.turns;
    progress.costUsd = loop.costUsd;
    if (resumed) ports.log.info({ fromTurn: resumed.turn }, "development agent resumed from its checkpoint");

    progress.checks = await runChecks(workspace, ports.runCommand, call.signal);
    await report();
    const changedFiles = await workspace.changedFiles();
    if (changedFiles.length === 0) {
      throw new UserFacingError(
        "no_changes",
        `the development agent made no change (${loop.stop === "end_turn" ? "it says" : stopReason(loop.stop)}): ${(loop.remaining || loop.summary).slice(0, 500) || "no summary"}`,
      );
    }
    const incomplete = loop.stop !== "end_turn";
    const remaining = incomplete ? loop.remaining?.trim() || remainingUnknown : "";
    // At a limit the model's last words are mid-work ("now I'll edit b.ts"): its wrap-up says more.
    const stopDetail = loop.budgetMessage ?? "";
    const summary = incomplete
      ? `${loop.remaining?.trim() || loop.summary}\n\nThe agent stopped before it finished: ${stopReason(loop.stop, stopDetail)}. \`/revise continue\` picks the work up on this branch.`
      : loop.summary;
    const checksPassed = progress.checks.every((c) => c.passed);
    const { commit } = await workspace.commitAndPush(
      commitMessageFor({ task: input.task, summary, runId: call.runId, incomplete }),
      input.requested_by,
    );
    return {
      branch: workspace.branch,
      commit,
      summary,
      // The pull request's files, for its description: on a continued branch, what earlier runs changed too.
      changed_files: await workspace.branchFiles(),
      draft: incomplete || !checksPassed,
      incomplete,
      remaining,
      stop_detail: stopDetail,
      incomplete_note: incomplete
        ? incompletePullRequestNote({ stop: loop.stop, remaining, detail: stopDetail })
        : "",
      checks: checkSummary(progress.checks),
      checks_passed: checksPassed,
      stop: loop.stop,
      turns: loop.turns,
      costUsd: loop.costUsd,
    };
  } catch (error) {
    // What the model was paid before the failure still counts for the run and the workflow's cap.
    throw markPaidFailure(error, progress.costUsd);
  } finally {
    // The result does not wait for the worktree to be parked or removed: that is git work on every file
    // of the checkout, and the next run of the repository takes its turn behind it anyway (inTurn). A
    // process that stops before it ends leaves a directory the next open of the repository clears.
    workspace.release().catch((err: unknown) => ports.log.warn({ err }, "worktree not released"));
  }
}

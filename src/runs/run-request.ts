import { z } from "zod";
import { renderSnapshotComments, taskSnapshotSchema } from "./task-snapshot.ts";

/**
 * Every trigger, from any source, becomes one of these before anything else happens: a typed request
 * the rest of the code switches on. Handlers build it; the intake stores it as the run's context, so a
 * worker (maybe another process, after a restart) has all it needs without the original webhook.
 */
const repositoryRef = z.object({
  owner: z.string().min(1),
  name: z.string().min(1),
  /** owner/name */
  fullName: z.string().min(1),
  /** Where pull requests go unless a workflow says otherwise. */
  defaultBranch: z.string().min(1).optional(),
});

const target = z.object({
  kind: z.enum(["issue", "pull_request"]),
  number: z.int().positive(),
  /** The title and body as they were when the trigger fired: edits later are not instructions. */
  title: z.string(),
  body: z.string(),
  url: z.string(),
  /**
   * A tracker ticket's key (Jira's ABC-1, Linear's ENG-42) when the target is one: `number` is then the
   * key's number, and the task, its thread and its runs go by the key.
   */
  key: z.string().min(1).optional(),
});

export const runTriggerSchema = z.object({
  source: z.enum(["github", "jira", "linear"]),
  deliveryId: z.string().min(1),
  /** e.g. issues.labeled, issue_comment.created */
  event: z.string().min(1),
  actor: z.object({ login: z.string().min(1), id: z.int() }),
  installationId: z.int().positive(),
  repository: repositoryRef,
  target,
});

const implementRequestSchema = z.object({
  kind: z.literal("implement"),
  workflow: z.string().min(1),
  trigger: runTriggerSchema,
  label: z.string(),
  /** The issue as it was at the label; absent only for runs queued before snapshots existed. */
  snapshot: taskSnapshotSchema.optional(),
});

export const runRequestSchema = z.discriminatedUnion("kind", [
  implementRequestSchema,
  z.object({
    kind: z.literal("plan"),
    workflow: z.string().min(1),
    trigger: runTriggerSchema,
    notes: z.string(),
    snapshot: taskSnapshotSchema.optional(),
  }),
  z.object({
    kind: z.literal("revise"),
    workflow: z.string().min(1),
    trigger: runTriggerSchema,
    /** The review or comment text that asked for changes, snapshotted at trigger time. */
    instructions: z.string(),
    /** The pull request's branch, where the revision commits go. */
    branch: z.string().min(1),
    reviewId: z.int().optional(),
    commentId: z.int().optional(),
    /** A check suite that failed on the pull request: its failures are the instructions. */
    checkSuiteId: z.int().optional(),
    /** When it was asked (the delivery's arrival): review comments written or edited later are not read. */
    requestedAt: z.string().optional(),
  }),
  /**
   * `/revise continue [notes]`: the work of a run that stopped at a limit, taken up again on its branch by
   * the workflow that began it, with the task as that run was given it.
   */
  z.object({
    kind: z.literal("continue"),
    workflow: z.string().min(1),
    /** The `/revise continue` comment, on the pull request or on the issue it closes. */
    trigger: runTriggerSchema,
    /** The rest of the comment: more instructions for the agent (untrusted text). */
    notes: z.string(),
    /** The request of the run that first took the task on (its label and snapshot): the task continued. */
    task: implementRequestSchema,
    continues: z.object({
      runId: z.string().min(1),
      pullNumber: z.int().positive(),
      /** The app's branch the pull request stands on; new commits go on top of it. */
      branch: z.string().min(1),
      /** What the stopped run said remains. */
      remaining: z.string(),
    }),
  }),
]);

export type RunRequest = z.infer<typeof runRequestSchema>;
export type RunTrigger = z.infer<typeof runTriggerSchema>;
export type RepositoryRef = z.infer<typeof repositoryRef>;

/**
 * Work that must not run twice at once shares a key: a label and /plan per target and workflow, a
 * review and its comments per review, a failed check suite per suite. A /revise comment has none: it queues behind the active run.
 */
export function activeKeyOf(request: RunRequest): string | null {
  // A continuation is the same work as the run that began it: it never runs beside another run of it.
  if (request.kind === "continue") return `${targetKeyOf(request.task.trigger)}:${request.workflow}`;
  const base = targetKeyOf(request.trigger);
  if (request.kind !== "revise") return `${base}:${request.workflow}`;
  if (request.checkSuiteId) return `${base}:checks:${request.checkSuiteId}`;
  return request.reviewId ? `${base}:review:${request.reviewId}` : null;
}

/** Runs for one issue or PR execute one at a time, in order: pg-boss groups jobs by this. */
export function targetKeyOf(triggerInfo: RunTrigger): string {
  if (triggerInfo.target.key) return `${triggerInfo.source}:${triggerInfo.target.key}`;
  return targetKey(triggerInfo.source, triggerInfo.repository.fullName, triggerInfo.target.number);
}

export function targetKey(source: string, repository: string, number: number): string {
  return `${source}:${repository}#${number}`;
}

/**
 * What a trigger tells about the work, under the names workflows declare as inputs. A run gets the
 * ones its workflow declares (see `workflowInputs`); the untrusted text travels as data, never as
 * instructions.
 */
export function triggerFacts(request: RunRequest): Record<string, unknown> {
  if (request.kind === "continue") {
    const { continues } = request;
    return {
      // The task's own facts (its key, title, snapshot, base branch), from the run that began it.
      ...triggerFacts(request.task),
      actor: githubLoginOf(request.trigger.actor),
      pull_number: continues.pullNumber,
      continue_branch: continues.branch,
      continuation: continuationText(request),
    };
  }
  const { trigger: t } = request;
  // The snapshot taken at the trigger is the task; the payload's title and body are the same text.
  const snapshot = request.kind === "revise" ? undefined : request.snapshot;
  const facts: Record<string, unknown> = {
    // A GitHub issue's task key is owner/name#number; tracker triggers bring their own (PROJ-123).
    task_key: t.target.key ?? `${t.repository.fullName}#${t.target.number}`,
    repository: t.repository.fullName,
    number: t.target.number,
    title: snapshot?.title ?? t.target.title,
    body: snapshot?.body ?? t.target.body,
    comments: snapshot ? renderSnapshotComments(snapshot.comments) : "",
    url: t.target.url,
    actor: githubLoginOf(t.actor),
    ...(t.repository.defaultBranch ? { base_branch: t.repository.defaultBranch } : {}),
  };
  if (t.target.kind === "pull_request") {
    facts.pull_number = t.target.number;
    facts.pull_request_title = t.target.title;
  }
  switch (request.kind) {
    case "implement":
      return facts;
    case "plan":
      return { ...facts, notes: request.notes };
    case "revise":
      return {
        ...facts,
        instructions: request.instructions,
        review_comments: request.instructions,
        branch: request.branch,
        origin: request.checkSuiteId ? "checks" : request.reviewId ? "review" : "comment",
        ...(request.requestedAt ? { requested_at: request.requestedAt } : {}),
      };
  }
}

/**
 * The actor as workflows use it (asked to review, the commit's co-author): a GitHub login, or blank for
 * one that is not a GitHub account (`api:<token>`, `jira:<accountId>`: no GitHub login has a colon).
 */
function githubLoginOf(actor: RunTrigger["actor"]): string {
  return actor.login.includes(":") ? "" : actor.login;
}

/** What the continuing agent is told beside the task: what remained, and the notes of who asked. */
function continuationText(request: Extract<RunRequest, { kind: "continue" }>): string {
  const remaining = request.continues.remaining.trim() || "(the earlier run did not say)";
  const notes = request.notes.trim()
    ? `\n\nNotes from @${request.trigger.actor.login}, who asked to continue:\n${request.notes.trim()}`
    : "";
  return `What the earlier run said remains:\n${remaining}${notes}`;
}

/** The facts a workflow declares as inputs; the workflow's own defaults fill the rest. */
export function workflowInputs(
  declared: readonly string[],
  facts: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(declared.filter((name) => name in facts).map((name) => [name, facts[name]]));
}

/** The text a run works on, as the estimate counts it: the snapshot of the task and what was asked. */
export function taskTextOf(request: RunRequest): string {
  const facts = triggerFacts(request);
  return [facts.title, facts.body, facts.comments, facts.instructions, facts.notes, facts.continuation]
    .filter((t) => typeof t === "string" && t !== "")
    .join("\n");
}

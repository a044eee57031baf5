import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import type { Task, TaskManagementAdapter } from "../plugins/task-management.ts";
import type { RunRequest, RunTrigger } from "./run-request.ts";

/**
 * The task as the maintainer approved it: the issue's title and body from the delivered payload, and its
 * comments up to the trigger, read once when the trigger is accepted and stored with the run. Workflows
 * and the estimate read this, never the live issue, so an edit after the label cannot rewrite the work.
 * Every text in it is untrusted: prompts fence it as data.
 */
export const snapshotCommentSchema = z.object({
  id: z.number(),
  author: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  body: z.string(),
});

export const taskSnapshotSchema = z.object({
  title: z.string(),
  body: z.string(),
  comments: z.array(snapshotCommentSchema),
  /** The trigger's time: comments created after it are not part of the task. */
  takenAt: z.iso.datetime({ offset: true }),
});

export type TaskSnapshot = z.infer<typeof taskSnapshotSchema>;
export type SnapshotComment = z.infer<typeof snapshotCommentSchema>;

// GitHub's issue-comment (GET /repos/{owner}/{repo}/issues/{issue_number}/comments), as far as read here.
const issueCommentSchema = z.object({
  id: z.number(),
  body: z.string().nullish(),
  created_at: z.string(),
  user: z.object({ login: z.string(), type: z.string().optional() }).nullable(),
});

const perPage = 100;
/** A thread longer than this is cut: the first 1,000 comments are more than any task needs. */
const maxPages = 10;

/** Reads the issue's comments created at or before `at` and returns the snapshot of the task. */
export async function readTaskSnapshot(
  github: Pick<Octokit, "request">,
  trigger: RunTrigger,
  at: Date,
): Promise<TaskSnapshot> {
  const comments: SnapshotComment[] = [];
  for (let page = 1; page <= maxPages; page += 1) {
    const response = await github.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: trigger.repository.owner,
      repo: trigger.repository.name,
      issue_number: trigger.target.number,
      per_page: perPage,
      page,
    });
    const listed = z.array(issueCommentSchema).parse(response.data);
    for (const comment of listed) {
      // Bots' comments (this app's own answers and progress included) are not what a person asked for.
      if (!comment.user || comment.user.type === "Bot") continue;
      if (new Date(comment.created_at).getTime() > at.getTime()) continue;
      comments.push({
        id: comment.id,
        author: comment.user.login,
        createdAt: new Date(comment.created_at).toISOString(),
        body: comment.body ?? "",
      });
    }
    if (listed.length < perPage) break;
  }
  return {
    title: trigger.target.title,
    body: trigger.target.body,
    comments,
    takenAt: at.toISOString(),
  };
}

/** The comments as one text for a prompt (which fences it as untrusted data) and for the estimate. */
export function renderSnapshotComments(comments: readonly SnapshotComment[]): string {
  return comments.map((c) => `@${c.author} wrote on ${c.createdAt}:\n${c.body}`).join("\n\n");
}

/**
 * The snapshot as the normalized task that `get_task` answers for the run's own issue, so a workflow's
 * steps read the approved version, never the live issue: the comments follow the body in the
 * description (all of it untrusted text, fenced by the prompts). Undefined for requests without one.
 */
export function snapshotTask(request: RunRequest): Task | undefined {
  // A continuation works on the task of the run that began it, as that run was given it.
  if (request.kind === "continue") return snapshotTask(request.task);
  if (request.kind === "revise" || !request.snapshot) return undefined;
  const { trigger, snapshot } = request;
  const comments = renderSnapshotComments(snapshot.comments);
  return {
    key: trigger.target.key ?? `${trigger.repository.fullName}#${trigger.target.number}`,
    title: snapshot.title,
    description: comments
      ? `${snapshot.body}\n\n---\nComments up to the trigger:\n\n${comments}`
      : snapshot.body,
    status: "open",
    type: trigger.target.kind,
    url: trigger.target.url,
    labels: request.kind === "implement" ? [request.label] : [],
  };
}

/**
 * A tracker's task_management adapter whose get_task answers for the run's own task from its snapshot,
 * as the GitHub adapter does for an issue: a ticket edited after the trigger never rewrites the work.
 */
export function withTaskSnapshot(adapter: TaskManagementAdapter, snapshot: Task): TaskManagementAdapter {
  return {
    ...adapter,
    get_task: async (input, ctx) =>
      input.task_key === snapshot.key ? snapshot : await adapter.get_task(input, ctx),
  };
}

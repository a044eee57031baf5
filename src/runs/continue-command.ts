import type { Kysely } from "kysely";
import { z } from "zod";
import { isSafeBranchName } from "../agents/development/branch-name.ts";
import { incompleteWorkOf } from "../agents/development/incomplete-work.ts";
import type { EffectiveRepoConfig } from "../config/repo-config.ts";
import type { Database } from "../db/schema.ts";
import { listStepRuns } from "../engine/run-store.ts";
import type { GithubAccess } from "../plugins/github-access.ts";
import { acceptRunRequest, type IntakeDeps } from "./intake.ts";
import { type RunRequest, type RunTrigger, runRequestSchema } from "./run-request.ts";
import type { SlashCommand } from "./slash-command.ts";

export interface ContinueDeps extends IntakeDeps {
  github: GithubAccess;
}

/** `/revise continue [notes]`: the first word of the argument is `continue`. */
export function isContinueCommand(command: Pick<SlashCommand, "argument">): boolean {
  return /^continue(?:\s|$)/i.test(command.argument);
}

/**
 * `/revise continue [notes]` on the app's pull request, or on the issue it closes: when the pull
 * request's last run stopped at a limit, the workflow that began the work runs again on the same branch
 * with the same task (as that run was given it), what it said remains and the notes; new commits go on
 * top and the same pull request is updated. Answers in words what it did, or why it did nothing.
 */
export async function continueCommand(
  deps: ContinueDeps,
  trigger: RunTrigger,
  command: Pick<SlashCommand, "argument" | "rest">,
  effective: Pick<EffectiveRepoConfig, "limits">,
): Promise<string> {
  const repository = trigger.repository.fullName;
  const pullNumber = await pullRequestOfTarget(deps.db, trigger);
  if (pullNumber === undefined) {
    return trigger.target.kind === "pull_request"
      ? "`/revise continue` works on pull requests that this app opened."
      : "`/revise continue` works on a pull request this app opened for this issue, and none is recorded here.";
  }
  const last = await deps.db
    .selectFrom("runs")
    .select(["id", "workflow", "context"])
    .where("repository", "=", repository)
    .where("pull_request_number", "=", pullNumber)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirstOrThrow();
  const work = incompleteWorkOf(await listStepRuns(deps.db, last.id));
  if (!work) {
    return `The last run on #${pullNumber} (\`${last.id}\`) did not stop at a limit: there is no unfinished work to continue. Comment \`/revise <instructions>\` on the pull request to ask for changes.`;
  }
  const parsed = runRequestSchema.safeParse((last.context as { request?: unknown } | null)?.request);
  const task =
    parsed.success && parsed.data.kind === "implement"
      ? parsed.data
      : parsed.success && parsed.data.kind === "continue"
        ? parsed.data.task
        : undefined;
  if (!task) {
    return `Run \`${last.id}\` was not started from an issue, so its task cannot be read again; label the issue to start the work afresh.`;
  }
  if (!("continue_branch" in (deps.workflows.get(last.workflow)?.definition.inputs ?? {}))) {
    return `The workflow \`${last.workflow}\` that began this work declares no \`continue_branch\` input, so it cannot continue a branch; add the inputs \`continue_branch\` and \`continuation\` as workflows/implement-issue.yml has them.`;
  }
  if (!isSafeBranchName(work.branch)) {
    return `\`${work.branch}\` is not a branch this app names (\`ai/…\`), so it does not continue it.`;
  }
  const pull = await readPullRequest(deps.github, trigger, pullNumber);
  if (pull.state !== "open") {
    return `Pull request #${pullNumber} is ${pull.state}: reopen it to continue the work on \`${work.branch}\`.`;
  }
  if (pull.head.ref !== work.branch) {
    return `Pull request #${pullNumber} now stands on \`${pull.head.ref}\`, not on \`${work.branch}\` where the work stopped; label the issue to start afresh.`;
  }
  const notes = [command.argument.replace(/^continue\b/i, "").trim(), command.rest]
    .filter(Boolean)
    .join("\n");
  const request: RunRequest = {
    kind: "continue",
    workflow: last.workflow,
    trigger,
    notes,
    task,
    continues: { runId: last.id, pullNumber, branch: work.branch, remaining: work.remaining },
  };
  const outcome = await acceptRunRequest(deps, trigger.deliveryId, request, effective.limits);
  if (outcome.kind === "already_active") {
    return `Run \`${outcome.runId}\` is already working on this task; \`/status\` shows where it is.`;
  }
  return `Continuing the unfinished work of run \`${last.id}\` on \`${work.branch}\` (#${pullNumber}) in run \`${outcome.runId}\` (\`/status\` shows where it is).`;
}

/** The app's pull request a comment is about: the pull request itself, or the newest one opened for the issue. */
async function pullRequestOfTarget(db: Kysely<Database>, trigger: RunTrigger): Promise<number | undefined> {
  const repository = trigger.repository.fullName;
  const number = trigger.target.number;
  const query = db
    .selectFrom("runs")
    .select("pull_request_number")
    .where("repository", "=", repository)
    .where("pull_request_number", "is not", null)
    .orderBy("created_at", "desc")
    .limit(1);
  const row =
    trigger.target.kind === "pull_request"
      ? await query.where("pull_request_number", "=", number).executeTakeFirst()
      : await query.where("target_kind", "=", "issue").where("target_number", "=", number).executeTakeFirst();
  return row?.pull_request_number === null || row === undefined ? undefined : Number(row.pull_request_number);
}

// GitHub's pull request (GET /repos/{owner}/{repo}/pulls/{pull_number}), as far as read here.
const pullRequestSchema = z.object({
  state: z.string(),
  head: z.object({ ref: z.string().min(1) }),
});

async function readPullRequest(github: GithubAccess, trigger: RunTrigger, number: number) {
  const client = await github.client(trigger.installationId);
  const response = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
    owner: trigger.repository.owner,
    repo: trigger.repository.name,
    pull_number: number,
  });
  return pullRequestSchema.parse(response.data);
}

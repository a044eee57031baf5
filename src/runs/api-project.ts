import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import { isUserFacingError } from "../errors.ts";
import { apiAnsweredAction } from "./api-assign.ts";
import { audit, isRecorded } from "./audit.ts";
import { type ChatAnswer, installationOf } from "./chat-request.ts";
import { acceptRunRequest } from "./intake.ts";
import { effectiveRepoConfig, type TriggerProcessingDeps } from "./process-trigger.ts";
import type { RunRequest, RunTrigger } from "./run-request.ts";
import type { TriggerEvent } from "./trigger-event.ts";
import { readTriggerRepository } from "./trigger-repository.ts";

type ApiProject = Extract<TriggerEvent, { kind: "api_project" }>;

/** The workflow an API project runs: the planning agent, then its epics and tasks filed at once. */
export const projectWorkflow = "project-create";
/** The audit action that remembers the project's issue, so a retried job opens it only once. */
const issueOpenedAction = "api.project_issue_opened";

// GitHub's REST shapes, as far as read here.
const openedIssueSchema = z.object({ number: z.int().positive(), html_url: z.string() });

/**
 * A project asked for over the API: its issue is opened in the repository (the run's home: its progress
 * comment, the plan and the list of created tasks go there), then the project-create workflow starts on
 * it. The caller asked for the tasks, so no `/plan approve` waits in between. Safe to repeat for one
 * delivery: the issue is opened once, the run made once and the outcome recorded once.
 */
export async function processApiProject(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  event: ApiProject,
): Promise<void> {
  if (await isRecorded(deps.db, deliveryId, apiAnsweredAction)) return;
  const answer = await decide(deps, deliveryId, event);
  const { owner, name } = event.repository;
  deps.log.info({ deliveryId, requester: event.requester, outcome: answer.outcome }, "API project answered");
  await audit(deps.db, {
    actor: `api:${event.requester}`,
    action: apiAnsweredAction,
    repository: `${owner}/${name}`,
    target: answer.issue ? `issue#${answer.issue.number}` : null,
    runId: answer.runId ?? null,
    deliveryId,
    details: { outcome: answer.outcome, text: answer.text, issue_url: answer.issue?.url ?? null },
  });
}

async function decide(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  event: ApiProject,
): Promise<ChatAnswer & { issue?: { number: number; url: string } }> {
  const { owner, name: repo } = event.repository;
  const system = deps.config.system.name;
  if (!deps.workflows.get(projectWorkflow)) {
    return {
      outcome: "invalid",
      text: `${system} has no \`${projectWorkflow}\` workflow: copy workflows/${projectWorkflow}.yml into the workflows directory.`,
    };
  }
  const installationId = await installationOf(await deps.github.appClient(), event.repository);
  if (installationId === undefined) {
    return {
      outcome: "not_installed",
      text: `${system} is not installed on ${owner}/${repo}, or there is no such repository: install the GitHub App there first.`,
    };
  }
  const github = await deps.github.client(installationId);
  const repository = await readTriggerRepository(github, owner, repo);
  const title = projectTitle(event.project.description);
  const body = projectBody(event.project, event.requester);
  const issue = await openProjectIssue(deps, github, deliveryId, event, { title, body });
  const trigger: RunTrigger = {
    source: "github",
    deliveryId,
    event: "api.project_create",
    // No GitHub account stands behind a token: the run's actor names the token (id 0: not a GitHub id).
    actor: { login: `api:${event.requester}`, id: 0 },
    installationId,
    repository,
    target: { kind: "issue", number: issue.number, title, body, url: issue.url },
  };
  const effective = await effectiveRepoConfig(deps, trigger);
  if (typeof effective === "string") {
    return { outcome: "invalid_repo_config", issue, text: `${system} did not start: ${effective}` };
  }
  const request: RunRequest = {
    kind: "plan",
    workflow: projectWorkflow,
    notes: "",
    trigger,
    // The issue was written from the request a moment ago: its text is the task, with no comments yet.
    snapshot: { title, body, comments: [], takenAt: new Date().toISOString() },
  };
  try {
    const outcome = await acceptRunRequest(deps, deliveryId, request, effective.limits);
    return {
      outcome: outcome.kind === "already_active" ? "already_active" : "queued",
      runId: outcome.runId,
      issue,
      text: `Planning the project on ${issue.url} as run \`${outcome.runId}\`; its epics and tasks are created when the plan is done.`,
    };
  } catch (error) {
    if (!isUserFacingError(error)) throw error;
    return { outcome: "invalid", issue, text: `${system} did not start: ${error.message}` };
  }
}

/**
 * The project's issue, opened once per delivery: the number is audited as soon as GitHub answers, so a
 * retried job reuses it. (A crash between GitHub's answer and that write would open a second one; the
 * window is one database write wide.)
 */
async function openProjectIssue(
  deps: TriggerProcessingDeps,
  github: Pick<Octokit, "request">,
  deliveryId: string,
  event: ApiProject,
  issue: { title: string; body: string },
): Promise<{ number: number; url: string }> {
  const earlier = await deps.db
    .selectFrom("audit_log")
    .select("details")
    .where("delivery_id", "=", deliveryId)
    .where("action", "=", issueOpenedAction)
    .executeTakeFirst();
  const known = openedIssueSchema.safeParse(earlier?.details);
  if (known.success) return { number: known.data.number, url: known.data.html_url };
  const { owner, name: repo } = event.repository;
  const response = await github.request("POST /repos/{owner}/{repo}/issues", {
    owner,
    repo,
    title: issue.title,
    body: issue.body,
  });
  const opened = openedIssueSchema.parse(response.data);
  await audit(deps.db, {
    actor: `api:${event.requester}`,
    action: issueOpenedAction,
    repository: `${owner}/${repo}`,
    target: `issue#${opened.number}`,
    deliveryId,
    details: { number: opened.number, html_url: opened.html_url },
  });
  return { number: opened.number, url: opened.html_url };
}

/** The issue's title: the description's first line, cut to what a list of issues shows. */
export function projectTitle(description: string): string {
  const first = description.trim().split(/\r?\n/, 1)[0]?.trim() ?? "";
  const cut = first.length > 80 ? `${first.slice(0, 79).trimEnd()}…` : first;
  return `Project: ${cut}`;
}

/** The request as the issue's Markdown: what the planning agent reads as the task (untrusted text). */
export function projectBody(project: ApiProject["project"], requester: string): string {
  const list = (items: string[]) => items.map((item) => `- ${item.replace(/\r?\n/g, " ")}`).join("\n");
  return [
    project.description.trim(),
    ...(project.requirements.length > 0 ? ["## Requirements", list(project.requirements)] : []),
    ...(project.tech_stack.length > 0 ? ["## Tech stack", list(project.tech_stack)] : []),
    `_Asked for over the API by the token "${requester}"; the epics and tasks are created when the plan is done._`,
  ].join("\n\n");
}

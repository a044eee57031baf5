import { isVendorNotFound } from "../errors.ts";
import type { Task } from "../plugins/task-management.ts";
import { audit, isRecorded } from "./audit.ts";
import { type ChatAnswer, installationOf, startIssueImplement } from "./chat-request.ts";
import type { TriggerProcessingDeps } from "./process-trigger.ts";
import { readTicket, startTicketImplement } from "./tracker-request.ts";
import type { TriggerEvent } from "./trigger-event.ts";

type ApiAssign = Extract<TriggerEvent, { kind: "api_assign" }>;
type GithubIssue = Extract<ApiAssign["task"], { kind: "github_issue" }>;
type TrackerTicket = Extract<ApiAssign["task"], { kind: "tracker_ticket" }>;

/** The audit action that holds an API request's outcome: the request waits for it. */
export const apiAnsweredAction = "api.answered";

/**
 * A task assigned over the API: the default workflow on the GitHub issue, or on the tracker's ticket, as
 * its label (or its trigger status) would start it (a repeat while the task's run is active joins that
 * run). Safe to repeat for one delivery: the run is made once and the outcome recorded once.
 */
export async function processApiAssign(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  event: ApiAssign,
): Promise<void> {
  if (await isRecorded(deps.db, deliveryId, apiAnsweredAction)) return;
  const { task } = event;
  const answer =
    task.kind === "github_issue"
      ? await assignIssue(deps, deliveryId, event, task)
      : await assignTicket(deps, deliveryId, event, task);
  deps.log.info({ deliveryId, requester: event.requester, outcome: answer.outcome }, "API task answered");
  await audit(deps.db, {
    actor: `api:${event.requester}`,
    action: apiAnsweredAction,
    repository: answer.repository ?? null,
    target: task.kind === "github_issue" ? `issue#${task.number}` : task.key,
    runId: answer.runId ?? null,
    deliveryId,
    details: { outcome: answer.outcome, text: answer.text },
  });
}

type Answer = ChatAnswer & { repository?: string };

/** No GitHub account stands behind a token: the run's actor names the token (id 0: not a GitHub id). */
const tokenActor = (event: ApiAssign) => ({ login: `api:${event.requester}`, id: 0 });

async function assignIssue(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  event: ApiAssign,
  issue: GithubIssue,
): Promise<Answer> {
  const { repository, number } = issue;
  const fullName = `${repository.owner}/${repository.name}`;
  const installationId = await installationOf(await deps.github.appClient(), repository);
  if (installationId === undefined) {
    return {
      outcome: "not_installed",
      repository: fullName,
      text: `${deps.config.system.name} is not installed on ${fullName}, or there is no such repository: install the GitHub App there first.`,
    };
  }
  const answer = await startIssueImplement(deps, deliveryId, {
    github: await deps.github.client(installationId),
    installationId,
    repository,
    number,
    event: "api.assign_to_agent",
    actor: tokenActor(event),
    forWhom: `the API token "${event.requester}"`,
  });
  return { ...answer, repository: fullName };
}

/**
 * A Jira or Linear key: the configured tracker reads the ticket, its `triggers` map it to a repository
 * (as its webhook would), and the ticket's run starts as a move to the trigger status starts it.
 */
async function assignTicket(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  event: ApiAssign,
  ticket: TrackerTicket,
): Promise<Answer> {
  const { tickets } = deps;
  if (!tickets) {
    return {
      outcome: "no_tracker",
      text: `${ticket.key} is a tracker key, but no tracker starts work here: configure Jira or Linear as the task_management plugin, with triggers, or assign a GitHub issue (owner/repo#12)`,
    };
  }
  let task: Task;
  try {
    task = await readTicket(deps, tickets, ticket.key, deliveryId);
  } catch (error) {
    // A missing ticket is an answer; anything else (the tracker down) is retried by the queue.
    if (isVendorNotFound(error))
      return {
        outcome: "not_found",
        text: `There is no ${tickets.source} ticket ${ticket.key}: ${(error as Error).message}`,
      };
    throw error;
  }
  const target = tickets.repositoryOf(task);
  if ("refused" in target) {
    return {
      outcome: "unmapped",
      text: `${task.key} starts no work: ${target.refused} (triggers in the ${tickets.source} plugin's configuration)`,
    };
  }
  const [owner = "", name = ""] = target.repository.split("/");
  const decision = await startTicketImplement(
    deps,
    tickets,
    deliveryId,
    {
      kind: "tracker_implement",
      source: tickets.source,
      event: "api.assign_to_agent",
      ticket: { key: task.key, url: task.url },
      repository: { owner, name },
      mover: { id: null, name: null, login: null },
      reason: "assigned over the API",
    },
    { asker: tokenActor(event), task },
  );
  return {
    outcome: decision.outcome,
    repository: target.repository,
    ...(decision.runId ? { runId: decision.runId } : {}),
    text: decision.text ?? `${task.key} was assigned to the agent: run ${decision.runId ?? "(none)"}`,
  };
}

import { audit } from "./audit.ts";
import { type ChatAnswer, installationOf, startIssueImplement } from "./chat-request.ts";
import type { TriggerProcessingDeps } from "./process-trigger.ts";
import type { TriggerEvent } from "./trigger-event.ts";

type ApiAssign = Extract<TriggerEvent, { kind: "api_assign" }>;

/** The audit action that holds an API request's outcome: the request waits for it. */
export const apiAnsweredAction = "api.answered";

/**
 * A task assigned over the API: the default workflow on the GitHub issue, as its label would start it
 * (a repeat while the task's run is active joins that run). Safe to repeat for one delivery: the run is
 * made once and the outcome recorded once.
 */
export async function processApiAssign(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  event: ApiAssign,
): Promise<void> {
  const answered = await deps.db
    .selectFrom("audit_log")
    .select("id")
    .where("delivery_id", "=", deliveryId)
    .where("action", "=", apiAnsweredAction)
    .executeTakeFirst();
  if (answered) return;
  const answer = await decide(deps, deliveryId, event);
  const { owner, name } = event.task.repository;
  deps.log.info({ deliveryId, requester: event.requester, outcome: answer.outcome }, "API task answered");
  await audit(deps.db, {
    actor: `api:${event.requester}`,
    action: apiAnsweredAction,
    repository: `${owner}/${name}`,
    target: `issue#${event.task.number}`,
    runId: answer.runId ?? null,
    deliveryId,
    details: { outcome: answer.outcome, text: answer.text },
  });
}

async function decide(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  event: ApiAssign,
): Promise<ChatAnswer> {
  const { repository, number } = event.task;
  const installationId = await installationOf(await deps.github.appClient(), repository);
  if (installationId === undefined) {
    return {
      outcome: "not_installed",
      text: `${deps.config.system.name} is not installed on ${repository.owner}/${repository.name}, or there is no such repository: install the GitHub App there first.`,
    };
  }
  return await startIssueImplement(deps, deliveryId, {
    github: await deps.github.client(installationId),
    installationId,
    repository,
    number,
    event: "api.assign_to_agent",
    // No GitHub account stands behind a token: the run's actor names the token (id 0: not a GitHub id).
    actor: { login: `api:${event.requester}`, id: 0 },
    forWhom: `the API token "${event.requester}"`,
  });
}

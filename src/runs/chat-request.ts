import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import { isUserFacingError } from "../errors.ts";
import { audit, isRecorded } from "./audit.ts";
import { authorizeActor } from "./authorize.ts";
import { acceptRunRequest } from "./intake.ts";
import { asApproved, effectiveRepoConfig, type TriggerProcessingDeps } from "./process-trigger.ts";
import type { RunRequest, RunTrigger } from "./run-request.ts";
import type { TriggerEvent } from "./trigger-event.ts";
import { readTriggerRepository } from "./trigger-repository.ts";

type ChatImplement = Extract<TriggerEvent, { kind: "chat_implement" }>;

// GitHub's REST shapes, as far as read here.
const installationSchema = z.object({ id: z.int().positive() });
const issueSchema = z.object({
  number: z.int().positive(),
  title: z.string(),
  body: z.string().nullish(),
  html_url: z.string(),
  /** Present when the "issue" is a pull request (GitHub lists pull requests as issues too). */
  pull_request: z.unknown().optional(),
});

export interface ChatAnswer {
  outcome: string;
  text: string;
  runId?: string;
}

/**
 * An issue to implement, asked for in the team's chat: once GitHub says the asker's mapped login may
 * write to the repository, the default workflow starts exactly as the issue's label would start it (the
 * same snapshot, the same one-active-run rule), and the chat hears what happened. Safe to repeat for
 * one delivery: the run is made once and the answer given once.
 */
export async function processChatRequest(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  event: ChatImplement,
): Promise<void> {
  if (await isRecorded(deps.db, deliveryId, "chat.answered")) return;
  const answer = await decide(deps, deliveryId, event);
  deps.log.info({ deliveryId, requester: event.requester, outcome: answer.outcome }, "chat request answered");
  if (deps.chatReplies) {
    try {
      await deps.chatReplies.reply(event.replyTo, answer.text);
    } catch (err) {
      // The chat's reply address expires; the run, if one was made, reports on the issue all the same.
      deps.log.warn({ err, deliveryId }, "the answer to a chat request could not be posted");
    }
  }
  await audit(deps.db, {
    actor: event.login,
    action: "chat.answered",
    repository: `${event.repository.owner}/${event.repository.name}`,
    target: `issue#${event.number}`,
    runId: answer.runId ?? null,
    deliveryId,
    details: { requester: event.requester, outcome: answer.outcome },
  });
}

async function decide(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  event: ChatImplement,
): Promise<ChatAnswer> {
  const name = deps.config.system.name;
  const { owner, name: repo } = event.repository;
  const asked = `${owner}/${repo}#${event.number}`;
  const installationId = await installationOf(await deps.github.appClient(), event.repository);
  if (installationId === undefined) {
    return {
      outcome: "not_installed",
      text: `${name} is not installed on ${owner}/${repo}, or there is no such repository: install the GitHub App there first.`,
    };
  }
  const github = await deps.github.client(installationId);
  // Asked of GitHub now, as for a label: the mapping says who the person is, never what they may do.
  const decision = await authorizeActor(github, event.repository, { login: event.login, type: "User" });
  if (!decision.allowed) {
    await audit(deps.db, {
      actor: event.login,
      action: "trigger.refused",
      repository: `${owner}/${repo}`,
      target: `issue#${event.number}`,
      deliveryId,
      // Told in the chat, not on the issue: a refusal there stays for a person's first one on GitHub.
      details: { event: event.event, reason: decision.reason, role: decision.role ?? null, answered: false },
    });
    return {
      outcome: "refused",
      text: `You are mapped to the GitHub login @${event.login}, whose role on ${owner}/${repo} is ${decision.role ?? "none"}: only people with write access can ask ${name} for work. Ask a maintainer to start ${asked}.`,
    };
  }
  if (decision.userId === undefined) {
    throw new Error(`GitHub's permission answer for @${event.login} on ${owner}/${repo} carries no user id`);
  }
  return await startIssueImplement(deps, deliveryId, {
    github,
    installationId,
    repository: event.repository,
    number: event.number,
    event: event.event,
    actor: { login: event.login, id: decision.userId },
    forWhom: `@${event.login}`,
  });
}

/**
 * The default workflow on a GitHub issue for someone already allowed to ask (by GitHub for a chat
 * request, by the token's scope for the API), exactly as the issue's label would start it: the same
 * snapshot, the same one-active-run rule. The answer says what happened, in words and as an outcome.
 */
export async function startIssueImplement(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  ask: {
    github: Pick<Octokit, "request">;
    installationId: number;
    repository: { owner: string; name: string };
    number: number;
    /** The run's trigger event, e.g. slack.slash_command. */
    event: string;
    actor: { login: string; id: number };
    /** Who the run is for, as the answer names them. */
    forWhom: string;
  },
): Promise<ChatAnswer> {
  const { github, installationId } = ask;
  const name = deps.config.system.name;
  const { owner, name: repo } = ask.repository;
  const asked = `${owner}/${repo}#${ask.number}`;
  const repository = await readTriggerRepository(github, owner, repo);
  const issue = await readIssue(github, ask);
  if (!issue) return { outcome: "not_found", text: `There is no issue #${ask.number} in ${owner}/${repo}.` };
  if (issue.pull_request !== undefined) {
    return {
      outcome: "not_an_issue",
      text: `${asked} is a pull request: implement takes an issue (on a pull request, comment /revise).`,
    };
  }
  const trigger: RunTrigger = {
    // The task is the GitHub issue, wherever it was asked for: its runs share the issue's key, so a
    // label and a chat request never run the same work twice at once.
    source: "github",
    deliveryId,
    event: ask.event,
    actor: ask.actor,
    installationId,
    repository,
    target: {
      kind: "issue",
      number: issue.number,
      title: issue.title,
      body: issue.body ?? "",
      url: issue.html_url,
    },
  };
  const effective = await effectiveRepoConfig(deps, trigger);
  if (typeof effective === "string")
    return { outcome: "invalid_repo_config", text: `${name} did not start: ${effective}` };
  const request: RunRequest = {
    kind: "implement",
    workflow: effective.defaultWorkflow,
    // What the request stands for: the trigger label, as if it had been put on the issue.
    label: deps.config.security.trigger_label,
    trigger,
  };
  try {
    const approved = await asApproved(deps, github, deliveryId, request);
    const outcome = await acceptRunRequest(deps, deliveryId, approved, effective.limits);
    if (outcome.kind === "already_active") {
      return {
        outcome: outcome.kind,
        runId: outcome.runId,
        text: `${asked} already has an active \`${request.workflow}\` run, \`${outcome.runId}\`: nothing new was started. \`/status\` on the issue shows where it is: ${issue.html_url}`,
      };
    }
    return {
      outcome: "queued",
      runId: outcome.runId,
      text: `Started \`${request.workflow}\` on ${asked} as run \`${outcome.runId}\`, for ${ask.forWhom}. Its progress comment is on the issue: ${issue.html_url}`,
    };
  } catch (error) {
    if (!isUserFacingError(error)) throw error;
    return { outcome: "invalid", text: `${name} did not start: ${error.message}` };
  }
}

export async function installationOf(
  app: Pick<Octokit, "request">,
  repository: { owner: string; name: string },
): Promise<number | undefined> {
  try {
    const response = await app.request("GET /repos/{owner}/{repo}/installation", {
      owner: repository.owner,
      repo: repository.name,
    });
    return installationSchema.parse(response.data).id;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

async function readIssue(
  github: Pick<Octokit, "request">,
  event: { repository: { owner: string; name: string }; number: number },
) {
  try {
    const response = await github.request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
      owner: event.repository.owner,
      repo: event.repository.name,
      issue_number: event.number,
    });
    return issueSchema.parse(response.data);
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

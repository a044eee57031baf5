import type { Octokit } from "@octokit/rest";
import type { Kysely } from "kysely";
import { z } from "zod";
import { type EffectiveRepoConfig, narrowConfig, repoConfigSchema } from "../config/repo-config.ts";
import type { AppConfig } from "../config/schema.ts";
import type { Database } from "../db/schema.ts";
import type { WorkflowRegistry } from "../engine/loaded-workflow.ts";
import { isUserFacingError } from "../errors.ts";
import type { Logger } from "../logging/logger.ts";
import type { ChatReplies } from "../plugins/communication.ts";
import type { GithubAccess } from "../plugins/github-access.ts";
import type { IssueThread, ThreadRef } from "../plugins/issue-thread.ts";
import type { TicketAccess } from "../plugins/ticket-access.ts";
import type { RunQueue } from "../queue/run-queue.ts";
import { audit, isRecorded } from "./audit.ts";
import { authorizeActor } from "./authorize.ts";
import { readCheckFailures } from "./check-failures.ts";
import { type BudgetCommands, cancelCommand, statusCommand } from "./commands.ts";
import { isCommentRateLimited } from "./comment-rate-limit.ts";
import { continueCommand, isContinueCommand } from "./continue-command.ts";
import { acceptRunRequest } from "./intake.ts";
import { forgetRefusal, recordRefusal } from "./refusal.ts";
import { readReviewInstructions } from "./review-instructions.ts";
import { revisionRoundsExhausted } from "./revision-rounds.ts";
import { isAppPullRequest } from "./run-queries.ts";
import type { RunRequest, RunTrigger } from "./run-request.ts";
import { noteTaskEdited } from "./task-edited.ts";
import { readTaskSnapshot } from "./task-snapshot.ts";
import type { TriggerEvent } from "./trigger-event.ts";

export interface TriggerProcessingDeps {
  db: Kysely<Database>;
  queue: RunQueue;
  workflows: WorkflowRegistry;
  config: AppConfig;
  github: GithubAccess;
  /** Where answers go: the trigger's issue or PR. */
  threadFor: (ref: ThreadRef) => Promise<IssueThread>;
  budget: BudgetCommands;
  /** Where answers to chat commands go, when the team's chat takes commands. */
  chatReplies?: ChatReplies | undefined;
  /** The tracker whose tickets start work (tracker-request.ts), when one is configured as a trigger source. */
  tickets?: TicketAccess | undefined;
  log: Logger;
}

/** A trigger that came with its issue or PR (a webhook's): the chat's requests are chat-request.ts's. */
export type IssueTriggerEvent = Exclude<
  TriggerEvent,
  { kind: "chat_implement" | "api_assign" | "api_project" | "tracker_implement" | "tracker_command" }
>;

/**
 * The second half of intake, in the worker: is the person allowed (asked of GitHub now), what do the
 * repository's settings say, and then the run or the answer. Safe to repeat for one delivery: a retried
 * job finds the run it made, and says nothing it has already said.
 */
export async function processTriggerEvent(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  event: IssueTriggerEvent,
): Promise<void> {
  const { trigger } = event;
  if (event.kind === "edited") {
    // Not a request, so nobody is authorized or answered: the runs on the issue only take note.
    const noted = await noteTaskEdited(deps.db, deliveryId, event);
    deps.log.info({ deliveryId, changed: event.changed, noted }, "issue edited");
    return;
  }
  const github = await deps.github.client(trigger.installationId);
  const thread = await deps.threadFor({
    installationId: trigger.installationId,
    repository: trigger.repository.fullName,
    number: trigger.target.number,
  });
  const reply = async (body: string) => {
    try {
      await thread.comment(body);
    } catch (error) {
      // Held back by the installation's comment rate limit, which has audited it: nothing to retry.
      if (!isCommentRateLimited(error)) throw error;
    }
  };
  const target = `${trigger.target.kind}#${trigger.target.number}`;
  const saidBefore = (action: string) => isRecorded(deps.db, deliveryId, action);

  // Failed checks on the app's own pull request are no person's request: there is nobody to authorize.
  const decision =
    event.kind === "checks_failed"
      ? ({ allowed: true, role: "app" } as const)
      : await authorizeActor(github, trigger.repository, {
          login: trigger.actor.login,
          type: event.senderType,
        });
  if (!decision.allowed) {
    if (await saidBefore("trigger.refused")) return;
    // Bots are not answered, so two apps can never talk to each other in a loop; a person is told once
    // per issue or PR.
    const answer = await recordRefusal(deps.db, {
      actor: trigger.actor.login,
      repository: trigger.repository.fullName,
      target,
      deliveryId,
      tellable: decision.reason === "insufficient_permission",
      details: { event: trigger.event, reason: decision.reason, role: decision.role ?? null },
    });
    deps.log.info(
      { deliveryId, actor: trigger.actor.login, reason: decision.reason, role: decision.role, answer },
      "trigger refused",
    );
    if (!answer) return;
    try {
      await reply(
        `@${trigger.actor.login} only people with write access to this repository can ask ${deps.config.system.name} for work (your role here: ${decision.role ?? "none"}). Ask a maintainer to do it for you.`,
      );
    } catch (error) {
      await forgetRefusal(deps.db, deliveryId);
      throw error;
    }
    return;
  }

  const effective = await effectiveRepoConfig(deps, trigger);
  if (typeof effective === "string") {
    if (!(await saidBefore("trigger.invalid_repo_config"))) {
      await reply(`${deps.config.system.name} did not start: ${effective}`);
      await audit(deps.db, {
        actor: trigger.actor.login,
        action: "trigger.invalid_repo_config",
        repository: trigger.repository.fullName,
        target,
        deliveryId,
        details: { problem: effective },
      });
    }
    return;
  }

  try {
    const request = runRequestOf(event, effective);
    if (request) {
      const exhausted = await revisionRoundsExhausted(deps.db, deps.config, deliveryId, request);
      if (exhausted) {
        if (await saidBefore("trigger.round_limit")) return;
        await reply(exhausted);
        await audit(deps.db, {
          actor: trigger.actor.login,
          action: "trigger.round_limit",
          repository: trigger.repository.fullName,
          target,
          deliveryId,
          details: { event: trigger.event },
        });
        return;
      }
      const approved = await asApproved(deps, github, deliveryId, request);
      const outcome = await acceptRunRequest(deps, deliveryId, approved, effective.limits);
      deps.log.info({ deliveryId, ...outcome }, "trigger accepted");
      return;
    }
  } catch (error) {
    // A request no run can be made of (a workflow that does not take it): say so once, do not retry.
    if (!isUserFacingError(error)) throw error;
    if (!(await saidBefore("trigger.invalid"))) {
      await reply(`${deps.config.system.name} did not start: ${error.message}`);
      await audit(deps.db, {
        actor: trigger.actor.login,
        action: "trigger.invalid",
        repository: trigger.repository.fullName,
        target,
        deliveryId,
        details: { code: error.code },
      });
    }
    return;
  }
  if (event.kind !== "command") return;
  const action = `command.${event.command.name}`;
  if (await saidBefore(action)) return;
  const answer = await answerCommand(deps, event, trigger, effective).catch((error: unknown) => {
    if (isUserFacingError(error)) return `${deps.config.system.name} could not do that: ${error.message}`;
    throw error;
  });
  await reply(answer);
  await audit(deps.db, {
    actor: trigger.actor.login,
    action,
    repository: trigger.repository.fullName,
    target,
    deliveryId,
    details: { argument: event.command.argument },
  });
}

/** The run a trigger asks for, or undefined for a command answered in words. */
function runRequestOf(event: IssueTriggerEvent, effective: EffectiveRepoConfig): RunRequest | undefined {
  const { trigger } = event;
  switch (event.kind) {
    case "label":
      return { kind: "implement", workflow: effective.defaultWorkflow, label: event.label, trigger };
    case "review":
      return {
        kind: "revise",
        workflow: "revise",
        instructions: event.instructions,
        branch: event.branch,
        trigger,
        ...(event.reviewId ? { reviewId: event.reviewId } : {}),
      };
    case "checks_failed":
      return {
        kind: "revise",
        workflow: "revise",
        instructions: "",
        branch: event.branch,
        trigger,
        checkSuiteId: event.checkSuiteId,
      };
    case "command": {
      const text = [event.command.argument, event.command.rest].filter(Boolean).join("\n");
      if (event.command.name !== "plan") return undefined;
      // `/plan approve` files the draft the last `/plan` posted; any other text is notes for a new draft.
      if (event.command.argument.trim().toLowerCase() === "approve" && !event.command.rest.trim())
        return { kind: "plan", workflow: "plan-approve", notes: "", trigger };
      return { kind: "plan", workflow: "plan", notes: text, trigger };
    }
    case "edited":
      return undefined;
  }
}

/**
 * The request with the task as it was when it was asked for: the issue's comments up to the trigger, or
 * the whole review (its body and every comment) that asked for a revision, read from GitHub now.
 */
export async function asApproved(
  deps: TriggerProcessingDeps,
  github: Pick<Octokit, "request">,
  deliveryId: string,
  request: RunRequest,
): Promise<RunRequest> {
  // A continuation carries the task as its first run was given it (see continue-command.ts).
  if (request.kind === "continue") return request;
  const delivery = await deps.db
    .selectFrom("deliveries")
    .select("received_at")
    .where("id", "=", deliveryId)
    .executeTakeFirst();
  // The trigger's time is when its delivery arrived: later comments are not part of what was approved.
  const at = delivery?.received_at ?? new Date();
  if (request.kind === "revise") {
    const asked = { ...request, requestedAt: new Date(at).toISOString() };
    if (request.checkSuiteId !== undefined)
      return {
        ...asked,
        instructions: await readCheckFailures(github, request.trigger, request.checkSuiteId),
      };
    if (request.reviewId === undefined) return asked;
    const instructions = await readReviewInstructions(github, request.trigger, request.reviewId);
    return instructions === undefined ? asked : { ...asked, instructions };
  }
  return { ...request, snapshot: await readTaskSnapshot(github, request.trigger, at) };
}

async function answerCommand(
  deps: TriggerProcessingDeps,
  event: Extract<TriggerEvent, { kind: "command" }>,
  trigger: RunTrigger,
  effective: EffectiveRepoConfig,
): Promise<string> {
  const target = { repository: trigger.repository.fullName, number: trigger.target.number };
  const budgetTarget = { ...target, installationId: trigger.installationId, limits: effective.limits };
  switch (event.command.name) {
    case "revise": {
      if (isContinueCommand(event.command))
        return await continueCommand(deps, trigger, event.command, effective);
      if (trigger.target.kind === "pull_request" && (await isAppPullRequest(deps.db, target))) {
        // A /revise on the app's PR is a run: it queues behind the PR's active run. A comment's payload
        // does not carry the PR's branch, so it is read from GitHub.
        const instructions = [event.command.argument, event.command.rest].filter(Boolean).join("\n");
        const branch = await pullRequestBranch(deps, trigger);
        const request = { kind: "revise", workflow: "revise", instructions, branch, trigger } as const;
        const exhausted = await revisionRoundsExhausted(deps.db, deps.config, trigger.deliveryId, request);
        if (exhausted) return exhausted;
        const github = await deps.github.client(trigger.installationId);
        const approved = await asApproved(deps, github, trigger.deliveryId, request);
        await acceptRunRequest(deps, trigger.deliveryId, approved, effective.limits);
        return `Queued a revision of this pull request (\`/status\` shows where it is).`;
      }
      return "`/revise` works on pull requests that this app opened.";
    }
    case "cancel":
      return await cancelCommand(deps.db, target, trigger.actor.login);
    case "status":
      return await statusCommand(deps.db, target);
    case "budget":
      return await deps.budget.summary(budgetTarget);
    case "approve-budget": {
      const amount = Number(event.command.argument.replace(/^\$/, ""));
      if (!event.command.argument || !Number.isFinite(amount) || amount <= 0) {
        return "Usage: `/approve-budget <amount in US dollars>`, e.g. `/approve-budget 12.50`.";
      }
      return await deps.budget.approve({ ...budgetTarget, actor: trigger.actor.login }, amount);
    }
    case "plan":
      return "";
  }
}

const pullRequestSchema = z.object({ head: z.object({ ref: z.string().min(1) }) });

async function pullRequestBranch(deps: TriggerProcessingDeps, trigger: RunTrigger): Promise<string> {
  const github = await deps.github.client(trigger.installationId);
  const response = await github.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
    owner: trigger.repository.owner,
    repo: trigger.repository.name,
    pull_number: trigger.target.number,
  });
  return pullRequestSchema.parse(response.data).head.ref;
}

/**
 * The repository's `.github/ai-dev.yml`, narrowed by the global configuration, or the sentence that
 * says why it cannot be used: no run starts on settings nobody meant.
 */
export async function effectiveRepoConfig(
  deps: TriggerProcessingDeps,
  trigger: RunTrigger,
): Promise<EffectiveRepoConfig | string> {
  const raw = await deps.github.repoConfig(
    trigger.installationId,
    trigger.repository.owner,
    trigger.repository.name,
  );
  const parsed = repoConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `- \`${i.path.join(".") || "(file)"}\`: ${i.message}`)
      .join("\n");
    return `\`.github/ai-dev.yml\` is not valid.\n\n${problems}`;
  }
  const effective = narrowConfig(deps.config, parsed.data);
  const workflow = deps.workflows.get(effective.defaultWorkflow);
  if (!workflow) {
    return `\`.github/ai-dev.yml\` picks the workflow \`${effective.defaultWorkflow}\`, which does not exist. The workflows are: ${deps.workflows.names().join(", ")}.`;
  }
  // The plan's name (standard_dev_workflow) is stored as the workflow's id, as every other run names it.
  return { ...effective, defaultWorkflow: workflow.id };
}

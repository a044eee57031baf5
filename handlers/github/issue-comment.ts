import type { Context, Probot } from "probot";
import { audit } from "../../src/runs/audit.ts";
import { cancelCommand, statusCommand } from "../../src/runs/commands.ts";
import { acceptRunRequest, insertDelivery } from "../../src/runs/intake.ts";
import { isAppPullRequest } from "../../src/runs/run-queries.ts";
import type { RunTrigger } from "../../src/runs/run-request.ts";
import { parseSlashCommand, type SlashCommand } from "../../src/runs/slash-command.ts";
import { isTriggerAllowed } from "./authorize.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import { recordOnly } from "./record-only.ts";
import { effectiveRepoConfig } from "./repo-config.ts";
import { deliveryOf, githubTrigger } from "./trigger.ts";

/**
 * `issue_comment.created` whose first line is a command. Only `created` is read: a comment edited
 * later is never taken as an instruction, and the text used is the one delivered with the event.
 */
export function registerIssueCommentHandlers(app: Probot, deps: GithubHandlerDeps): void {
  app.on("issue_comment.created", async (context) => {
    const { payload } = context;
    const command = parseSlashCommand(payload.comment.body);
    const kind = payload.issue.pull_request ? "pull_request" : "issue";
    const trigger = githubTrigger(context, payload, { kind, fields: payload.issue });
    if (!command || !trigger) return recordOnly(context, deps);
    if (!(await isTriggerAllowed(context, deps, trigger, payload.sender.type))) return;
    await handleCommand(context, deps, command, trigger);
  });
}

async function handleCommand(
  context: Context,
  deps: GithubHandlerDeps,
  command: SlashCommand,
  trigger: RunTrigger,
) {
  const target = { repository: trigger.repository.fullName, number: trigger.target.number };
  const reply = (body: string) =>
    context.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: trigger.repository.owner,
      repo: trigger.repository.name,
      issue_number: trigger.target.number,
      body,
    });

  if (command.name === "plan" || command.name === "revise") {
    const isPullRequest = trigger.target.kind === "pull_request";
    if (command.name === "revise" && !(isPullRequest && (await isAppPullRequest(deps.db, target)))) {
      if (await recordCommand(deps, context, trigger, command)) {
        await reply("`/revise` works on pull requests that this app opened.");
      }
      return;
    }
    const effective = await effectiveRepoConfig(context, deps, {
      owner: trigger.repository.owner,
      repo: trigger.repository.name,
      number: trigger.target.number,
    });
    if (!effective) return recordOnly(context, deps);
    const text = [command.argument, command.rest].filter(Boolean).join("\n");
    const request =
      command.name === "plan"
        ? ({ kind: "plan", workflow: "plan", notes: text, trigger } as const)
        : ({ kind: "revise", workflow: "revise", instructions: text, trigger } as const);
    const outcome = await acceptRunRequest(deps.intake, deliveryOf(context), request, effective.limits);
    deps.log.info({ deliveryId: context.id, command: command.name, ...outcome }, "command handled");
    return;
  }

  // The rest answer at once. The delivery is committed first, so a redelivery does not answer twice.
  if (!(await recordCommand(deps, context, trigger, command))) return;
  switch (command.name) {
    case "cancel":
      return reply(await cancelCommand(deps.db, target, trigger.actor.login));
    case "status":
      return reply(await statusCommand(deps.db, target));
    case "budget":
    case "approve-budget": {
      const effective = await effectiveRepoConfig(context, deps, {
        owner: trigger.repository.owner,
        repo: trigger.repository.name,
        number: trigger.target.number,
      });
      if (!effective) return;
      const budgetTarget = { ...target, installationId: trigger.installationId, limits: effective.limits };
      if (command.name === "budget") return reply(await deps.commands.budget.summary(budgetTarget));
      const amount = Number(command.argument.replace(/^\$/, ""));
      if (!command.argument || !Number.isFinite(amount) || amount <= 0) {
        return reply("Usage: `/approve-budget <amount in US dollars>`, e.g. `/approve-budget 12.50`.");
      }
      return reply(
        await deps.commands.budget.approve({ ...budgetTarget, actor: trigger.actor.login }, amount),
      );
    }
  }
}

async function recordCommand(
  deps: GithubHandlerDeps,
  context: Context,
  trigger: RunTrigger,
  command: SlashCommand,
) {
  return await deps.db.transaction().execute(async (trx) => {
    if (!(await insertDelivery(trx, deliveryOf(context)))) return false;
    await audit(trx, {
      actor: trigger.actor.login,
      action: `command.${command.name}`,
      repository: trigger.repository.fullName,
      target: `${trigger.target.kind}#${trigger.target.number}`,
      deliveryId: trigger.deliveryId,
      details: { argument: command.argument },
    });
    return true;
  });
}

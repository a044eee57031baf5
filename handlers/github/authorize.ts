import type { Context } from "probot";
import { audit } from "../../src/runs/audit.ts";
import { authorizeActor } from "../../src/runs/authorize.ts";
import { insertDelivery } from "../../src/runs/intake.ts";
import type { RunTrigger } from "../../src/runs/run-request.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import { deliveryOf } from "./trigger.ts";

/**
 * Whether the person behind a trigger may start work, asked of GitHub now. A refusal is recorded with
 * the delivery and in the audit log, and a human is told once why nothing happens; bots are not
 * answered, so two apps can never talk to each other in a loop.
 */
export async function isTriggerAllowed(
  context: Context,
  deps: GithubHandlerDeps,
  trigger: RunTrigger,
  senderType: string,
): Promise<boolean> {
  const decision = await authorizeActor(context.octokit, trigger.repository, {
    login: trigger.actor.login,
    type: senderType,
  });
  if (decision.allowed) return true;
  const isNew = await deps.db.transaction().execute(async (trx) => {
    if (!(await insertDelivery(trx, deliveryOf(context)))) return false;
    await audit(trx, {
      actor: trigger.actor.login,
      action: "trigger.refused",
      repository: trigger.repository.fullName,
      target: `${trigger.target.kind}#${trigger.target.number}`,
      deliveryId: trigger.deliveryId,
      details: { event: trigger.event, reason: decision.reason, role: decision.role ?? null },
    });
    return true;
  });
  deps.log.info(
    {
      deliveryId: trigger.deliveryId,
      actor: trigger.actor.login,
      reason: decision.reason,
      role: decision.role,
    },
    "trigger refused",
  );
  if (isNew && decision.reason === "insufficient_permission") {
    await context.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: trigger.repository.owner,
      repo: trigger.repository.name,
      issue_number: trigger.target.number,
      body: `@${trigger.actor.login} only people with write access to this repository can ask ${deps.config.system.name} for work (your role here: ${decision.role ?? "none"}). Ask a maintainer to do it for you.`,
    });
  }
  return false;
}

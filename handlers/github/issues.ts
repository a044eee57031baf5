import type { Probot } from "probot";
import { acceptRunRequest } from "../../src/runs/intake.ts";
import { isTriggerAllowed } from "./authorize.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import { recordOnly } from "./record-only.ts";
import { effectiveRepoConfig } from "./repo-config.ts";
import { deliveryOf, githubTrigger } from "./trigger.ts";

/** `issues.labeled` with the trigger label starts the default workflow on that issue. */
export function registerIssueHandlers(app: Probot, deps: GithubHandlerDeps): void {
  app.on("issues.labeled", async (context) => {
    const { payload } = context;
    const trigger = githubTrigger(context, payload, { kind: "issue", fields: payload.issue });
    if (payload.label?.name !== deps.config.security.trigger_label || !trigger)
      return recordOnly(context, deps);
    if (!(await isTriggerAllowed(context, deps, trigger, payload.sender.type))) return;
    const repo = {
      owner: trigger.repository.owner,
      repo: trigger.repository.name,
      number: trigger.target.number,
    };
    const effective = await effectiveRepoConfig(context, deps, repo);
    if (!effective) return recordOnly(context, deps);
    const outcome = await acceptRunRequest(
      deps.intake,
      deliveryOf(context),
      { kind: "implement", workflow: effective.defaultWorkflow, label: payload.label.name, trigger },
      effective.limits,
    );
    deps.log.info({ deliveryId: context.id, ...outcome }, "label trigger handled");
  });
}

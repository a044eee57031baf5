import { acceptTrigger } from "./accept.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import type { EventRegistrar } from "./event-routes.ts";
import { issuesLabeledSchema, parsedPayload } from "./payload-schemas.ts";
import { recordOnly } from "./record-only.ts";
import { githubTrigger } from "./trigger.ts";

/** `issues.labeled` with the trigger label asks for the default workflow on that issue. */
export function registerIssueHandlers(app: EventRegistrar, deps: GithubHandlerDeps): void {
  app.on("issues.labeled", async (context) => {
    const payload = parsedPayload(issuesLabeledSchema, context);
    const trigger = githubTrigger(context, payload, { kind: "issue", fields: payload.issue });
    const label = payload.label?.name;
    if (label !== deps.config.security.trigger_label || !trigger) return recordOnly(context, deps);
    await acceptTrigger(context, deps, { kind: "label", label, trigger, senderType: payload.sender.type });
  });

  // An edit is never an instruction; it is passed on so a run working on the issue can say that it
  // keeps the labeled version.
  app.on("issues.edited", async (context) => {
    const { payload } = context;
    const trigger = githubTrigger(context, payload, { kind: "issue", fields: payload.issue });
    const changed = (["title", "body"] as const).filter((field) => payload.changes[field] !== undefined);
    if (!trigger || changed.length === 0) return recordOnly(context, deps);
    await acceptTrigger(context, deps, { kind: "edited", changed, trigger, senderType: payload.sender.type });
  });
}

import { parseSlashCommand } from "../../src/runs/slash-command.ts";
import { acceptTrigger } from "./accept.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import type { EventRegistrar } from "./event-routes.ts";
import { issueCommentCreatedSchema, parsedPayload } from "./payload-schemas.ts";
import { recordOnly } from "./record-only.ts";
import { githubTrigger } from "./trigger.ts";

/**
 * `issue_comment.created` whose first line is a command. Only `created` is read: a comment edited
 * later is never taken as an instruction, and the text used is the one delivered with the event.
 */
export function registerIssueCommentHandlers(app: EventRegistrar, deps: GithubHandlerDeps): void {
  app.on("issue_comment.created", async (context) => {
    const payload = parsedPayload(issueCommentCreatedSchema, context);
    const command = parseSlashCommand(payload.comment.body);
    const kind = payload.issue.pull_request ? "pull_request" : "issue";
    const trigger = githubTrigger(context, payload, { kind, fields: payload.issue });
    if (!command || !trigger) return recordOnly(context, deps);
    await acceptTrigger(context, deps, {
      kind: "command",
      command,
      trigger,
      senderType: payload.sender.type,
    });
  });
}

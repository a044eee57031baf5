import type { Probot } from "probot";
import { registerCheckSuiteHandlers } from "./check-suite.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import { registerInstallationHandlers } from "./installation.ts";
import { registerIssueCommentHandlers } from "./issue-comment.ts";
import { registerIssueHandlers } from "./issues.ts";
import { registerPullRequestHandlers } from "./pull-request.ts";
import { registerPullRequestReviewHandlers } from "./pull-request-review.ts";
import { recordOnly } from "./record-only.ts";
import { eventName } from "./trigger.ts";

export type { GithubHandlerDeps } from "./deps.ts";

/** The events the app acts on; the others are recorded once and otherwise left alone. */
const handledEvents = new Set([
  "issues.labeled",
  "issues.edited",
  "issue_comment.created",
  "pull_request_review.submitted",
  "pull_request_review_comment.created",
  "pull_request.closed",
  "check_suite.completed",
  "installation.created",
  "installation.deleted",
  "installation.suspend",
  "installation.unsuspend",
  "installation.new_permissions_accepted",
]);

/**
 * GitHub webhooks. Probot has already checked X-Hub-Signature-256 against the raw body before parsing
 * it, so every payload here is signed by GitHub. GitHub gives a delivery 10 s and never retries it by
 * itself: each handler only translates the event and commits it (no call to GitHub before the 2xx),
 * and a database error answers 500 so the delivery can be sent again.
 */
export function registerGithubHandlers(app: Probot, deps: GithubHandlerDeps): void {
  registerIssueHandlers(app, deps);
  registerIssueCommentHandlers(app, deps);
  registerPullRequestReviewHandlers(app, deps);
  registerPullRequestHandlers(app, deps);
  registerInstallationHandlers(app, deps);
  registerCheckSuiteHandlers(app, deps);
  app.onAny(async (context) => {
    if (!handledEvents.has(eventName(context))) await recordOnly(context, deps);
  });
}

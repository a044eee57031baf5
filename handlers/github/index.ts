import type { Probot } from "probot";
import { registerCheckSuiteHandlers } from "./check-suite.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import { EventRoutes } from "./event-routes.ts";
import { registerInstallationHandlers } from "./installation.ts";
import { registerIssueCommentHandlers } from "./issue-comment.ts";
import { registerIssueHandlers } from "./issues.ts";
import { registerPullRequestHandlers } from "./pull-request.ts";
import { registerPullRequestReviewHandlers } from "./pull-request-review.ts";
import { recordOnly } from "./record-only.ts";

export type { GithubHandlerDeps } from "./deps.ts";

/**
 * GitHub webhooks. Probot has already checked X-Hub-Signature-256 against the raw body before parsing
 * it, so every payload here is signed by GitHub. GitHub gives a delivery 10 s and never retries it by
 * itself: each handler only translates the event and commits it (no call to GitHub before the 2xx),
 * and a database error answers 500 so the delivery can be sent again.
 */
export function registerGithubHandlers(app: Probot, deps: GithubHandlerDeps): void {
  const routes = new EventRoutes();
  registerIssueHandlers(routes, deps);
  registerIssueCommentHandlers(routes, deps);
  registerPullRequestReviewHandlers(routes, deps);
  registerPullRequestHandlers(routes, deps);
  registerInstallationHandlers(routes, deps);
  registerCheckSuiteHandlers(routes, deps);
  // One hook, so one context per delivery; an event no handler takes is recorded once.
  app.onAny(async (context) => {
    const handlers = routes.handlersOf(context);
    if (handlers.length === 0) return await recordOnly(context, deps);
    for (const handler of handlers) await handler(context);
  });
}

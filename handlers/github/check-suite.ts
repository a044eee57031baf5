import { isAppPullRequest } from "../../src/runs/run-queries.ts";
import { acceptTrigger } from "./accept.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import type { EventRegistrar } from "./event-routes.ts";
import { checkSuiteCompletedSchema, parsedPayload } from "./payload-schemas.ts";
import { recordOnly } from "./record-only.ts";
import { githubTrigger } from "./trigger.ts";

/**
 * A check suite that completed with failure on a pull request this app opened asks for the `revise`
 * workflow with the failing checks as its instructions (`revision.failed_checks` in ai-dev.config.yaml
 * turns it off). Other suites are only recorded.
 */
export function registerCheckSuiteHandlers(app: EventRegistrar, deps: GithubHandlerDeps): void {
  app.on("check_suite.completed", async (context) => {
    const payload = parsedPayload(checkSuiteCompletedSchema, context);
    const suite = payload.check_suite;
    if (suite.conclusion !== "failure" || !deps.config.revision.failed_checks.enabled)
      return recordOnly(context, deps);
    // The suite's pull requests in this repository, on the suite's branch: the app's own, if any.
    for (const pull of suite.pull_requests) {
      if (pull.head.ref !== suite.head_branch) continue;
      const target = { repository: payload.repository.full_name, number: pull.number };
      if (!(await isAppPullRequest(deps.db, target))) continue;
      // The suite's payload names the pull request without its title or body; the run needs neither.
      const fields = { number: pull.number, title: "", body: "", html_url: pull.url };
      const trigger = githubTrigger(context, payload, { kind: "pull_request", fields });
      if (!trigger) break;
      return await acceptTrigger(context, deps, {
        kind: "checks_failed",
        checkSuiteId: suite.id,
        branch: pull.head.ref,
        trigger,
        senderType: payload.sender.type,
      });
    }
    return recordOnly(context, deps);
  });
}

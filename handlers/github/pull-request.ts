import { audit } from "../../src/runs/audit.ts";
import { cancelRun } from "../../src/runs/cancel-run.ts";
import { insertDelivery } from "../../src/runs/intake.ts";
import { activeStatuses } from "../../src/runs/run-queries.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import type { EventRegistrar } from "./event-routes.ts";
import { parsedPayload, pullRequestClosedSchema } from "./payload-schemas.ts";
import { deliveryOf } from "./trigger.ts";

/**
 * `pull_request.closed` on a pull request this app opened closes out its work: runs still active on
 * it are cancelled at their next step, and the audit log records whether it was merged (by a person:
 * the app never merges).
 */
export function registerPullRequestHandlers(app: EventRegistrar, deps: GithubHandlerDeps): void {
  app.on("pull_request.closed", async (context) => {
    const payload = parsedPayload(pullRequestClosedSchema, context);
    const repository = payload.repository.full_name;
    const number = payload.pull_request.number;
    const cancelled = await deps.db.transaction().execute(async (trx) => {
      if (!(await insertDelivery(trx, deliveryOf(context)))) return [];
      const runs = await trx
        .selectFrom("runs")
        .select(["id", "status"])
        .where("repository", "=", repository)
        .where("pull_request_number", "=", number)
        .execute();
      if (runs.length === 0) return [];
      const active = runs.filter((r) => (activeStatuses as readonly string[]).includes(r.status));
      for (const run of active) await cancelRun(trx, run.id);
      await audit(trx, {
        actor: payload.sender.login,
        action: payload.pull_request.merged ? "pr.merged" : "pr.closed",
        repository,
        target: `pull_request#${number}`,
        runId: runs[0]?.id ?? null,
        deliveryId: context.id,
        details: { cancelledRuns: active.map((r) => r.id) },
      });
      return active.map((r) => r.id);
    });
    deps.log.info({ deliveryId: context.id, repository, number, cancelled }, "pull request closed");
  });
}

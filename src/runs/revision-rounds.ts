import type { Kysely } from "kysely";
import type { AppConfig } from "../config/schema.ts";
import type { Database } from "../db/schema.ts";
import { activeKeyOf, type RunRequest } from "./run-request.ts";

/**
 * Why a revision may not start, or undefined when it may: a pull request gets at most
 * `revision.max_rounds_per_pull_request` revisions, and of those at most `failed_checks.max_rounds`
 * started by failed checks, so an agent that cannot make its checks pass stops instead of looping.
 * A repeat of work already accepted (another comment of the same review, a retried job) is never
 * refused here: the intake joins it to its run.
 */
export async function revisionRoundsExhausted(
  db: Kysely<Database>,
  config: AppConfig,
  deliveryId: string,
  request: RunRequest,
): Promise<string | undefined> {
  if (request.kind !== "revise") return undefined;
  const { trigger } = request;
  const activeKey = activeKeyOf(request);
  const earlier = await db
    .selectFrom("runs")
    .select(["delivery_id", "active_key"])
    .where("workflow", "=", request.workflow)
    .where("repository", "=", trigger.repository.fullName)
    .where("target_number", "=", trigger.target.number)
    .execute();
  if (earlier.some((r) => r.delivery_id === deliveryId || (activeKey !== null && r.active_key === activeKey)))
    return undefined;
  const { max_rounds_per_pull_request: maxRounds, failed_checks: checks } = config.revision;
  const name = config.system.name;
  if (earlier.length >= maxRounds) {
    return `${name} has revised this pull request ${earlier.length} times, its limit (\`revision.max_rounds_per_pull_request: ${maxRounds}\` in ai-dev.config.yaml), so it will not revise it again. Push the remaining changes yourself, or ask an operator to raise the limit.`;
  }
  if (request.checkSuiteId === undefined) return undefined;
  const checkRounds = earlier.filter((r) => r.active_key?.includes(":checks:")).length;
  if (checkRounds >= checks.max_rounds) {
    return `The checks failed again, and ${name} has already revised this pull request for failed checks ${checkRounds} times, its limit (\`revision.failed_checks.max_rounds: ${checks.max_rounds}\` in ai-dev.config.yaml), so it stops here. The failing checks need a person's look; a review or \`/revise\` can still ask for changes.`;
  }
  return undefined;
}

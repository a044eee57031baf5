import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";

export const activeStatuses = ["queued", "running", "waiting"] as const;

export interface TargetRef {
  repository: string;
  number: number;
  /** A tracker ticket's key: its runs are found by it, never by a GitHub number that matches. */
  taskKey?: string | undefined;
}

/** The runs of an issue or PR, newest first. */
export async function runsForTarget(db: Kysely<Database>, target: TargetRef, limit = 10) {
  return await db
    .selectFrom("runs")
    .select([
      "id",
      "workflow",
      "status",
      "error_code",
      "error_message",
      "cost_usd_micros",
      "created_at",
      "finished_at",
      "pull_request_number",
      "cancel_requested_at",
    ])
    .where("repository", "=", target.repository)
    .$if(target.taskKey !== undefined, (q) => q.where("task_key", "=", target.taskKey ?? ""))
    .$if(target.taskKey === undefined, (q) =>
      q
        .where("task_key", "is", null)
        .where((eb) =>
          eb.or([eb("target_number", "=", target.number), eb("pull_request_number", "=", target.number)]),
        ),
    )
    .orderBy("created_at", "desc")
    .limit(limit)
    .execute();
}

/** Whether a pull request is one this app opened (a run recorded it), so reviews on it may steer a run. */
export async function isAppPullRequest(db: Kysely<Database>, target: TargetRef): Promise<boolean> {
  const row = await db
    .selectFrom("runs")
    .select("id")
    .where("repository", "=", target.repository)
    .where("pull_request_number", "=", target.number)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { requestCancel } from "../engine/run-store.ts";

/**
 * Stops a run: one that has not started (queued, or waiting for a budget approval) ends now, since no
 * step boundary would ever come for a parked run. A running one is asked to stop: its worker's heartbeat
 * sees the request within seconds, stops the executing step, waits for it to end, and ends the run.
 */
export async function cancelRun(
  db: Kysely<Database>,
  runId: string,
  now: Date = new Date(),
): Promise<"cancelled" | "requested"> {
  const parked = await db
    .updateTable("runs")
    .set({
      status: "cancelled",
      cancel_requested_at: now,
      finished_at: now,
      updated_at: now,
      error_code: "cancelled",
      error_message: "the run was cancelled before it started",
    })
    .where("id", "=", runId)
    .where("status", "in", ["queued", "waiting"])
    .executeTakeFirst();
  if (Number(parked.numUpdatedRows) > 0) return "cancelled";
  await requestCancel(db, runId, now);
  return "requested";
}

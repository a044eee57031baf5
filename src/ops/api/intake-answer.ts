import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.ts";
import { apiAnsweredAction } from "../../runs/api-assign.ts";

export interface IntakeAnswer {
  outcome: string;
  text: string;
  runId: string | null;
  details: Record<string, unknown>;
}

/**
 * The intake worker's answer to an API request (web and worker may be separate processes: it is read
 * from the audit log); undefined when none came within `waitMs`.
 */
export async function waitForIntakeAnswer(
  db: Kysely<Database>,
  deliveryId: string,
  waitMs: number,
): Promise<IntakeAnswer | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const row = await db
      .selectFrom("audit_log")
      .select(["run_id", "details"])
      .where("delivery_id", "=", deliveryId)
      .where("action", "=", apiAnsweredAction)
      .executeTakeFirst();
    if (row) {
      const details = (row.details ?? {}) as Record<string, unknown>;
      return {
        outcome: typeof details.outcome === "string" ? details.outcome : "invalid",
        text: typeof details.text === "string" ? details.text : "the request was refused",
        runId: row.run_id,
        details,
      };
    }
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.ts";
import { audit } from "./audit.ts";
import { activeStatuses } from "./run-queries.ts";
import { runRequestSchema } from "./run-request.ts";
import type { TriggerEvent } from "./trigger-event.ts";

type EditedEvent = Extract<TriggerEvent, { kind: "edited" }>;

/**
 * An edit of an issue that active runs work on: they keep the snapshot taken at their trigger, and each
 * run whose snapshot differs from the edited text gets a `run.task_changed` row, which its progress
 * comment reads. Comparing the text (not the times) is right even when GitHub delivers the edit before
 * the label that came after it. Returns the runs noted; safe to repeat for one delivery.
 */
export async function noteTaskEdited(
  db: Kysely<Database>,
  deliveryId: string,
  event: EditedEvent,
): Promise<string[]> {
  const { trigger } = event;
  return await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`delivery:${deliveryId}`}))`.execute(trx);
    const seen = await trx
      .selectFrom("audit_log")
      .select("id")
      .where("delivery_id", "=", deliveryId)
      .where("action", "in", ["run.task_changed", "issue.edited"])
      .executeTakeFirst();
    if (seen) return [];
    const runs = await trx
      .selectFrom("runs")
      .select(["id", "context"])
      .where("source", "=", trigger.source)
      .where("repository", "=", trigger.repository.fullName)
      .where("target_kind", "=", "issue")
      .where("target_number", "=", trigger.target.number)
      .where("status", "in", activeStatuses)
      .execute();
    const noted: string[] = [];
    for (const run of runs) {
      const parsed = runRequestSchema.safeParse((run.context as { request?: unknown } | null)?.request);
      if (!parsed.success) continue;
      const request = parsed.data.kind === "continue" ? parsed.data.task : parsed.data;
      const version = request.kind === "revise" ? undefined : (request.snapshot ?? request.trigger.target);
      if (!version) continue;
      const changed = event.changed.filter((field) => version[field] !== trigger.target[field]);
      if (changed.length === 0) continue;
      noted.push(run.id);
      await audit(trx, {
        actor: trigger.actor.login,
        action: "run.task_changed",
        repository: trigger.repository.fullName,
        target: `issue#${trigger.target.number}`,
        runId: run.id,
        deliveryId,
        details: { changed },
      });
    }
    if (noted.length === 0) {
      await audit(trx, {
        actor: trigger.actor.login,
        action: "issue.edited",
        repository: trigger.repository.fullName,
        target: `issue#${trigger.target.number}`,
        deliveryId,
        details: { changed: event.changed, activeRuns: runs.length },
      });
    }
    return noted;
  });
}

/** Whether the run's issue was edited after its trigger (the progress comment says so). */
export async function isTaskChanged(db: Kysely<Database>, runId: string): Promise<boolean> {
  const row = await db
    .selectFrom("audit_log")
    .select("id")
    .where("run_id", "=", runId)
    .where("action", "=", "run.task_changed")
    .executeTakeFirst();
  return row !== undefined;
}

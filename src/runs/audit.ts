import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";

export interface AuditEntry {
  actor: string | null;
  /** What happened, dotted: trigger.accepted, trigger.refused, trigger.duplicate, run.cancel_requested, pr.opened … */
  action: string;
  repository?: string | null;
  target?: string | null;
  runId?: string | null;
  deliveryId?: string | null;
  details?: Record<string, unknown>;
}

/** Appends to the audit log: who asked for what, when, and what the app did about it. */
export async function audit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      actor: entry.actor,
      action: entry.action,
      repository: entry.repository ?? null,
      target: entry.target ?? null,
      run_id: entry.runId ?? null,
      delivery_id: entry.deliveryId ?? null,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}

/**
 * Whether the delivery already has an entry of `action`: the mark a retried intake job finds when its
 * answer was given, so it says nothing twice.
 */
export async function isRecorded(db: Kysely<Database>, deliveryId: string, action: string): Promise<boolean> {
  const row = await db
    .selectFrom("audit_log")
    .select("id")
    .where("delivery_id", "=", deliveryId)
    .where("action", "=", action)
    .executeTakeFirst();
  return row !== undefined;
}

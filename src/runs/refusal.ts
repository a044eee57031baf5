import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.ts";
import { audit } from "./audit.ts";

export interface Refusal {
  actor: string;
  repository: string;
  /** issue#12, pull_request#34 */
  target: string;
  deliveryId: string;
  /** Whether the person is to be told (bots never are). */
  tellable: boolean;
  details: Record<string, unknown>;
}

/**
 * Records a refused trigger and decides whether to answer it: a person is told once per issue or PR why
 * nothing happens, and every later refusal there is only audited, so an outsider cannot make the app
 * post a comment per label or command. Serialised per person and target, so two refusals processed at
 * once still answer once. Returns whether this refusal is the one to answer.
 */
export async function recordRefusal(db: Kysely<Database>, refusal: Refusal): Promise<boolean> {
  return await db.transaction().execute(async (trx) => {
    const key = `refusal:${refusal.repository}:${refusal.target}:${refusal.actor}`;
    await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
    const answeredBefore = await trx
      .selectFrom("audit_log")
      .select("id")
      .where("action", "=", "trigger.refused")
      .where("repository", "=", refusal.repository)
      .where("target", "=", refusal.target)
      .where("actor", "=", refusal.actor)
      .where(sql<boolean>`details->>'answered' = 'true'`)
      .executeTakeFirst();
    const answered = refusal.tellable && answeredBefore === undefined;
    await audit(trx, {
      actor: refusal.actor,
      action: "trigger.refused",
      repository: refusal.repository,
      target: refusal.target,
      deliveryId: refusal.deliveryId,
      details: { ...refusal.details, answered },
    });
    return answered;
  });
}

/** Takes back a refusal whose answer could not be posted, so the retried job answers it. */
export async function forgetRefusal(db: Kysely<Database>, deliveryId: string): Promise<void> {
  await db
    .deleteFrom("audit_log")
    .where("delivery_id", "=", deliveryId)
    .where("action", "=", "trigger.refused")
    .execute();
}

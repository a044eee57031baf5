import type { Kysely } from "kysely";
import type { Database, NewDelivery } from "../db/schema.ts";

/**
 * Records a delivery once. Senders redeliver (GitHub by hand, trackers for hours): the delivery id is
 * the primary key, so a repeat is recognised and returns false.
 */
export async function recordDelivery(db: Kysely<Database>, delivery: NewDelivery): Promise<boolean> {
  const inserted = await db
    .insertInto("deliveries")
    .values(delivery)
    .onConflict((oc) => oc.column("id").doNothing())
    .returning("id")
    .executeTakeFirst();
  return inserted !== undefined;
}

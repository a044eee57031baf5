import { type Kysely, sql } from "kysely";

// Migrations describe the past, so they use Kysely<any> rather than today's Database type.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("deliveries")
    // The trigger the webhook accepted, committed in the delivery's own row (a transactional outbox):
    // the acknowledgement writes one row, and the relay (src/queue/intake-relay.ts) turns it into the
    // intake job right after. Null for a delivery that triggers nothing, and for those recorded before
    // this column, whose jobs were queued in the acknowledgement's transaction.
    .addColumn("trigger", "jsonb")
    // When the relay queued the trigger's intake job (set once the job is written).
    .addColumn("relayed_at", "timestamptz")
    .execute();
  // What the relay's sweeps look for: only the few rows not yet relayed, so a sweep costs little.
  await db.schema
    .createIndex("deliveries_unrelayed")
    .on("deliveries")
    .column("received_at")
    .where(sql.ref("trigger"), "is not", null)
    .where(sql.ref("relayed_at"), "is", null)
    .execute();
}

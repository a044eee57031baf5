import { type Kysely, sql } from "kysely";

// Migrations describe the past, so they use Kysely<any> rather than today's Database type.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("deliveries")
    .addColumn("id", "text", (c) => c.primaryKey()) // the sender's delivery id (X-GitHub-Delivery, …)
    .addColumn("source", "text", (c) => c.notNull()) // github | jira | linear | slack
    .addColumn("event", "text", (c) => c.notNull()) // e.g. issues.labeled
    .addColumn("installation_id", "bigint")
    .addColumn("repository", "text") // owner/name
    .addColumn("received_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("deliveries_received_at").on("deliveries").column("received_at").execute();
}

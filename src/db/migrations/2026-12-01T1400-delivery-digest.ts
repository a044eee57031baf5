import type { Kysely } from "kysely";

// Migrations describe the past, so they use Kysely<any> rather than today's Database type.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("deliveries")
    // SHA-256 of the raw body, hex. Unique: the same body under a new delivery id is a replay, and
    // starts nothing. Null for deliveries recorded before this column, or by a path without the body.
    .addColumn("digest", "text")
    // Why a signed delivery was refused (a payload of an unexpected shape); null when it was accepted.
    .addColumn("rejected_reason", "text")
    .execute();
  await db.schema.createIndex("deliveries_digest").unique().on("deliveries").column("digest").execute();
}

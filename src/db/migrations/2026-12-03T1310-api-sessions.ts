import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the past, see the first migration
export async function up(db: Kysely<any>): Promise<void> {
  // The dashboard's cookie sessions, made from an API token so the token never goes in a URL. Stored
  // as digests like the tokens; a session ends with its token (revoked) or at its expiry.
  await db.schema
    .createTable("api_sessions")
    .addColumn("digest", "text", (c) => c.primaryKey())
    // null for a session made from an operator token (AI_DEV_API_TOKEN, the lock file's), which is not
    // stored: operator_digest, that token's digest, ties the session to it instead.
    .addColumn("token_id", "text", (c) => c.references("api_tokens.id").onDelete("cascade"))
    .addColumn("operator_digest", "text")
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("api_sessions_expires_at").on("api_sessions").column("expires_at").execute();
}

import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the past, see the first migration
export async function up(db: Kysely<any>): Promise<void> {
  // The API's tokens, stored as SHA-256 digests only: a token is shown once, when it is created. They
  // are 32 random bytes, so a fast digest is enough (nothing to guess a dictionary against).
  await db.schema
    .createTable("api_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("digest", "text", (c) => c.notNull().unique())
    // The first characters, shown by `ai-dev tokens list` so an operator can tell tokens apart.
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("scopes", sql`text[]`, (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_used_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .execute();
}

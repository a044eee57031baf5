import { type Kysely, sql } from "kysely";

/**
 * The app's own comments, one row per comment it posted (or was about to post), so the per-installation
 * rate limit is a sliding window that holds across processes and restarts.
 */
// Migrations describe the past, so they use Kysely<any> rather than today's Database type.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("app_comments")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("installation_id", "bigint", (c) => c.notNull())
    .addColumn("repository", "text", (c) => c.notNull())
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("posted_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("app_comments_window")
    .on("app_comments")
    .columns(["installation_id", "posted_at"])
    .execute();
}

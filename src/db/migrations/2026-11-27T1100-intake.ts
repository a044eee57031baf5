import { type Kysely, sql } from "kysely";

// Migrations describe the past, so they use Kysely<any> rather than today's Database type.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function up(db: Kysely<any>): Promise<void> {
  // Where a run came from and what it answers to: the intake layer's columns on the engine's runs.
  await db.schema
    .alterTable("runs")
    .addColumn("source", "text") // github | jira | linear
    .addColumn("repository", "text") // owner/name
    .addColumn("installation_id", "bigint")
    .addColumn("target_kind", "text") // issue | pull_request
    .addColumn("target_number", "integer")
    .addColumn("actor", "text")
    .addColumn("delivery_id", "text")
    // Set for requests that must not run twice at once (a label, /plan); null for work that queues
    // behind an active run (/revise). Unique among active runs, so a repeat finds the running one.
    .addColumn("active_key", "text")
    .addColumn("progress_comment_id", "bigint")
    .addColumn("pull_request_number", "integer")
    .execute();
  await sql`create unique index runs_one_active_per_key on runs (active_key)
    where active_key is not null and status in ('queued', 'running', 'waiting')`.execute(db);
  await db.schema.createIndex("runs_target").on("runs").columns(["repository", "target_number"]).execute();
  await db.schema.createIndex("runs_created_at").on("runs").column("created_at").execute();

  await db.schema
    .createTable("installations")
    .addColumn("id", "bigint", (c) => c.primaryKey())
    .addColumn("account_login", "text", (c) => c.notNull())
    .addColumn("account_type", "text", (c) => c.notNull())
    .addColumn("repository_selection", "text")
    .addColumn("suspended_at", "timestamptz")
    .addColumn("deleted_at", "timestamptz")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("actor", "text") // who asked (a GitHub login, a tracker user), or "ai-dev" for the app's own acts
    .addColumn("action", "text", (c) => c.notNull()) // e.g. trigger.accepted, trigger.refused, pr.opened
    .addColumn("repository", "text")
    .addColumn("target", "text") // issue#12, pull#34, JIRA-56
    .addColumn("run_id", "text")
    .addColumn("delivery_id", "text")
    .addColumn("details", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex("audit_log_run").on("audit_log").column("run_id").execute();
  await db.schema.createIndex("audit_log_at").on("audit_log").column("at").execute();
}

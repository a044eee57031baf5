import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations describe the past, see the first migration
export async function up(db: Kysely<any>): Promise<void> {
  // A run started from a tracker ticket (Jira's ABC-1, Linear's ENG-42) answers to that key: commands on
  // the ticket find its runs by it, and a GitHub issue that happens to share the ticket's number never does.
  await db.schema.alterTable("runs").addColumn("task_key", "text").execute();
  await db.schema.createIndex("runs_task_key").on("runs").column("task_key").execute();
}

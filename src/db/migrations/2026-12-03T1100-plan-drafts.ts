import { type Kysely, sql } from "kysely";

// Migrations describe the past, so they use Kysely<any> rather than today's Database type.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function up(db: Kysely<any>): Promise<void> {
  // The last plan posted on a task (`/plan` replaces it), which `/plan approve` files.
  await db.schema
    .createTable("plan_drafts")
    .addColumn("task_key", "text", (c) => c.primaryKey())
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("plan", "jsonb", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Every tracker task filed from a plan, keyed by the parent task and the item's kind and title, so a
  // second approve, a retried run or a new draft that keeps a task creates nothing twice.
  await db.schema
    .createTable("plan_created_tasks")
    .addColumn("task_key", "text", (c) => c.notNull())
    .addColumn("item", "text", (c) => c.notNull())
    .addColumn("created_key", "text", (c) => c.notNull())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("plan_created_tasks_pk", ["task_key", "item"])
    .execute();
}

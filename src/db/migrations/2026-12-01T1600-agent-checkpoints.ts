import { type Kysely, sql } from "kysely";

// Migrations describe the past, so they use Kysely<any> rather than today's Database type.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function up(db: Kysely<any>): Promise<void> {
  // An agent step's conversation and the worktree's changes after its last finished turn, so a step
  // interrupted by a crash or a shutdown resumes on any worker from there instead of starting over.
  await db.schema
    .createTable("agent_checkpoints")
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
    .addColumn("step_key", "text", (c) => c.notNull())
    .addColumn("turn", "integer", (c) => c.notNull())
    .addColumn("messages", "jsonb", (c) => c.notNull())
    // `git diff --binary` of the worktree against the step's base commit (untracked files included).
    .addColumn("diff", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("base_commit", "text")
    .addColumn("state", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("agent_checkpoints_pk", ["run_id", "step_key"])
    .execute();
}

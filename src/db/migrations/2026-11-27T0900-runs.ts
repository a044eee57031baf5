import { type Kysely, sql } from "kysely";

// Migrations describe the past, so they use Kysely<any> rather than today's Database type.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function up(db: Kysely<any>): Promise<void> {
  // One row per run of a workflow. Generic on purpose: the intake layer adds its own columns later.
  await db.schema
    .createTable("runs")
    .addColumn("id", "text", (c) => c.primaryKey()) // uuid
    .addColumn("workflow", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("queued")) // queued | running | waiting | succeeded | failed | cancelled
    .addColumn("inputs", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("variables", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("context", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("error_code", "text")
    .addColumn("error_message", "text")
    // Money as integer micro-dollars: exact sums, and no float rounding in SQL.
    .addColumn("cost_usd_micros", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("cancel_requested_at", "timestamptz")
    .addColumn("lease_owner", "text")
    .addColumn("lease_expires_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("started_at", "timestamptz")
    .addColumn("finished_at", "timestamptz")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("runs_status").on("runs").column("status").execute();

  // One row per step and phase of a run; attempts of the same step update the same row.
  await db.schema
    .createTable("step_runs")
    .addColumn("id", "text", (c) => c.primaryKey()) // uuid
    .addColumn("run_id", "text", (c) => c.notNull().references("runs.id").onDelete("cascade"))
    .addColumn("step_name", "text", (c) => c.notNull())
    .addColumn("phase", "text", (c) => c.notNull().defaultTo("main")) // main | rollback
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull()) // plugin | ai_action | agent | set | fail
    .addColumn("status", "text", (c) => c.notNull()) // running | succeeded | failed | skipped | rolled_back | rollback_failed
    .addColumn("attempt", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
    .addColumn("inputs", "jsonb")
    .addColumn("outputs", "jsonb")
    .addColumn("error", "text")
    .addColumn("cost_usd_micros", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("finished_at", "timestamptz")
    .addUniqueConstraint("step_runs_run_step_phase", ["run_id", "step_name", "phase"])
    .execute();
}

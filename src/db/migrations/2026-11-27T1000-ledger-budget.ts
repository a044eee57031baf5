import { type Kysely, sql } from "kysely";

/**
 * The model-call ledger and the budgets. Money is integer micro-dollars (bigint) so that sums are exact
 * and PGlite and PostgreSQL read back the same values.
 */
// Migrations describe the past, so they use Kysely<any> rather than today's Database type.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function up(db: Kysely<any>): Promise<void> {
  // One row per budget scope: run:<id>, task:<key>, repo:<owner/name>:<YYYY-MM>, installation:<id>:<YYYY-MM>.
  await db.schema
    .createTable("budgets")
    .addColumn("scope", "text", (c) => c.primaryKey())
    .addColumn("cap_micros", "bigint", (c) => c.notNull())
    .addColumn("cap_tokens", "bigint") // null: no token cap on this scope
    .addColumn("reserved_micros", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("spent_micros", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("reserved_tokens", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("spent_tokens", "bigint", (c) => c.notNull().defaultTo(0))
    // What a call cost beyond the room left when it settled (its input was larger than estimated):
    // recorded honestly here rather than hidden, and kept out of the cap check below.
    .addColumn("overrun_micros", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("overrun_tokens", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    // The last line of defence: even if the reserving code were wrong, no row can hold more reserved
    // and spent money (or tokens) than its cap.
    .addCheckConstraint("budgets_cost_within_cap", sql`reserved_micros + spent_micros <= cap_micros`)
    .addCheckConstraint(
      "budgets_tokens_within_cap",
      sql`cap_tokens is null or reserved_tokens + spent_tokens <= cap_tokens`,
    )
    .addCheckConstraint(
      "budgets_nonnegative",
      sql`cap_micros >= 0 and reserved_micros >= 0 and spent_micros >= 0 and reserved_tokens >= 0 and spent_tokens >= 0 and overrun_micros >= 0 and overrun_tokens >= 0`,
    )
    .execute();

  // A reservation held by a model call in flight; a crashed worker's row expires and is released.
  await db.schema
    .createTable("budget_reservations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("scopes", sql`text[]`, (c) => c.notNull())
    .addColumn("micros", "bigint", (c) => c.notNull())
    .addColumn("tokens", "bigint", (c) => c.notNull())
    .addColumn("run_id", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("budget_reservations_expires_at")
    .on("budget_reservations")
    .column("expires_at")
    .execute();

  // The ledger: one row per model call, written once whatever retries settlement goes through.
  await db.schema
    .createTable("model_calls")
    .addColumn("idempotency_key", "text", (c) => c.primaryKey())
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("step", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    // Set when a fallback model was used instead of this one because the budget ran low.
    .addColumn("requested_model", "text")
    .addColumn("request_id", "text")
    .addColumn("scopes", sql`text[]`, (c) => c.notNull())
    .addColumn("input_tokens", "bigint", (c) => c.notNull())
    .addColumn("output_tokens", "bigint", (c) => c.notNull())
    .addColumn("cache_write_5m_tokens", "bigint", (c) => c.notNull())
    .addColumn("cache_write_1h_tokens", "bigint", (c) => c.notNull())
    .addColumn("cache_read_tokens", "bigint", (c) => c.notNull())
    .addColumn("cost_micros", "bigint", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("model_calls_run_id").on("model_calls").column("run_id").execute();
}

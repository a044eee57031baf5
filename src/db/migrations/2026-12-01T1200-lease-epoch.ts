import type { Kysely } from "kysely";

// Migrations describe the past, so they use Kysely<any> rather than today's Database type.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function up(db: Kysely<any>): Promise<void> {
  // The fencing token of a run's lease: raised by every acquisition, so a write conditioned on it fails
  // for a worker whose lease was taken over, however late its write arrives.
  await db.schema
    .alterTable("runs")
    .addColumn("lease_epoch", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  // The epoch under which a step's current attempt started: who ran it, for the record and the resume.
  await db.schema
    .alterTable("step_runs")
    .addColumn("lease_epoch", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}

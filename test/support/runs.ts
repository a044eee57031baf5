import type { Kysely } from "kysely";
import { waitFor } from "../../demo/wait-for.ts";
import type { Database } from "../../src/db/schema.ts";

/** The run of issue or PR `number` once it has ended (succeeded, failed or cancelled). */
export async function finishedRun(db: Kysely<Database>, number: number, timeoutMs = 30_000) {
  return await waitFor(
    async () => {
      const run = await db
        .selectFrom("runs")
        .selectAll()
        .where("target_number", "=", number)
        .executeTakeFirst();
      return run && ["succeeded", "failed", "cancelled"].includes(run.status) ? run : undefined;
    },
    timeoutMs,
    `the run of #${number} to finish`,
  );
}

import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import type { RunThreadStore } from "../plugins/communication.ts";

/** Runs' conversation threads in the app's database, so a restarted app still replies in a run's thread. */
export function databaseThreadStore(db: Kysely<Database>): RunThreadStore {
  return {
    get: async (runId, channel) => {
      const row = await db
        .selectFrom("run_threads")
        .select("thread_id")
        .where("run_id", "=", runId)
        .where("channel", "=", channel)
        .executeTakeFirst();
      return row?.thread_id;
    },
    remember: async (runId, channel, threadId) => {
      await db
        .insertInto("run_threads")
        .values({ run_id: runId, channel, thread_id: threadId })
        .onConflict((oc) => oc.columns(["run_id", "channel"]).doNothing())
        .execute();
      const stored = await db
        .selectFrom("run_threads")
        .select("thread_id")
        .where("run_id", "=", runId)
        .where("channel", "=", channel)
        .executeTakeFirstOrThrow();
      return stored.thread_id;
    },
  };
}

import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.ts";
import { jsonParam } from "../../engine/run-store.ts";
import { type Plan, planSchema } from "./plan-schema.ts";

export interface CreatedPlanItem {
  key: string;
  url: string;
}

/** Plans posted on tasks, and what approving them created. */
export interface PlanStore {
  saveDraft(taskKey: string, runId: string, plan: Plan): Promise<void>;
  draft(taskKey: string): Promise<{ runId: string; plan: Plan } | undefined>;
  created(taskKey: string): Promise<Map<string, CreatedPlanItem>>;
  recordCreated(taskKey: string, item: string, created: CreatedPlanItem, runId: string): Promise<void>;
}

export function databasePlanStore(db: Kysely<Database>): PlanStore {
  return {
    async saveDraft(taskKey, runId, plan) {
      await db
        .insertInto("plan_drafts")
        .values({ task_key: taskKey, run_id: runId, plan: jsonParam(plan) })
        .onConflict((oc) =>
          oc.column("task_key").doUpdateSet({ run_id: runId, plan: jsonParam(plan), updated_at: new Date() }),
        )
        .execute();
    },
    async draft(taskKey) {
      const row = await db
        .selectFrom("plan_drafts")
        .select(["run_id", "plan"])
        .where("task_key", "=", taskKey)
        .executeTakeFirst();
      if (!row) return undefined;
      return { runId: row.run_id, plan: planSchema.parse(row.plan) };
    },
    async created(taskKey) {
      const rows = await db
        .selectFrom("plan_created_tasks")
        .select(["item", "created_key", "url"])
        .where("task_key", "=", taskKey)
        .execute();
      return new Map(rows.map((r) => [r.item, { key: r.created_key, url: r.url }]));
    },
    async recordCreated(taskKey, item, created, runId) {
      await db
        .insertInto("plan_created_tasks")
        .values({ task_key: taskKey, item, created_key: created.key, url: created.url, run_id: runId })
        .onConflict((oc) => oc.columns(["task_key", "item"]).doNothing())
        .execute();
    },
  };
}

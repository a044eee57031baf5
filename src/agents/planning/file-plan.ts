import { z } from "zod";
import { UserFacingError } from "../../errors.ts";
import type { PluginCallContext } from "../../plugins/action-spec.ts";
import type { TaskManagementAdapter } from "../../plugins/task-management.ts";
import type { Plan } from "./plan-schema.ts";
import type { CreatedPlanItem, PlanStore } from "./plan-store.ts";
import { taskDescription } from "./render-plan.ts";

export const fileInputSchema = z.object({
  approve: z.literal(true),
  task_key: z.string().min(1),
  /** The plan of an API project (workflows/project-create.yml): its key is a GitHub issue, not a task. */
  project: z.boolean().default(false),
});

export interface FiledTask extends CreatedPlanItem {
  item: string;
  title: string;
  /** False when an earlier approve (or a retried run) had already created it. */
  created: boolean;
}

/**
 * Files the task's current draft in the tracker: its epics first (without a parent: a Jira epic is
 * top-level; the GitHub adapter makes it a sub-issue of the run's issue), then each task under its epic,
 * or under the planned task when it has none. Each item is keyed by its kind and title and recorded as
 * soon as the tracker answers, so a second approve, a retried step or a new draft that keeps a task
 * opens nothing twice.
 */
export async function filePlan(
  taskKey: string,
  deps: {
    store: PlanStore;
    createTask: TaskManagementAdapter["create_task"];
    runId: string;
    ctx: PluginCallContext;
    /** Where tasks without an epic go: the planned task unless told (undefined: top-level). */
    looseParent?: string | undefined;
  },
): Promise<{ tasks: FiledTask[]; created_count: number; comment: string }> {
  const draft = await deps.store.draft(taskKey);
  if (!draft) {
    throw new UserFacingError(
      "no_plan",
      `there is no plan for ${taskKey} to approve: comment \`/plan\` first, then \`/plan approve\``,
    );
  }
  const done = await deps.store.created(taskKey);
  const filed: FiledTask[] = [];
  const file = async (
    item: string,
    title: string,
    make: () => Promise<CreatedPlanItem>,
  ): Promise<CreatedPlanItem> => {
    const existing = done.get(item);
    if (existing) {
      filed.push({ item, title, ...existing, created: false });
      return existing;
    }
    const created = await make();
    await deps.store.recordCreated(taskKey, item, created, deps.runId);
    done.set(item, created);
    filed.push({ item, title, ...created, created: true });
    return created;
  };
  const plan: Plan = draft.plan;
  const epicKeys = new Map<string, string>();
  for (const epic of plan.epics) {
    const created = await file(itemKey("epic", epic.title), epic.title, () =>
      deps.createTask(
        { title: epic.title, description: epic.description, type: "epic", labels: [] },
        { ...deps.ctx, idempotencyKey: `${deps.ctx.idempotencyKey}/${itemKey("epic", epic.title)}` },
      ),
    );
    epicKeys.set(epic.id, created.key);
  }
  for (const task of plan.tasks) {
    const parent =
      (task.epic && epicKeys.get(task.epic)) || ("looseParent" in deps ? deps.looseParent : taskKey);
    await file(itemKey("task", task.title), task.title, () =>
      deps.createTask(
        {
          title: task.title,
          description: taskDescription(task),
          type: "task",
          ...(parent ? { parent_key: parent } : {}),
          labels: [],
        },
        { ...deps.ctx, idempotencyKey: `${deps.ctx.idempotencyKey}/${itemKey("task", task.title)}` },
      ),
    );
  }
  const createdCount = filed.filter((f) => f.created).length;
  const lines = filed.map(
    (f) => `- ${f.key}: ${f.title.replace(/\r?\n/g, " ")}${f.created ? "" : " (already created)"}`,
  );
  const comment = [
    createdCount > 0
      ? `Created ${createdCount} task${createdCount === 1 ? "" : "s"} from the approved plan:`
      : "Every task of this plan was already created; nothing new was opened:",
    "",
    ...lines,
  ].join("\n");
  return { tasks: filed, created_count: createdCount, comment };
}

/** The key an item is remembered by across drafts: its kind and its title, case and spacing aside. */
function itemKey(kind: "epic" | "task", title: string): string {
  return `${kind}:${title.trim().toLowerCase().replace(/\s+/g, " ")}`;
}

import type { PluginCallContext } from "../src/plugins/action-spec.ts";
import type { CreatedTask, NewTask, TaskManagementAdapter } from "../src/plugins/task-management.ts";

/**
 * The catalog's `create_task` over a tracker's own `createTask`: trackers with epics and tasks (Jira,
 * Linear) open a subtask as a task under its parent, and keep labels to their own conventions.
 */
export function createTaskAction(
  createTask: (input: NewTask, ctx: Pick<PluginCallContext, "signal">) => Promise<CreatedTask>,
): TaskManagementAdapter["create_task"] {
  return async ({ title, description, type, parent_key }, ctx) =>
    await createTask(
      { title, description, type: type === "epic" ? "epic" : "task", ...(parent_key ? { parent_key } : {}) },
      ctx,
    );
}

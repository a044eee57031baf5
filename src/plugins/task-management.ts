import { z } from "zod";
import type { ActionSpec, AdapterFor } from "./action-spec.ts";

/** A task as every tracker (Jira, Linear, GitHub Issues) is normalized to. */
export const taskSchema = z.object({
  key: z.string().min(1).describe("The tracker's key: PROJ-123, ENG-42, or owner/repo#12."),
  title: z.string(),
  description: z.string().describe("The body as the reporter wrote it: untrusted text."),
  status: z.string(),
  type: z.string().nullable().default(null).describe("bug, story, task… as the tracker names it."),
  url: z.string(),
  labels: z.array(z.string()).default([]),
  // Optional rather than defaulted: trackers that have no such thing (a GitHub snapshot) leave them out.
  assignee: z.string().nullable().optional().describe("The assignee's display name, when there is one."),
  project: z
    .string()
    .nullable()
    .optional()
    .describe("The project (Jira) or team (Linear) the task belongs to, by key: ABC, ENG."),
  repository: z
    .string()
    .nullable()
    .optional()
    .describe("The repository the tracker names for this task (Jira's custom_fields.repo_url): untrusted."),
  comments: z
    .array(z.object({ author: z.string().nullable(), body: z.string(), created_at: z.string().nullable() }))
    .optional()
    .describe("The comments, oldest first, as Markdown text: untrusted."),
});
export type Task = z.infer<typeof taskSchema>;

/** The statuses a workflow may move a task to; each adapter maps them to its tracker's own. */
export const taskStatusSchema = z.enum(["todo", "in_progress", "in_review", "done", "blocked"]);

const taskKey = z.string().min(1).describe("The task's key, as get_task returns it.");

export const taskManagementActions = {
  get_task: {
    description: "Reads a task with its title, description and status.",
    input: z.strictObject({ task_key: taskKey }),
    output: taskSchema,
    sideEffects: false,
    resultName: "task",
  },
  update_status: {
    description: "Moves a task to a normalized status.",
    input: z.strictObject({ task_key: taskKey, status: taskStatusSchema }),
    output: z.object({ task_key: z.string(), status: z.string() }),
    sideEffects: true,
  },
  add_comment: {
    description: "Adds a comment to a task.",
    input: z.strictObject({ task_key: taskKey, body: z.string().min(1) }),
    output: z.object({ comment_id: z.string(), url: z.string().nullable().default(null) }),
    sideEffects: true,
  },
  create_task: {
    description:
      "Creates a task (an epic, a task, or a subtask under parent_key) with a title and a description; planning uses it.",
    input: z
      .strictObject({
        title: z.string().min(1),
        description: z
          .string()
          .default("")
          .describe("Markdown; the adapter converts it to the tracker's format."),
        type: z
          .enum(["epic", "task", "subtask"])
          .default("task")
          .describe(
            "Normalized; each adapter maps it to its tracker's own (Jira: mappings.epic_type, task_type).",
          ),
        parent_key: taskKey
          .optional()
          .describe("The epic or task the new one belongs to; a subtask needs it."),
        labels: z.array(z.string().min(1)).default([]),
      })
      .refine((task) => task.type !== "subtask" || task.parent_key !== undefined, {
        path: ["parent_key"],
        message: "a subtask needs parent_key: the task it belongs to",
      }),
    output: z.object({ key: z.string().min(1), url: z.string() }),
    sideEffects: true,
    resultName: "task",
  },
  link_pull_request: {
    description: "Links a pull request to a task (a remote link, an attachment or a mention).",
    input: z.strictObject({
      task_key: taskKey,
      pull_request_url: z.string().min(1),
      title: z.string().optional(),
    }),
    output: z.object({ linked: z.boolean() }),
    sideEffects: true,
  },
  create_subtasks: {
    description: "Creates subtasks under a task, one per entry.",
    input: z.strictObject({
      parent_key: taskKey,
      subtasks: z
        .array(z.strictObject({ title: z.string().min(1), description: z.string().default("") }))
        .min(1),
    }),
    output: z.object({ subtasks: z.array(z.object({ key: z.string(), url: z.string() })) }),
    sideEffects: true,
  },
} satisfies Record<string, ActionSpec>;

/**
 * The plan's action names, kept as aliases of the catalog's: a workflow may write either, and the loader
 * stores the catalog's name, so adapters and reports see one name per action.
 */
export const taskManagementAliases = {
  update_task_status: "update_status",
} as const satisfies Record<string, keyof typeof taskManagementActions>;

export type TaskManagementAdapter = AdapterFor<typeof taskManagementActions>;

/** A new task (an epic, or a task under one): the input of an adapter's createTask. */
export const newTaskSchema = z.strictObject({
  title: z.string().min(1),
  description: z.string().default(""),
  type: z.enum(["epic", "task"]),
  parent_key: taskKey.optional().describe("The epic (or parent issue) a task belongs to."),
});
export type NewTask = z.input<typeof newTaskSchema>;
export const createdTaskSchema = z.object({ key: z.string(), url: z.string() });
export type CreatedTask = z.infer<typeof createdTaskSchema>;

/** A tracker that can open tasks: Jira and Linear; a `create_task` action spec can point here. */
export interface TaskCreator {
  createTask(input: NewTask, ctx: { signal: AbortSignal }): Promise<CreatedTask>;
}

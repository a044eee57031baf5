import { z } from "zod";

/**
 * The plan the planning agent submits through its `submit_plan` tool: the model's tool input is
 * validated against it, and the same schema is what the draft store and task creation read back.
 * Ids are the model's own short names ("E1", "T3"), so dependencies can point at tasks and a task can
 * name its epic; creation keys each created task on them, so an approved plan is filed once.
 */
const id = z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, "an id is 1 to 20 letters, digits, - or _ (e.g. T1)");

export const planTaskSchema = z.strictObject({
  id,
  epic: id.optional().describe("The id of the epic this task belongs to, if any."),
  title: z.string().min(1).max(200),
  description: z.string().min(1),
  acceptance_criteria: z.array(z.string().min(1)).min(1),
  files: z.array(z.string().min(1)).default([]).describe("Files likely touched."),
  size: z.enum(["S", "M", "L"]),
  depends_on: z.array(id).default([]).describe("Ids of tasks that must be done first."),
});

export const planSchema = z
  .strictObject({
    summary: z.string().min(1),
    epics: z
      .array(z.strictObject({ id, title: z.string().min(1).max(200), description: z.string().default("") }))
      .default([]),
    tasks: z.array(planTaskSchema).min(1).max(30),
    risks: z.array(z.string().min(1)).default([]),
    open_questions: z.array(z.string().min(1)).default([]),
  })
  .superRefine((plan, ctx) => {
    const ids = [...plan.epics.map((e) => e.id), ...plan.tasks.map((t) => t.id)];
    const seen = new Set<string>();
    for (const each of ids) {
      if (seen.has(each)) ctx.addIssue({ code: "custom", message: `the id ${each} is used twice` });
      seen.add(each);
    }
    const epics = new Set(plan.epics.map((e) => e.id));
    const tasks = new Set(plan.tasks.map((t) => t.id));
    plan.tasks.forEach((task, index) => {
      if (task.epic !== undefined && !epics.has(task.epic))
        ctx.addIssue({
          code: "custom",
          path: ["tasks", index, "epic"],
          message: `no epic has the id ${task.epic}`,
        });
      for (const dependency of task.depends_on)
        if (!tasks.has(dependency))
          ctx.addIssue({
            code: "custom",
            path: ["tasks", index, "depends_on"],
            message: `no task has the id ${dependency}`,
          });
    });
  });
export type Plan = z.infer<typeof planSchema>;
export type PlanTask = z.infer<typeof planTaskSchema>;

/** The zod issues in words the model (and the issue's comment) can act on. */
export function planProblems(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`)
    .join("; ");
}

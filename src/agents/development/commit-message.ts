import type { Task } from "../../plugins/task-management.ts";

/**
 * The commit the agent's work lands as: a subject from the task and the agent's summary as the body (the
 * workspace adds the trailers naming the run and the person who asked). The summary is the model's text:
 * it is cut and kept out of the subject line.
 */
export function commitMessageFor(options: {
  task: Pick<Task, "key" | "title">;
  summary: string;
  runId: string;
  incomplete: boolean;
}): string {
  const title = options.task.title.replace(/\s+/g, " ").trim().slice(0, 60) || "change";
  const subject = `${options.incomplete ? "WIP: " : ""}${title} (${options.task.key})`;
  const body = options.summary.trim().slice(0, 4000);
  return `${subject}\n\n${body}\n`;
}

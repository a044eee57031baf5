import type { Task } from "../../plugins/task-management.ts";

/**
 * The commit the agent's work lands as: a subject from the task, the agent's summary as the body, and
 * trailers that name the run (so any commit leads back to its run, its cost and its transcript) and the
 * person who asked. The summary is the model's text: it is cut and kept out of the subject line.
 */
export function commitMessageFor(options: {
  task: Pick<Task, "key" | "title">;
  summary: string;
  runId: string;
  incomplete: boolean;
  coAuthor?: string | undefined;
}): string {
  const title = options.task.title.replace(/\s+/g, " ").trim().slice(0, 60) || "change";
  const subject = `${options.incomplete ? "WIP: " : ""}${title} (${options.task.key})`;
  const body = options.summary.trim().slice(0, 4000);
  const trailers = [
    `AI-Dev-Run: ${options.runId}`,
    ...(options.coAuthor && /^[A-Za-z0-9-]+(\[bot\])?$/.test(options.coAuthor)
      ? [`Co-authored-by: ${options.coAuthor} <${options.coAuthor}@users.noreply.github.com>`]
      : []),
  ];
  return `${subject}\n\n${body ? `${body}\n\n` : ""}${trailers.join("\n")}\n`;
}

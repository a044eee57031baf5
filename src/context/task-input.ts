import { z } from "zod";
import { UserFacingError } from "../errors.ts";

/** The task as a run's snapshot holds it: what the reporter and commenters wrote (all untrusted). */
export const contextTaskSchema = z.object({
  title: z.string(),
  body: z.string().default(""),
  comments: z.array(z.object({ author: z.string().default("someone"), body: z.string() })).default([]),
});
export type ContextTask = z.infer<typeof contextTaskSchema>;

/**
 * A task file for `ai-dev context`: JSON in the snapshot's shape (`{"title", "body", "comments"}`), or
 * plain text / Markdown whose first line is the title and the rest the body.
 */
export function parseTaskFile(text: string, fileName: string): ContextTask {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (error) {
      throw new UserFacingError(
        "invalid_task_file",
        `${fileName}: not valid JSON (${(error as Error).message}); write the task as JSON or as text`,
        { cause: error },
      );
    }
    const parsed = contextTaskSchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
        .join("; ");
      throw new UserFacingError(
        "invalid_task_file",
        `${fileName}: a JSON task needs {"title": string, "body"?: string, "comments"?: [{"author", "body"}]}: ${problems}`,
      );
    }
    return parsed.data;
  }
  const [first = "", ...rest] = text.split("\n");
  return { title: first.replace(/^#+\s*/, "").trim(), body: rest.join("\n").trim(), comments: [] };
}

import { readFile } from "node:fs/promises";
import path from "node:path";
import { buildStartingContext, parseTaskFile } from "../context/index.ts";
import { UserFacingError } from "../errors.ts";

export interface ContextCommandOptions {
  repo: string;
  task: string;
  tokens: number;
  json: boolean;
}

/** `ai-dev context`: prints the context the development agent would start with for a task. */
export async function contextCommand(options: ContextCommandOptions): Promise<void> {
  const repoDir = path.resolve(options.repo);
  let taskText: string;
  try {
    taskText = await readFile(options.task, "utf8");
  } catch (error) {
    throw new UserFacingError(
      "task_file_unreadable",
      `cannot read the task file ${options.task}: give --task a readable file`,
      { cause: error },
    );
  }
  const context = await buildStartingContext({
    repoDir,
    task: parseTaskFile(taskText, options.task),
    tokens: options.tokens,
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ files: context.files, tokens: context.tokens })}\n`);
  } else {
    process.stdout.write(context.text);
  }
}

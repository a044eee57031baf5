import { z } from "zod";
import { isBlockedPath } from "../../workspace/blocked-paths.ts";
import type { CommandRunner } from "./command-runner.ts";
import { runForTool } from "./run-for-tool.ts";
import { shellQuote } from "./shell-quote.ts";
import type { ToolOutcome } from "./text-editor.ts";
import { ToolError } from "./tool-error.ts";
import { resolveInWorktree, type Worktree } from "./worktree-path.ts";

export const searchToolName = "search";

export const searchInputSchema = z.strictObject({
  pattern: z
    .string()
    .min(1)
    .describe("The text to find; a regular expression (POSIX extended) when regex is true."),
  path: z
    .string()
    .optional()
    .describe(
      "A directory or file relative to the repository root to search in; the whole repository if absent.",
    ),
  regex: z.boolean().default(false).describe("Read pattern as a regular expression instead of plain text."),
  ignore_case: z.boolean().default(false),
  max_results: z.int().min(1).max(200).default(50).describe("Matching lines to return, at most 200."),
});
export type SearchInput = z.infer<typeof searchInputSchema>;

const { $schema: _dialect, ...searchInputJsonSchema } = z.toJSONSchema(searchInputSchema, { io: "input" });

/** Our own tool: the model is not trained on it, so its description and schema say everything. */
export const searchToolDefinition = {
  name: searchToolName,
  description:
    "Searches the repository's files (tracked and untracked, .gitignore respected) for a text or a regular expression, like `git grep -n`. Returns matching lines as path:line:text, capped at max_results. Faster and cheaper than reading files one by one to find where something is defined or used.",
  // The Messages API takes the schema itself, without the dialect line.
  input_schema: { ...searchInputJsonSchema, type: "object" as const },
};

export interface SearchLimits {
  timeoutMs: number;
  outputCapBytes: number;
  /** Characters of one matching line kept; minified files have lines of megabytes. */
  maxLineChars: number;
}

/**
 * `git grep --no-index` in the worktree, run through the sandbox like any command: it reads no repository
 * config or hooks, follows no symbolic links, and never reports a line of a blocked file.
 */
export async function runSearch(
  worktree: Worktree,
  input: SearchInput,
  runner: CommandRunner,
  limits: SearchLimits,
  signal?: AbortSignal,
): Promise<ToolOutcome> {
  const scope = input.path === undefined ? undefined : await resolveInWorktree(worktree, input.path);
  if (scope && !scope.exists)
    throw new ToolError(`${input.path} does not exist: search the whole repository instead`);
  const args = [
    "git",
    "grep",
    "--no-index",
    "--exclude-standard",
    "--no-color",
    "-n",
    "-I",
    "-z",
    input.regex ? "-E" : "-F",
    ...(input.ignore_case ? ["-i"] : []),
    "-e",
    input.pattern,
    "--",
    scope && scope.relative !== "" ? scope.relative : ".",
  ];
  const result = await runForTool(
    runner,
    {
      dir: worktree.root,
      command: args.map(shellQuote).join(" "),
      timeoutMs: limits.timeoutMs,
      outputCapBytes: limits.outputCapBytes,
      signal,
    },
    "search",
  );
  if (result.timedOut) {
    throw new ToolError("the search ran past its time limit: narrow it with path or a more specific pattern");
  }
  if (result.exitCode === 1 && result.stdout === "") {
    return { content: `No matches for ${JSON.stringify(input.pattern)}.`, events: [searchEvent(input, 0)] };
  }
  if (result.exitCode !== 0) {
    const detail = result.stderr.trim().split("\n").slice(0, 3).join(" ");
    throw new ToolError(`the search failed: ${detail || `exit code ${result.exitCode}`}`);
  }
  const matches: string[] = [];
  for (const record of result.stdout.split("\n")) {
    const [file, line, ...rest] = record.split("\0");
    if (file === undefined || line === undefined || rest.length === 0) continue;
    if (isBlockedPath(file.replace(/^\.\//, ""), worktree.blockedPaths)) continue;
    let text = rest.join("\0");
    if (text.length > limits.maxLineChars) text = `${text.slice(0, limits.maxLineChars)}…`;
    matches.push(`${file.replace(/^\.\//, "")}:${line}:${text}`);
  }
  if (matches.length === 0) {
    return { content: `No matches for ${JSON.stringify(input.pattern)}.`, events: [searchEvent(input, 0)] };
  }
  const shown = matches.slice(0, input.max_results);
  const notes: string[] = [];
  if (matches.length > shown.length) {
    notes.push(
      `[${matches.length - shown.length} more matching lines not shown: narrow the search with path or a more specific pattern]`,
    );
  }
  if (result.truncated)
    notes.push("[the search output was cut at its size limit: there may be more matches]");
  return {
    content: [...shown, ...notes].join("\n"),
    events: [searchEvent(input, matches.length)],
  };
}

function searchEvent(input: SearchInput, matches: number) {
  return { kind: "search" as const, pattern: input.pattern, matches };
}

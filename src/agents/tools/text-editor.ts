import { constants } from "node:fs";
import { mkdir, open, readdir } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { isBlockedPath } from "../../workspace/blocked-paths.ts";
import { ToolError } from "./tool-error.ts";
import type { ToolEvent } from "./tool-events.ts";
import { truncateHead } from "./truncate.ts";
import { type ResolvedPath, resolveInWorktree, type Worktree } from "./worktree-path.ts";

export const textEditorToolName = "str_replace_based_edit_tool";

/**
 * The input of Anthropic's text editor tool (`text_editor_20250728`) as the model is trained to send
 * it. `insert` takes `insert_text`; `new_str` is accepted too, the name earlier versions used.
 */
const pathField = z.string().describe("Relative to the repository root.");
export const textEditorInputSchema = z.discriminatedUnion("command", [
  z.object({
    command: z.literal("view"),
    path: pathField,
    view_range: z.tuple([z.int().min(1), z.int().min(-1)]).optional(),
  }),
  z.object({ command: z.literal("create"), path: pathField, file_text: z.string() }),
  z.object({
    command: z.literal("str_replace"),
    path: pathField,
    old_str: z.string().min(1, "old_str must not be empty"),
    new_str: z.string().default(""),
  }),
  z
    .object({
      command: z.literal("insert"),
      path: pathField,
      insert_line: z.int().min(0),
      insert_text: z.string().optional(),
      new_str: z.string().optional(),
    })
    .refine((input) => input.insert_text !== undefined || input.new_str !== undefined, {
      message: "insert needs insert_text, the text to insert",
      path: ["insert_text"],
    }),
  z.object({ command: z.literal("undo_edit"), path: pathField }),
]);
export type TextEditorInput = z.infer<typeof textEditorInputSchema>;

export interface TextEditorLimits {
  /** Characters of a file view or listing returned to the model. */
  maxOutputChars: number;
  /** Files larger than this are not read whole: the model is told to view a range or search. */
  maxFileBytes: number;
  /** Entries of a directory listing. */
  maxListingEntries: number;
}

export interface ToolOutcome {
  content: string;
  events: ToolEvent[];
}

export async function runTextEditor(
  worktree: Worktree,
  input: TextEditorInput,
  limits: TextEditorLimits,
): Promise<ToolOutcome> {
  switch (input.command) {
    case "view":
      return await view(worktree, input.path, input.view_range, limits);
    case "create": {
      const target = await resolveInWorktree(worktree, input.path);
      if (target.relative === "") throw new ToolError("create needs a file path, not the repository root");
      await mkdir(path.dirname(target.absolute), { recursive: true });
      await writeText(target, input.file_text, input.path);
      const verb = target.exists ? "Overwrote" : "Created";
      return {
        content: `${verb} ${target.relative} (${lineCount(input.file_text)} lines)`,
        events: [{ kind: target.exists ? "file_edited" : "file_created", path: target.relative }],
      };
    }
    case "str_replace": {
      const target = await existingFile(worktree, input.path);
      const text = await readText(target, input.path, limits);
      const first = text.indexOf(input.old_str);
      if (first < 0) {
        throw new ToolError(
          `old_str was not found in ${target.relative}: it must match the file exactly, whitespace and indentation included; view the file to copy the text`,
        );
      }
      const second = text.indexOf(input.old_str, first + 1);
      if (second >= 0) {
        const lines = occurrenceLines(text, input.old_str).slice(0, 10).join(", ");
        throw new ToolError(
          `old_str occurs more than once in ${target.relative} (at lines ${lines}): include more surrounding lines so it matches exactly one place`,
        );
      }
      const updated = text.slice(0, first) + input.new_str + text.slice(first + input.old_str.length);
      await writeText(target, updated, input.path);
      const startLine = lineCount(text.slice(0, first));
      const snippet = numbered(updated, startLine - 3, startLine + lineCount(input.new_str) + 3);
      return {
        content: `Edited ${target.relative}. The changed region now reads:\n${snippet}`,
        events: [{ kind: "file_edited", path: target.relative }],
      };
    }
    case "insert": {
      const target = await existingFile(worktree, input.path);
      const text = await readText(target, input.path, limits);
      const lines = text.split("\n");
      const total = lineCount(text);
      if (input.insert_line > total) {
        throw new ToolError(
          `insert_line ${input.insert_line} is past the end of ${target.relative}, which has ${total} lines: use a number from 0 (the start) to ${total}`,
        );
      }
      const inserted = input.insert_text ?? input.new_str ?? "";
      const insertedLines = inserted.endsWith("\n")
        ? inserted.slice(0, -1).split("\n")
        : inserted.split("\n");
      lines.splice(input.insert_line, 0, ...insertedLines);
      const updated = lines.join("\n");
      await writeText(target, updated, input.path);
      const snippet = numbered(updated, input.insert_line - 3, input.insert_line + insertedLines.length + 4);
      return {
        content: `Inserted ${insertedLines.length} lines after line ${input.insert_line} of ${target.relative}:\n${snippet}`,
        events: [{ kind: "file_edited", path: target.relative }],
      };
    }
    case "undo_edit":
      throw new ToolError(
        "undo_edit is not available in this version of the text editor: use str_replace to put the earlier text back",
      );
  }
}

async function view(
  worktree: Worktree,
  requested: string,
  range: readonly [number, number] | undefined,
  limits: TextEditorLimits,
): Promise<ToolOutcome> {
  const target = await resolveInWorktree(worktree, requested);
  if (!target.exists)
    throw new ToolError(`${requested} does not exist: list a directory to see what is there`);
  const handle = await openNoFollow(target, constants.O_RDONLY, requested);
  const info = await handle.stat().finally(() => handle.close());
  if (info.isDirectory()) {
    if (range) throw new ToolError("view_range applies to files, not directories");
    const listing = await listDirectory(worktree, target, limits.maxListingEntries);
    return {
      content: truncateHead(listing, limits.maxOutputChars, "view a subdirectory to see more"),
      events: [{ kind: "directory_listed", path: target.relative }],
    };
  }
  const text = await readText(target, requested, limits, range !== undefined);
  const lines = text.split("\n");
  if (text.endsWith("\n")) lines.pop();
  let from = 1;
  let to = lines.length;
  if (range) {
    const [start, end] = range;
    if (start > Math.max(lines.length, 1)) {
      throw new ToolError(
        `view_range starts at line ${start}, but ${target.relative} has ${lines.length} lines`,
      );
    }
    if (end !== -1 && end < start) {
      throw new ToolError(
        `view_range [${start}, ${end}] ends before it starts: use [start, end] or [start, -1]`,
      );
    }
    from = start;
    to = end === -1 ? lines.length : Math.min(end, lines.length);
  }
  const body = numbered(lines.join("\n"), from, to);
  return {
    content: truncateHead(
      body,
      limits.maxOutputChars,
      `view a smaller view_range, e.g. [${from + 200}, ${from + 400}], or search for what you need`,
    ),
    events: [{ kind: "file_read", path: target.relative }],
  };
}

/** The directory's entries two levels deep, without hidden names, node_modules or blocked paths. */
async function listDirectory(worktree: Worktree, dir: ResolvedPath, maxEntries: number): Promise<string> {
  const out: string[] = [];
  let omitted = 0;
  const walk = async (absolute: string, relative: string, depth: number) => {
    const entries = await readdir(absolute, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const childRelative = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (isBlockedPath(childRelative, worktree.blockedPaths)) continue;
      if (out.length >= maxEntries) {
        omitted++;
        continue;
      }
      const suffix = entry.isDirectory() ? "/" : entry.isSymbolicLink() ? "@" : "";
      out.push(`${childRelative}${suffix}`);
      // Links are listed, never followed: one could lead out of the worktree.
      if (entry.isDirectory() && depth < 2)
        await walk(path.join(absolute, entry.name), childRelative, depth + 1);
    }
  };
  await walk(dir.absolute, dir.relative, 1);
  const header = `Files and directories in ${dir.relative === "" ? "the repository root" : dir.relative}, two levels deep (hidden names and node_modules left out):`;
  const more = omitted > 0 ? `\n[${omitted} more entries not shown: view a subdirectory]` : "";
  return `${header}\n${out.join("\n")}${more}`;
}

async function existingFile(worktree: Worktree, requested: string): Promise<ResolvedPath> {
  const target = await resolveInWorktree(worktree, requested);
  if (!target.exists) throw new ToolError(`${requested} does not exist: use create to make a new file`);
  return target;
}

/** Reads a regular file as text; the last path component is opened without following a link. */
async function readText(
  target: ResolvedPath,
  requested: string,
  limits: TextEditorLimits,
  partial = false,
): Promise<string> {
  const handle = await openNoFollow(target, constants.O_RDONLY | constants.O_NONBLOCK, requested);
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new ToolError(`${requested} is a directory: view it to list it`);
    if (!info.isFile()) throw new ToolError(`${requested} is not a regular file`);
    // A range may be viewed from a large file (up to 4× the cap); a whole one may not be edited blind.
    const cap = partial ? limits.maxFileBytes * 4 : limits.maxFileBytes;
    if (info.size > cap) {
      throw new ToolError(
        `${requested} is ${info.size} bytes, more than the ${cap} bytes this tool reads at once: use the search tool to find the lines you need`,
      );
    }
    const buffer = await handle.readFile();
    if (buffer.includes(0))
      throw new ToolError(
        `${requested} is a binary file (${buffer.length} bytes): it cannot be shown as text`,
      );
    return buffer.toString("utf8");
  } finally {
    await handle.close();
  }
}

async function writeText(target: ResolvedPath, text: string, requested: string): Promise<void> {
  // O_NONBLOCK: a FIFO planted in the worktree answers at once instead of hanging the run.
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK;
  const handle = await openNoFollow(target, flags, requested);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ToolError(`${requested} is not a regular file`);
    await handle.writeFile(text, "utf8");
  } finally {
    await handle.close();
  }
}

/**
 * Opens with O_NOFOLLOW: the path was checked a moment ago, but a command could have put a link in its
 * place since; then the open fails instead of following it.
 */
async function openNoFollow(target: ResolvedPath, flags: number, requested: string) {
  try {
    return await open(target.absolute, flags | constants.O_NOFOLLOW, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP") throw new ToolError(`${requested} is a symbolic link: refused`, { cause: error });
    if (code === "EISDIR") throw new ToolError(`${requested} is a directory, not a file`, { cause: error });
    if (code === "ENOENT") throw new ToolError(`${requested} does not exist`, { cause: error });
    throw new ToolError(`${requested} cannot be opened (${code ?? "unknown error"})`, { cause: error });
  }
}

function lineCount(text: string): number {
  if (text === "") return 0;
  const newlines = text.split("\n").length - 1;
  return text.endsWith("\n") ? newlines : newlines + 1;
}

/** Lines `from`..`to` (1-based, inclusive, clamped) in `cat -n` form, as the model is trained to read them. */
function numbered(text: string, from: number, to: number): string {
  const lines = text.split("\n");
  if (text.endsWith("\n")) lines.pop();
  const start = Math.max(1, from);
  const end = Math.min(lines.length, to);
  const out: string[] = [];
  for (let n = start; n <= end; n++) out.push(`${String(n).padStart(6)}\t${lines[n - 1] ?? ""}`);
  return out.join("\n");
}

function occurrenceLines(text: string, needle: string): number[] {
  const out: number[] = [];
  let at = text.indexOf(needle);
  while (at >= 0) {
    out.push(lineCount(text.slice(0, at + 1)));
    at = text.indexOf(needle, at + 1);
  }
  return out;
}

import { lstat, realpath } from "node:fs/promises";
import path from "node:path";
import { isBlockedPath } from "../../workspace/blocked-paths.ts";
import { ToolError } from "./tool-error.ts";

export interface Worktree {
  /** The worktree's real path (symlinks resolved): every path a tool touches must stay under it. */
  root: string;
  /** `security.blocked_paths`, added to the defaults of src/workspace/blocked-paths.ts. */
  blockedPaths: readonly string[];
  /**
   * Absolute paths that name the root for the model, e.g. where the sandbox mounts the worktree: the
   * model sees them in a command's `pwd` and may write `/workspace/src/a.ts` for `src/a.ts`.
   */
  rootAliases: readonly string[];
}

export interface ResolvedPath {
  /** The real absolute path (the parent's real path joined with the names that do not exist yet). */
  absolute: string;
  /** Relative to the root, with forward slashes; "" for the root itself. */
  relative: string;
  exists: boolean;
}

/**
 * Resolves a path the model gave to a place inside the worktree, or refuses it: a path that climbs
 * out (`..`), an absolute path elsewhere, a symbolic link anywhere along the way that leads out or to
 * a blocked path, and a blocked path itself. For a path that does not exist yet, its deepest existing
 * ancestor is resolved, so `create` cannot write through a linked directory.
 */
export async function resolveInWorktree(worktree: Worktree, requested: string): Promise<ResolvedPath> {
  if (requested.trim() === "")
    throw new ToolError("the path is empty: give a path relative to the repository root");
  if (requested.includes("\0")) throw new ToolError("the path holds a NUL character: give a plain path");
  const lexical = lexicalRelative(worktree, requested);
  refuseBlocked(worktree, lexical, requested);

  let existing = path.join(worktree.root, lexical);
  const missing: string[] = [];
  for (;;) {
    try {
      await lstat(existing);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" || existing === worktree.root) {
        if (code === "ENOTDIR")
          throw new ToolError(`${requested}: a part of this path is a file, not a directory`);
        throw new ToolError(`${requested} cannot be opened (${code ?? "unknown error"})`, { cause: error });
      }
      missing.unshift(path.basename(existing));
      existing = path.dirname(existing);
    }
  }
  let real: string;
  try {
    real = await realpath(existing);
  } catch (error) {
    // lstat found it, realpath could not follow it: a link to nothing, which a write would follow anywhere.
    throw new ToolError(`${requested} is a symbolic link to a place that does not exist: refused`, {
      cause: error,
    });
  }
  const absolute = path.join(real, ...missing);
  const relative = path.relative(worktree.root, absolute);
  if (relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new ToolError(
      `${requested} leads outside the repository through a symbolic link: refused; only files inside the repository can be used`,
    );
  }
  const relativePosix = relative.split(path.sep).join("/");
  if (relativePosix !== lexical) refuseBlocked(worktree, relativePosix, requested);
  return { absolute, relative: relativePosix, exists: missing.length === 0 };
}

/** The requested path relative to the root, by its text alone; refuses what leaves the root. */
function lexicalRelative(worktree: Worktree, requested: string): string {
  let candidate = requested.replaceAll("\\", "/");
  if (path.posix.isAbsolute(candidate)) {
    const base = [worktree.root, ...worktree.rootAliases]
      .map((alias) => alias.replace(/\/+$/, ""))
      .find((alias) => candidate === alias || candidate.startsWith(`${alias}/`));
    if (base === undefined) {
      throw new ToolError(
        `${requested} is an absolute path outside the repository: refused; use a path relative to the repository root, e.g. src/index.ts`,
      );
    }
    candidate = candidate.slice(base.length).replace(/^\/+/, "");
  }
  const normalized = path.posix.normalize(candidate === "" ? "." : candidate).replace(/\/+$/, "");
  if (normalized === ".." || normalized.startsWith("../")) {
    throw new ToolError(
      `${requested} climbs out of the repository with "..": refused; only files inside the repository can be used`,
    );
  }
  return normalized === "." ? "" : normalized;
}

function refuseBlocked(worktree: Worktree, relative: string, requested: string): void {
  if (isBlockedPath(relative, worktree.blockedPaths)) {
    throw new ToolError(
      `${requested} is a blocked path (secrets, CI workflows and git internals are off limits, as are security.blocked_paths): it can be neither read nor written; work on other files`,
    );
  }
}

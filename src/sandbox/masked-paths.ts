import { type Dirent, readdirSync } from "node:fs";
import path from "node:path";
import { blockingPatternBelowAllowed } from "../workspace/blocked-paths.ts";

/** A blocked file or directory inside the worktree, hidden from a sandboxed command. */
export interface MaskedPath {
  /** Absolute, under the worktree. */
  path: string;
  directory: boolean;
}

/**
 * Every blocked path (the defaults of blocked-paths.ts plus `extraPatterns`) that exists in `dir`: what
 * the sandbox covers so a command can no more read `.env` or `id_rsa` than the editor can. A blocked
 * directory is listed once and not entered. Symbolic links are not followed and not listed: a link
 * leads either into the worktree, where its target is masked when it is blocked, or out of it, where
 * the sandbox shows nothing of the host but its system directories.
 *
 * The walk runs before each command because a command may create files (a `setup` writing `.env`); it
 * is one readdir per directory and one match per entry (~40 ms for 28,000 entries, a node_modules).
 */
export function blockedPathsIn(dir: string, extraPatterns: readonly string[] = []): MaskedPath[] {
  const found: MaskedPath[] = [];
  const walk = (rel: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(rel === "" ? dir : path.join(dir, rel), { withFileTypes: true });
    } catch {
      // Gone or unreadable: the sandbox, with the same user's rights, cannot read it either.
      return;
    }
    for (const entry of entries) {
      if (entry.isSymbolicLink()) continue;
      const entryRel = rel === "" ? entry.name : `${rel}/${entry.name}`;
      const blocked = blockingPatternBelowAllowed(entryRel, extraPatterns) !== undefined;
      if (blocked) found.push({ path: path.join(dir, entryRel), directory: entry.isDirectory() });
      else if (entry.isDirectory()) walk(entryRel);
    }
  };
  walk("");
  return found;
}

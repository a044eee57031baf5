import { open } from "node:fs/promises";
import path from "node:path";
import { simpleGit } from "simple-git";
import { UserFacingError } from "../errors.ts";

/** A file the map may parse: its text, or why it is listed by path only. */
export type RepoFile =
  | { path: string; kind: "text"; source: string }
  | { path: string; kind: "skipped"; reason: "binary" | "large" | "minified" | "unreadable" };

export interface FileLimits {
  /** Files larger than this are listed by path but never read in full. */
  maxFileBytes: number;
}

const sniffBytes = 8000;

/**
 * The files git tracks plus the untracked ones .gitignore does not exclude: what a clone would hold,
 * never `node_modules/`, build output or anything the repository ignores.
 */
export async function listRepoFiles(repoDir: string): Promise<string[]> {
  const git = simpleGit(repoDir);
  let output: string;
  try {
    output = await git.raw(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
  } catch (error) {
    throw new UserFacingError(
      "not_a_git_repository",
      `${repoDir} is not a git repository (git ls-files failed): point it at a clone`,
      { cause: error },
    );
  }
  const files = new Set(output.split("\0").filter((name) => name.length > 0));
  return [...files].sort();
}

/** Reads one file for parsing, or says why it is not: binaries, huge or minified files are not parsed. */
export async function readRepoFile(
  repoDir: string,
  relativePath: string,
  limits: FileLimits,
): Promise<RepoFile> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path.join(repoDir, relativePath), "r");
    const info = await handle.stat();
    if (!info.isFile()) return { path: relativePath, kind: "skipped", reason: "unreadable" };
    if (info.size > limits.maxFileBytes) return { path: relativePath, kind: "skipped", reason: "large" };
    const bytes = await handle.readFile();
    if (bytes.subarray(0, sniffBytes).includes(0)) {
      return { path: relativePath, kind: "skipped", reason: "binary" };
    }
    const source = bytes.toString("utf8");
    if (isMinified(source)) return { path: relativePath, kind: "skipped", reason: "minified" };
    return { path: relativePath, kind: "text", source };
  } catch {
    // A file deleted since ls-files, a dangling symlink or a submodule: listed by path only.
    return { path: relativePath, kind: "skipped", reason: "unreadable" };
  } finally {
    await handle?.close();
  }
}

/** Bundled or minified code has a few enormous lines: parsing it costs much and maps nothing useful. */
function isMinified(source: string): boolean {
  if (source.length < 20_000) return false;
  const lines = source.split("\n", 200);
  return lines.some((line) => line.length > 5_000);
}

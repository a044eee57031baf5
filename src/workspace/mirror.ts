import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { gitClient, gitEnv } from "./git-client.ts";

export interface RepositoryRemote {
  /** `owner/name`: names the mirror's directory. */
  fullName: string;
  /** As the API returns it (`clone_url`), so GitHub Enterprise Server and local fakes work. */
  cloneUrl: string;
  /** A fresh installation token for each network command (they expire after an hour). */
  token?: () => Promise<string>;
}

const fullNamePattern = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** `<workspace_dir>/mirrors/<owner>/<name>.git`. */
export function mirrorPath(workspaceDir: string, fullName: string): string {
  if (!fullNamePattern.test(fullName) || fullName.split("/").some((part) => part === "." || part === "..")) {
    throw new Error(`repository name ${JSON.stringify(fullName)} is not owner/name`);
  }
  return path.resolve(workspaceDir, "mirrors", `${fullName}.git`);
}

// Two runs of one repository in this process fetch into the same mirror: git's ref locks would fail
// one of them, so they take turns.
const turns = new Map<string, Promise<unknown>>();

export async function inTurn<T>(key: string, body: () => Promise<T>): Promise<T> {
  const previous = turns.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(body);
  turns.set(key, next);
  try {
    return await next;
  } finally {
    if (turns.get(key) === next) turns.delete(key);
  }
}

/**
 * The repository's cached bare mirror, created on first use and fetched (not cloned again) after.
 * Branches land as `refs/remotes/origin/*`, so the mirror's own `refs/heads/*` (one per run's worktree)
 * never collide with what a fetch brings. No remote is configured: the URL goes with each fetch.
 */
export async function syncMirror(
  workspaceDir: string,
  remote: RepositoryRemote,
): Promise<{ dir: string; cloned: boolean }> {
  const dir = mirrorPath(workspaceDir, remote.fullName);
  return await inTurn(dir, async () => {
    const cloned = !existsSync(path.join(dir, "HEAD"));
    if (cloned) {
      mkdirSync(dir, { recursive: true });
      await gitClient(dir, gitEnv()).raw(["init", "--quiet", "--bare"]);
    }
    const token = remote.token ? await remote.token() : undefined;
    try {
      // --verbose: it reports every branch, even when all are up to date; a quiet fetch that brings
      // nothing prints nothing, and simple-git then waits 50 ms more (see git-client.ts).
      await gitClient(dir, gitEnv(token)).raw([
        "fetch",
        "--verbose",
        "--prune",
        "--no-tags",
        remote.cloneUrl,
        "+refs/heads/*:refs/remotes/origin/*",
      ]);
    } catch (error) {
      // git's own words (its stderr) name the cause: authentication, a missing repository, the network.
      const detail = error instanceof Error ? error.message.trim() : String(error);
      throw new Error(`fetching ${remote.fullName} from ${remote.cloneUrl} failed: ${detail}`, {
        cause: error,
      });
    }
    return { dir, cloned };
  });
}

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { gitClient, gitEnv } from "./git-client.ts";

/**
 * A run's worktree, and the checkouts that outlive runs. Checking out a large repository writes every
 * file, which costs far more than fetching the mirror; so when a run ends its worktree is wiped back to
 * a pristine state (`reset --hard`, `clean -ffdx`: no changed, untracked or ignored file of that run is
 * left), detached, and parked under `idle/`, and the next run of that repository moves it to its own
 * directory and checks out its branch, rewriting only the files that differ. Each run still has a
 * worktree of its own that nobody else touches while it runs; only the bytes are reused.
 */
export const idleWorktreesPerRepository = 2;

export interface CheckedOutWorktree {
  /** The worktree's administrative directory in the mirror, learned before any agent ran. */
  gitDir: string;
  /** Whether a parked checkout was reused. */
  reused: boolean;
}

/** The git directory the worktree's `.git` file names, refused unless it lies inside the mirror. */
function worktreeGitDir(mirror: string, dir: string): string {
  const line = readFileSync(path.join(dir, ".git"), "utf8").trim();
  const gitDir = path.resolve(dir, line.replace(/^gitdir:\s*/, ""));
  if (!gitDir.startsWith(path.join(mirror, "worktrees") + path.sep)) {
    throw new Error(`the worktree ${dir} points to ${gitDir}, outside its mirror ${mirror}`);
  }
  return gitDir;
}

/**
 * Env for git in a worktree. GIT_DIR and GIT_WORK_TREE are pinned: the worktree's own `.git` file is
 * writable inside the sandbox, and a command could point it at a repository whose config runs programs
 * (core.fsmonitor), which the app's git would then run outside the sandbox.
 */
export function worktreeEnv(gitDir: string, dir: string, token?: string): Record<string, string> {
  return { ...gitEnv(token), GIT_DIR: gitDir, GIT_WORK_TREE: dir };
}

function parkedIn(idleDir: string): string[] {
  if (!existsSync(idleDir)) return [];
  return readdirSync(idleDir)
    .filter((name) => name.startsWith("w-"))
    .map((name) => path.join(idleDir, name));
}

export async function checkOutWorktree(input: {
  mirror: string;
  idleDir: string;
  dir: string;
  branch: string;
  start: string;
}): Promise<CheckedOutWorktree> {
  const { mirror, dir, branch, start } = input;
  const mirrorGit = gitClient(mirror, gitEnv());
  mkdirSync(path.dirname(dir), { recursive: true });
  for (const parked of parkedIn(input.idleDir)) {
    try {
      await mirrorGit.raw(["worktree", "move", parked, dir]);
      // Repair the link in both directions before trusting it: it was written by the app, not a run.
      await mirrorGit.raw(["worktree", "repair", dir]);
      const gitDir = worktreeGitDir(mirror, dir);
      const git = gitClient(dir, worktreeEnv(gitDir, dir));
      await git.raw(["checkout", "--quiet", "--force", "-B", branch, start]);
      await git.raw(["clean", "-ffdxq"]);
      return { gitDir, reused: true };
    } catch {
      // A parked checkout that does not move or check out cleanly is dropped; the next one is tried.
      await mirrorGit.raw(["worktree", "remove", "--force", parked]).catch(() => undefined);
      await mirrorGit.raw(["worktree", "remove", "--force", dir]).catch(() => undefined);
      rmSync(parked, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
      await mirrorGit.raw(["worktree", "prune"]);
    }
  }
  await mirrorGit.raw(["worktree", "add", "--quiet", "-B", branch, dir, start]);
  return { gitDir: worktreeGitDir(mirror, dir), reused: false };
}

/** Ends a run's use of its worktree: parked pristine for the next run, or removed when enough are parked. */
export async function releaseWorktree(input: {
  mirror: string;
  idleDir: string;
  dir: string;
  gitDir: string;
  branch: string;
}): Promise<void> {
  const { mirror, dir, gitDir, branch } = input;
  const mirrorGit = gitClient(mirror, gitEnv());
  const remove = async () => {
    await mirrorGit.raw(["worktree", "remove", "--force", dir]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await mirrorGit.raw(["worktree", "prune"]);
  };
  try {
    if (parkedIn(input.idleDir).length >= idleWorktreesPerRepository) throw new Error("enough parked");
    const git = gitClient(dir, worktreeEnv(gitDir, dir));
    await git.raw(["reset", "--quiet", "--hard"]);
    await git.raw(["clean", "-ffdxq"]);
    await git.raw(["checkout", "--quiet", "--detach"]);
    mkdirSync(input.idleDir, { recursive: true });
    await mirrorGit.raw([
      "worktree",
      "move",
      dir,
      path.join(input.idleDir, `w-${randomBytes(6).toString("hex")}`),
    ]);
  } catch {
    await remove();
  }
  await mirrorGit.raw(["branch", "--quiet", "-D", branch]).catch(() => undefined);
}

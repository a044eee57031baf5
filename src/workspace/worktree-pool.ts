import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gitClient, gitEnv, gitOutput } from "./git-client.ts";

/**
 * A run's worktree, and the checkouts that outlive runs. Checking out a large repository writes every
 * file, which costs far more than fetching the mirror; so when a run ends its worktree is wiped back to
 * a pristine state (`clean -ffdx` and a forced detach: no changed, untracked or ignored file of that run
 * is left) and parked under `idle/`, and the next run of that repository moves it to its own directory
 * and checks out its branch, rewriting only the files that differ. Each run still has a worktree of its
 * own that nobody else touches while it runs; only the bytes are reused.
 *
 * A parked checkout is named after its administrative directory in the mirror (`worktrees/<id>`), which
 * the app learned before any agent ran: moving it back writes both links of git's worktree layout
 * (gitrepository-layout(5): the worktree's `.git` file, the admin directory's `gitdir` file) from that
 * name, exactly what `git worktree move` and `repair` write, and never trusts the `.git` file a run could
 * have rewritten. Plain renames also spare two git processes on the path every run waits for.
 */
export const idleWorktreesPerRepository = 2;

export interface CheckedOutWorktree {
  /** The worktree's administrative directory in the mirror, learned before any agent ran. */
  gitDir: string;
  /** Whether a parked checkout was reused. */
  reused: boolean;
}

const worktreeIdPattern = /^[A-Za-z0-9_.-]+$/;

function adminDirOf(mirror: string, id: string): string {
  return path.join(mirror, "worktrees", id);
}

/** The git directory the worktree's `.git` file names, refused unless it lies inside the mirror. */
function worktreeGitDir(mirror: string, dir: string): string {
  const line = readFileSync(path.join(dir, ".git"), "utf8").trim();
  const gitDir = path.resolve(dir, line.replace(/^gitdir:\s*/, ""));
  if (path.dirname(gitDir) !== path.join(mirror, "worktrees")) {
    throw new Error(`the worktree ${dir} points to ${gitDir}, outside its mirror ${mirror}`);
  }
  return gitDir;
}

/** Moves a checkout to `to` and points its admin directory and its `.git` file at each other again. */
function moveWorktree(from: string, to: string, gitDir: string): void {
  renameSync(from, to);
  writeFileSync(path.join(gitDir, "gitdir"), `${path.join(to, ".git")}\n`);
  writeFileSync(path.join(to, ".git"), `gitdir: ${gitDir}\n`);
}

/**
 * Env for git in a worktree. GIT_DIR and GIT_WORK_TREE are pinned: the worktree's own `.git` file is
 * writable inside the sandbox, and a command could point it at a repository whose config runs programs
 * (core.fsmonitor), which the app's git would then run outside the sandbox.
 */
export function worktreeEnv(gitDir: string, dir: string, token?: string): Record<string, string> {
  return { ...gitEnv(token), GIT_DIR: gitDir, GIT_WORK_TREE: dir };
}

/**
 * Parked checkouts whose admin directory the mirror still holds. One without (a process died between
 * parking it and relinking it, and `worktree prune` then dropped its admin directory) is deleted.
 */
function parkedIn(mirror: string, idleDir: string): { dir: string; gitDir: string }[] {
  if (!existsSync(idleDir)) return [];
  const linked: { dir: string; gitDir: string }[] = [];
  for (const id of readdirSync(idleDir)) {
    const parked = { dir: path.join(idleDir, id), gitDir: adminDirOf(mirror, id) };
    if (worktreeIdPattern.test(id) && existsSync(parked.gitDir)) linked.push(parked);
    else rmSync(parked.dir, { recursive: true, force: true });
  }
  return linked;
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
  for (const parked of parkedIn(mirror, input.idleDir)) {
    try {
      moveWorktree(parked.dir, dir, parked.gitDir);
      // Not --quiet: simple-git waits 50 ms after a git that printed nothing (see git-client.ts). The
      // parked checkout was cleaned when it was parked, so a forced checkout is all it needs.
      await gitClient(dir, worktreeEnv(parked.gitDir, dir)).raw(["checkout", "--force", "-B", branch, start]);
      return { gitDir: parked.gitDir, reused: true };
    } catch {
      // A parked checkout that does not move or check out cleanly is dropped; the next one is tried.
      rmSync(parked.dir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
      await mirrorGit.raw(["worktree", "prune"]);
    }
  }
  await mirrorGit.raw(["worktree", "prune"]);
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
  try {
    if (parkedIn(mirror, input.idleDir).length >= idleWorktreesPerRepository)
      throw new Error("enough parked");
    const env = worktreeEnv(gitDir, dir);
    await gitOutput(dir, env, ["clean", "-ffdxq"]);
    // Forced: the run's changes to tracked files go too. Detached, so the run's branch can be deleted.
    await gitClient(dir, env).raw(["checkout", "--force", "--detach"]);
    mkdirSync(input.idleDir, { recursive: true });
    moveWorktree(dir, path.join(input.idleDir, path.basename(gitDir)), gitDir);
  } catch {
    await mirrorGit.raw(["worktree", "remove", "--force", dir]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await mirrorGit.raw(["worktree", "prune"]);
  }
  await mirrorGit.raw(["branch", "-D", branch]).catch(() => undefined);
}

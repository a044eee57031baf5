import { existsSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { diffFindings } from "./diff-check.ts";
import { gitClient, gitEnv, gitOutput } from "./git-client.ts";
import { inTurn, type RepositoryRemote, syncMirror } from "./mirror.ts";
import { DiffRefusedError, PushRefusedError } from "./workspace-errors.ts";
import { checkOutWorktree, releaseWorktree, worktreeEnv } from "./worktree-pool.ts";

export interface Person {
  name: string;
  email: string;
}

export interface OpenWorkspaceInput {
  /** `system.workspace_dir`. */
  workspaceDir: string;
  repository: RepositoryRemote & { defaultBranch: string };
  runId: string;
  /** The run's branch (`ai/<issue>-<slug>`): reused from the remote when it exists (a retried run). */
  branch: string;
  /** Where a new branch starts; the default branch unless given. */
  baseBranch?: string;
}

export interface CommitInput {
  message: string;
  /** The app, as GitHub shows it (`ai-dev[bot] <id+ai-dev[bot]@users.noreply.github.com>`). */
  author: Person;
  /** The person who asked: a `Co-authored-by:` trailer. */
  coAuthor?: Person;
  /** `security.blocked_paths` and the repository's. */
  blockedPaths?: readonly string[];
  /** The exact values of the app's live secrets. */
  liveSecrets?: readonly string[];
}

export interface Workspace {
  /** The run's worktree: the agent's files, the sandbox's one writable directory. */
  readonly dir: string;
  readonly branch: string;
  /** Whether the branch existed on the remote before this run: then it is never force-pushed. */
  readonly branchExisted: boolean;
  /** Stages every change, refuses it on a blocked path or secret, commits; null when nothing changed. */
  commit(input: CommitInput): Promise<string | null>;
  push(options?: { force?: boolean }): Promise<void>;
  /** The worktree's changes against the commit it started at, untracked files included, as a binary diff. */
  snapshot(): Promise<{ diff: string; baseCommit: string | null }>;
  /** Puts a snapshot's changes back (a resumed run on a fresh worktree). */
  restore(snapshot: { diff: string; baseCommit: string | null }): Promise<void>;
  /** The paths the run changed so far (added, modified or deleted), against the commit it started at. */
  changedFiles(): Promise<string[]>;
  /**
   * The paths the branch's commits change since it left the base branch: the pull request's files,
   * earlier runs' commits on a continued branch included.
   */
  branchFiles(): Promise<string[]>;
  /** The branch's changes since it left the base branch, as a text diff: what a pull request shows. */
  branchDiff(): Promise<string>;
  /** A file of the repository's default branch as fetched (e.g. `.github/ai-dev.yml`); null when absent. */
  defaultBranchFile(relPath: string): Promise<string | null>;
  /**
   * Ends the run's use of its worktree and deletes the mirror's local branch (the pushed branch stays on
   * the remote); the checkout is wiped and parked for the repository's next run (see worktree-pool.ts).
   */
  remove(): Promise<void>;
}

const runIdPattern = /^[A-Za-z0-9_-]+$/;

/** The commits of those of `refs` the mirror holds, in one git (for-each-ref matches by prefix, so exact names are kept). */
async function existingRefs(mirror: string, refs: readonly string[]): Promise<Map<string, string>> {
  const out = await gitClient(mirror, gitEnv()).raw([
    "for-each-ref",
    "--format=%(refname) %(objectname)",
    ...refs,
  ]);
  const lines = out.split("\n").map((line) => line.split(" "));
  return new Map(
    lines.flatMap(([ref, sha]) => (ref && sha && refs.includes(ref) ? [[ref, sha] as const] : [])),
  );
}

async function checkBranchName(mirror: string, branch: string): Promise<void> {
  try {
    await gitClient(mirror, gitEnv()).raw(["check-ref-format", "--branch", branch]);
  } catch (error) {
    throw new Error(`${JSON.stringify(branch)} is not a valid branch name`, { cause: error });
  }
}

function trailers(message: string, runId: string, coAuthor: Person | undefined): string {
  const lines = [`AI-Dev-Run: ${runId}`];
  if (coAuthor) lines.push(`Co-authored-by: ${coAuthor.name} <${coAuthor.email}>`);
  return `${message.trim()}\n\n${lines.join("\n")}\n`;
}

/**
 * A run's checkout: the repository's mirror fetched, then a `git worktree` of it on the run's branch.
 * Everything with the remote goes through the token given per command; nothing here writes it down.
 */
export async function openWorkspace(input: OpenWorkspaceInput): Promise<Workspace> {
  if (!runIdPattern.test(input.runId))
    throw new Error(`run id ${JSON.stringify(input.runId)} cannot name a directory`);
  const { repository, branch } = input;
  const mirror = (await syncMirror(input.workspaceDir, repository)).dir;
  await checkBranchName(mirror, branch);
  const defaultBranch = repository.defaultBranch;
  const baseBranch = input.baseBranch ?? defaultBranch;
  const dir = path.resolve(input.workspaceDir, "runs", input.runId);
  const mirrorGit = gitClient(mirror, gitEnv());

  const branchRef = `refs/remotes/origin/${branch}`;
  const baseRef = `refs/remotes/origin/${baseBranch}`;
  const refs = await existingRefs(mirror, [branchRef, baseRef]);
  const branchExisted = refs.has(branchRef);
  const idleDir = path.resolve(input.workspaceDir, "idle", repository.fullName);
  // The commit, not the ref: another run's fetch may move the ref, and the run must start where it reads.
  const start = refs.get(branchExisted ? branchRef : baseRef);
  if (!start) {
    throw new Error(`${repository.fullName} has no branch ${baseBranch} to start ${branch} from`);
  }
  const { gitDir } = await inTurn(mirror, async () => {
    // A worker that died left its worktree behind: the run starts again from the remote's state.
    if (existsSync(dir)) {
      await mirrorGit.raw(["worktree", "remove", "--force", dir]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      await mirrorGit.raw(["worktree", "prune"]);
    }
    return await checkOutWorktree({ mirror, idleDir, dir, branch, start });
  });

  const worktreeGit = (extra: Record<string, string> = {}, token?: string) =>
    gitClient(dir, { ...worktreeEnv(gitDir, dir, token), ...extra });
  /** A worktree command that may print nothing (see gitOutput). */
  const quietGit = (args: readonly string[]) => gitOutput(dir, worktreeEnv(gitDir, dir), args);
  let pushedSha: string | null = null;
  // The commit the run's changes are measured against: where the checkout started, or, on a resume, the
  // commit the checkpoint was taken on (see restore).
  let startCommit = start;
  // Staging everything (untracked files too) is how both a snapshot and a commit see the whole change.
  const stagedDiff = async (args: string[]) => {
    await quietGit(["add", "--all"]);
    return await quietGit([
      "diff",
      "--cached",
      "--no-renames",
      "--no-ext-diff",
      "--no-color",
      ...args,
      startCommit,
    ]);
  };

  return {
    dir,
    branch,
    branchExisted,

    async commit(commit) {
      const git = worktreeGit();
      // A repository nested in the worktree would be added as a bare pointer (or break `git add`):
      // its `.git` is a blocked path like any other.
      const untracked = await quietGit(["ls-files", "--others", "--directory", "--exclude-standard", "-z"]);
      const nested = untracked
        .split("\0")
        .filter((entry) => entry.endsWith("/") && existsSync(path.join(dir, entry, ".git")))
        .map((entry) => ({ kind: "blocked_path" as const, path: `${entry}.git`, pattern: ".git" }));
      if (nested.length > 0) throw new DiffRefusedError(nested);
      await quietGit(["add", "--all"]);
      const names = await quietGit(["diff", "--cached", "--no-renames", "--name-only", "-z"]);
      const paths = names.split("\0").filter(Boolean);
      if (paths.length === 0) return null;
      const diff = await git.raw([
        "diff",
        "--cached",
        "--no-renames",
        "--no-ext-diff",
        "--text",
        "-U0",
        "--no-color",
      ]);
      const message = trailers(commit.message, input.runId, commit.coAuthor);
      const findings = diffFindings({
        paths,
        diff,
        message,
        blockedPaths: commit.blockedPaths ?? [],
        liveSecrets: commit.liveSecrets ?? [],
      });
      if (findings.length > 0) {
        await git.raw(["reset", "--quiet"]);
        throw new DiffRefusedError(findings);
      }
      const who = {
        GIT_AUTHOR_NAME: commit.author.name,
        GIT_AUTHOR_EMAIL: commit.author.email,
        GIT_COMMITTER_NAME: commit.author.name,
        GIT_COMMITTER_EMAIL: commit.author.email,
      };
      await worktreeGit(who).raw(["commit", "--quiet", "--no-verify", "-m", message]);
      return (await git.revparse(["HEAD"])).trim();
    },

    async push(options = {}) {
      if (branch === defaultBranch) {
        throw new PushRefusedError(
          `Refused to push to ${branch}: it is the default branch of ${repository.fullName}; ai-dev pushes only its own branches and opens a pull request.`,
        );
      }
      const args = ["push", "--quiet", "--no-verify", "--porcelain"];
      if (options.force) {
        if (branchExisted) {
          throw new PushRefusedError(
            `Refused to force-push ${branch}: it existed on ${repository.fullName} before this run, and ai-dev force-pushes only branches it created.`,
          );
        }
        // Only over what this run pushed itself: someone else's commits on the branch stop the push.
        args.push(`--force-with-lease=refs/heads/${branch}:${pushedSha ?? ""}`);
      }
      const token = repository.token ? await repository.token() : undefined;
      await worktreeGit({}, token).raw([
        ...args,
        repository.cloneUrl,
        `refs/heads/${branch}:refs/heads/${branch}`,
      ]);
      pushedSha = (await worktreeGit().revparse(["HEAD"])).trim();
    },

    async snapshot() {
      return { diff: await stagedDiff(["--binary"]), baseCommit: startCommit };
    },

    async restore(snapshot) {
      const git = worktreeGit();
      if (snapshot.baseCommit && snapshot.baseCommit !== startCommit) {
        // The base moved on the remote since the checkpoint: the diff applies to the commit it was taken
        // on, and the conversation read the files of that commit (even when it changed nothing yet).
        await git.raw(["reset", "--quiet", "--hard", snapshot.baseCommit]);
        // Later snapshots and changedFiles count from there too: against the new base they would hold a
        // revert of every commit the base gained, and the next resume would apply it.
        startCommit = snapshot.baseCommit;
      }
      if (!snapshot.diff.trim()) return;
      const file = path.join(path.dirname(dir), `.${path.basename(dir)}.restore.diff`);
      writeFileSync(file, snapshot.diff);
      try {
        await git.raw(["apply", "--binary", "--index", "--whitespace=nowarn", file]);
      } finally {
        rmSync(file, { force: true });
      }
    },

    async changedFiles() {
      return (await stagedDiff(["--name-only", "-z"])).split("\0").filter(Boolean);
    },

    async branchFiles() {
      const names = (range: string) =>
        worktreeGit().raw(["diff", "--name-only", "--no-renames", "-z", range]);
      // A branch with no history in common with its base (pushed by hand) has no fork point: then the
      // files of this run's own commits are all that can be said.
      const changed = await names(`refs/remotes/origin/${baseBranch}...HEAD`).catch(() =>
        names(`${startCommit}..HEAD`),
      );
      return changed.split("\0").filter(Boolean);
    },

    async branchDiff() {
      return await worktreeGit().raw([
        "diff",
        "--no-renames",
        "--no-ext-diff",
        "--no-color",
        `refs/remotes/origin/${baseBranch}...HEAD`,
      ]);
    },

    async defaultBranchFile(relPath) {
      try {
        return await mirrorGit.raw(["show", `refs/remotes/origin/${defaultBranch}:${relPath}`]);
      } catch {
        return null;
      }
    },

    async remove() {
      await inTurn(mirror, () => releaseWorktree({ mirror, idleDir, dir, gitDir, branch }));
    },
  };
}

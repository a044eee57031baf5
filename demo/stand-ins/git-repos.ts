import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const quietGit = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "Test Author",
  GIT_COMMITTER_EMAIL: "author@example.com",
};

/** Runs git with no user or system config, so a developer's settings never change a test. */
export function git(cwd: string, args: string[], input?: string): string {
  return execFileSync("git", args, {
    cwd,
    env: { ...process.env, ...quietGit },
    encoding: "utf8",
    ...(input === undefined ? {} : { input }),
  });
}

/**
 * A bare repository `<root>/<name>` whose default branch holds `files` in one commit; what a test
 * serves with startGitHttpServer. Returns the bare repository's path.
 */
export function createBareRepository(
  root: string,
  name: string,
  files: Record<string, string>,
  options: { branch?: string } = {},
): string {
  const branch = options.branch ?? "main";
  const bare = path.join(root, name);
  git(root, ["init", "--quiet", "--bare", `--initial-branch=${branch}`, bare]);
  pushCommit(bare, branch, files, "Initial commit");
  return bare;
}

/** Adds one commit with `files` on top of `branch` of a bare repository (as someone else pushing). */
export function pushCommit(
  bare: string,
  branch: string,
  files: Record<string, string>,
  message: string,
): string {
  const work = mkdtempSync(path.join(os.tmpdir(), "ai-dev-seed-"));
  try {
    git(work, ["init", "--quiet", `--initial-branch=${branch}`]);
    const hasBranch = git(bare, ["for-each-ref", `refs/heads/${branch}`]).trim() !== "";
    if (hasBranch) {
      git(work, ["fetch", "--quiet", bare, branch]);
      git(work, ["reset", "--quiet", "--hard", "FETCH_HEAD"]);
    }
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      writeFileSync(path.join(work, file), content);
    }
    git(work, ["add", "-A"]);
    git(work, ["commit", "--quiet", "-m", message]);
    git(work, ["push", "--quiet", bare, `HEAD:refs/heads/${branch}`]);
    return git(work, ["rev-parse", "HEAD"]).trim();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

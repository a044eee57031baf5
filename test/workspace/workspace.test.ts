import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHttpServer, startGitHttpServer } from "../../demo/stand-ins/git-http-server.ts";
import { createBareRepository, git, pushCommit } from "../../demo/stand-ins/git-repos.ts";
import { runSandboxed } from "../../src/sandbox/run-sandboxed.ts";
import { mirrorPath, syncMirror } from "../../src/workspace/mirror.ts";
import { openWorkspace } from "../../src/workspace/workspace.ts";
import { DiffRefusedError, PushRefusedError } from "../../src/workspace/workspace-errors.ts";

const token = `ghs_${"Wk7TestInstallationToken0123456789abcdef".slice(0, 36)}`;
const app = { name: "ai-dev[bot]", email: "123+ai-dev[bot]@users.noreply.github.com" };
const asker = { name: "Octo Cat", email: "octocat@example.com" };
let root: string;
let repos: string;
let workspaceDir: string;
let bare: string;
let server: GitHttpServer;

const repository = () => ({
  fullName: "acme/widgets",
  cloneUrl: server.repoUrl("acme/widgets.git"),
  defaultBranch: "main",
  token: async () => token,
});

/** A run's workspace of acme/widgets on `branch`. */
const openRun = (runId: string, branch: string) =>
  openWorkspace({ workspaceDir, repository: repository(), runId, branch });

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "ai-dev-workspace-test-"));
  repos = path.join(root, "repos");
  workspaceDir = path.join(root, "workspaces");
  mkdirSync(path.join(repos, "acme"), { recursive: true });
  bare = createBareRepository(repos, "acme/widgets.git", {
    "README.md": "# widgets\n",
    "src/index.ts": "export const answer = 41;\n",
  });
  server = await startGitHttpServer({ root: repos, token });
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** Every file under `dir` whose bytes hold `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  try {
    return execFileSync("grep", ["-rlF", needle, dir], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return []; // grep exits 1 when nothing matched
  }
}

describe("workspace", () => {
  it("clones a cold mirror with the token as a basic auth header and checks out a worktree", async () => {
    server.requests.length = 0;
    const workspace = await openRun("run-cold", "ai/12-answer");
    expect(readFileSync(path.join(workspace.dir, "src/index.ts"), "utf8")).toBe(
      "export const answer = 41;\n",
    );
    expect(server.requests.some((r) => r.service === "git-upload-pack")).toBe(true);
    expect(server.requests.every((r) => r.authorized)).toBe(true);
    await workspace.remove();
  });

  it("is refused by the server without the token, which proves the header is what authenticates", async () => {
    const noToken = { ...repository(), fullName: "acme/widgets-anon" };
    delete (noToken as { token?: unknown }).token;
    server.requests.length = 0;
    await expect(syncMirror(workspaceDir, noToken)).rejects.toThrow(
      /fetching acme\/widgets-anon from http:\/\/127\.0\.0\.1:\d+\/acme\/widgets\.git failed/,
    );
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.every((r) => !r.authorized)).toBe(true);
  });

  it("fetches the cached mirror on a later run instead of cloning again, and sees new commits", async () => {
    const mirror = mirrorPath(workspaceDir, "acme/widgets");
    const objectsBefore = statSync(path.join(mirror, "objects")).ino;
    pushCommit(bare, "main", { "CHANGELOG.md": "- new\n" }, "Someone else's commit");
    const result = await syncMirror(workspaceDir, repository());
    expect(result).toEqual({ dir: mirror, cloned: false });
    expect(statSync(path.join(mirror, "objects")).ino).toBe(objectsBefore);
    const workspace = await openRun("run-warm", "ai/13-log");
    expect(readFileSync(path.join(workspace.dir, "CHANGELOG.md"), "utf8")).toBe("- new\n");
    await workspace.remove();
  });

  it("commits as the app with the run and co-author trailers, pushes the branch, and writes the token nowhere", async () => {
    const workspace = await openRun("run-push", "ai/12-answer");
    writeFileSync(path.join(workspace.dir, "src/index.ts"), "export const answer = 42;\n");
    const sha = await workspace.commit({
      message: "Fix the answer\n\nIt was off by one.",
      author: app,
      coAuthor: asker,
    });
    await workspace.push();

    expect(git(bare, ["rev-parse", "refs/heads/ai/12-answer"]).trim()).toBe(sha);
    const message = git(bare, ["log", "-1", "--format=%B", "ai/12-answer"]);
    expect(message).toContain("Fix the answer\n\nIt was off by one.");
    expect(message).toContain("AI-Dev-Run: run-push");
    expect(message).toContain(`Co-authored-by: ${asker.name} <${asker.email}>`);
    expect(git(bare, ["log", "-1", "--format=%an <%ae>|%cn", "ai/12-answer"]).trim()).toBe(
      `${app.name} <${app.email}>|${app.name}`,
    );
    expect(server.requests.some((r) => r.service === "git-receive-pack" && r.authorized)).toBe(true);

    const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
    for (const needle of [token, basic]) {
      expect(filesHolding(workspaceDir, needle)).toEqual([]);
    }
    expect(readFileSync(path.join(mirrorPath(workspaceDir, "acme/widgets"), "config"), "utf8")).not.toContain(
      "url",
    );
    await workspace.remove();
  });

  it("removes the worktree and its local branch when the run ends", async () => {
    const workspace = await openRun("run-remove", "ai/14-x");
    expect(existsSync(workspace.dir)).toBe(true);
    await workspace.remove();
    expect(existsSync(workspace.dir)).toBe(false);
    const mirror = mirrorPath(workspaceDir, "acme/widgets");
    expect(git(mirror, ["worktree", "list"])).not.toContain("run-remove");
    expect(git(mirror, ["branch", "--list", "ai/14-x"]).trim()).toBe("");
  });

  it("refuses to push to the default branch", async () => {
    const before = git(bare, ["rev-parse", "main"]).trim();
    const workspace = await openRun("run-main", "main");
    writeFileSync(path.join(workspace.dir, "README.md"), "# pushed to main\n");
    await workspace.commit({ message: "Change main", author: app });
    await expect(workspace.push()).rejects.toThrow(PushRefusedError);
    expect(git(bare, ["rev-parse", "main"]).trim()).toBe(before);
    await workspace.remove();
  });

  it("builds on a branch that already exists and never force-pushes it", async () => {
    pushCommit(bare, "feature/people", { "people.md": "theirs\n" }, "A person's branch");
    const workspace = await openRun("run-theirs", "feature/people");
    expect(workspace.branchExisted).toBe(true);
    expect(readFileSync(path.join(workspace.dir, "people.md"), "utf8")).toBe("theirs\n");
    writeFileSync(path.join(workspace.dir, "people.md"), "theirs\nours\n");
    await workspace.commit({ message: "Add ours", author: app });
    await expect(workspace.push({ force: true })).rejects.toThrow(PushRefusedError);
    await workspace.push();
    expect(git(bare, ["show", "feature/people:people.md"])).toBe("theirs\nours\n");
    await workspace.remove();
  });

  it("lists the pull request's files of a continued branch: earlier commits and this run's", async () => {
    git(bare, ["branch", "ai/5-continue", "main"]);
    pushCommit(bare, "ai/5-continue", { "first.md": "an earlier run\n" }, "WIP: the earlier run");
    const workspace = await openRun("run-continue", "ai/5-continue");
    writeFileSync(path.join(workspace.dir, "second.md"), "this run\n");
    expect(await workspace.changedFiles()).toEqual(["second.md"]);
    await workspace.commit({ message: "The rest", author: app });
    expect((await workspace.branchFiles()).sort()).toEqual(["first.md", "second.md"]);
    await workspace.remove();
  });

  it("refuses to commit a planted token or a blocked path, commits nothing and keeps the files", async () => {
    const workspace = await openRun("run-leak", "ai/15-leak");
    const head = git(workspace.dir, ["rev-parse", "HEAD"]).trim();
    writeFileSync(
      path.join(workspace.dir, "src/config.ts"),
      `export const key = "sk-ant-api03-${"x".repeat(90)}";\n`,
    );
    await expect(workspace.commit({ message: "Leak", author: app })).rejects.toThrow(DiffRefusedError);

    writeFileSync(path.join(workspace.dir, "src/config.ts"), "export const key = process.env.KEY;\n");
    mkdirSync(path.join(workspace.dir, ".github/workflows"), { recursive: true });
    writeFileSync(path.join(workspace.dir, ".github/workflows/ci.yml"), "on: push\n");
    const refused = await workspace.commit({ message: "CI", author: app }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DiffRefusedError);
    expect((refused as DiffRefusedError).message).toContain(".github/workflows/ci.yml");

    const live = "live-webhook-secret-value-123";
    rmSync(path.join(workspace.dir, ".github"), { recursive: true });
    writeFileSync(path.join(workspace.dir, "notes.md"), `secret: ${live}\n`);
    await expect(workspace.commit({ message: "Notes", author: app, liveSecrets: [live] })).rejects.toThrow(
      DiffRefusedError,
    );
    expect(git(workspace.dir, ["rev-parse", "HEAD"]).trim()).toBe(head);
    expect(git(workspace.dir, ["diff", "--cached", "--name-only"]).trim()).toBe("");
    expect(existsSync(path.join(workspace.dir, "notes.md"))).toBe(true);
    await workspace.remove();
  });

  it("shows a sandboxed command neither a blocked file nor the mirror whose history holds it", async () => {
    const planted = "DB_PASSWORD=planted-in-history-7f3a";
    createBareRepository(repos, "acme/leaky.git", { "README.md": "# leaky\n", ".env": `${planted}\n` });
    const workspace = await openWorkspace({
      workspaceDir,
      repository: { ...repository(), fullName: "acme/leaky", cloneUrl: server.repoUrl("acme/leaky.git") },
      runId: "run-sandbox",
      branch: "ai/16-s",
    });
    writeFileSync(path.join(workspace.dir, "README.md"), "# changed\n");
    const mirror = mirrorPath(workspaceDir, "acme/leaky");
    const result = await runSandboxed({
      dir: workspace.dir,
      command: `cat .env; cat .git; git show HEAD:.env; git log -p --all; ls ${mirror}; cat README.md`,
      timeoutMs: 20_000,
      outputCapBytes: 10_000,
      network: "none",
    });
    expect(result.stdout).toBe("# changed\n");
    expect(result.stderr).toContain("not a git repository");
    expect(`${result.stdout}${result.stderr}`).not.toContain("planted-in-history");
    // The app's own git, outside the sandbox, still sees the worktree and its change.
    expect(await workspace.changedFiles()).toEqual(["README.md"]);
    await workspace.remove();
  });

  it("reuses a parked checkout for the next run, with nothing of the previous run left in it", async () => {
    const first = await openRun("run-park-a", "ai/17-a");
    const untouched = statSync(path.join(first.dir, "src/index.ts")).ino;
    writeFileSync(path.join(first.dir, "README.md"), "# changed by run a\n");
    writeFileSync(path.join(first.dir, "leftover.txt"), "from run a\n");
    writeFileSync(path.join(first.dir, ".gitignore"), "ignored/\n");
    mkdirSync(path.join(first.dir, "ignored"));
    writeFileSync(path.join(first.dir, "ignored/cache"), "x");
    await first.remove();
    expect(existsSync(first.dir)).toBe(false);

    const second = await openRun("run-park-b", "ai/18-b");
    expect(statSync(path.join(second.dir, "src/index.ts")).ino).toBe(untouched);
    expect(readFileSync(path.join(second.dir, "README.md"), "utf8")).toBe("# widgets\n");
    for (const gone of ["leftover.txt", ".gitignore", "ignored"])
      expect(existsSync(path.join(second.dir, gone))).toBe(false);
    expect(git(second.dir, ["status", "--porcelain"]).trim()).toBe("");
    expect(git(second.dir, ["rev-parse", "--abbrev-ref", "HEAD"]).trim()).toBe("ai/18-b");
    await second.remove();
  });

  it("parks a checkout by the admin directory it had before the run, whatever the run wrote to .git", async () => {
    const first = await openRun("run-relink-a", "ai/19-a");
    const untouched = statSync(path.join(first.dir, "src/index.ts")).ino;
    const ownLink = readFileSync(path.join(first.dir, ".git"), "utf8");
    const elsewhere = path.join(workspaceDir, "elsewhere.git");
    git(workspaceDir, ["init", "--quiet", "--bare", elsewhere]);
    // Inside the sandbox the worktree's .git file is writable: a run can point it anywhere.
    writeFileSync(path.join(first.dir, ".git"), `gitdir: ${elsewhere}\n`);
    await first.remove();

    const second = await openRun("run-relink-b", "ai/19-b");
    expect(statSync(path.join(second.dir, "src/index.ts")).ino).toBe(untouched);
    const link = readFileSync(path.join(second.dir, ".git"), "utf8");
    const mirror = mirrorPath(workspaceDir, "acme/widgets");
    expect(link).toBe(ownLink);
    expect(link.startsWith(`gitdir: ${path.join(mirror, "worktrees")}/`)).toBe(true);
    expect(git(second.dir, ["rev-parse", "--abbrev-ref", "HEAD"]).trim()).toBe("ai/19-b");
    expect(git(second.dir, ["status", "--porcelain"]).trim()).toBe("");
    await second.remove();
  });

  it("deletes a parked checkout whose admin directory is gone instead of reusing it", async () => {
    const orphan = path.join(workspaceDir, "idle", "acme", "widgets", "died-while-parking");
    mkdirSync(orphan, { recursive: true });
    writeFileSync(path.join(orphan, "left.txt"), "from a process that died\n");
    const workspace = await openRun("run-after-orphan", "ai/21-orphan");
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(path.join(workspace.dir, "left.txt"))).toBe(false);
    await workspace.remove();
  });

  it("resumes a checkpoint on the commit it was taken on after the base moved, and counts only the run's changes", async () => {
    const first = await openRun("run-resume", "ai/20-resume");
    writeFileSync(path.join(first.dir, "src/index.ts"), "export const answer = 42;\n");
    writeFileSync(path.join(first.dir, "notes.md"), "why 42\n");
    const checkpoint = await first.snapshot();
    await first.remove(); // the worker died; another one resumes on a fresh checkout
    pushCommit(bare, "main", { "MOVED.md": "main moved on\n" }, "Someone else's commit meanwhile");

    const resumed = await openRun("run-resume", "ai/20-resume");
    await resumed.restore(checkpoint);
    expect(git(resumed.dir, ["rev-parse", "HEAD"]).trim()).toBe(checkpoint.baseCommit);
    expect(readFileSync(path.join(resumed.dir, "src/index.ts"), "utf8")).toBe("export const answer = 42;\n");
    expect(readFileSync(path.join(resumed.dir, "notes.md"), "utf8")).toBe("why 42\n");
    expect(existsSync(path.join(resumed.dir, "MOVED.md"))).toBe(false);
    // The next checkpoint and the changed files are the run's work, not a revert of main's new commit.
    expect((await resumed.changedFiles()).sort()).toEqual(["notes.md", "src/index.ts"]);
    expect(await resumed.snapshot()).toEqual(checkpoint);
    await resumed.remove();

    // A checkpoint before the first change resumes on its commit too: the conversation read those files.
    const readOnly = await openRun("run-resume", "ai/20-resume");
    await readOnly.restore({ diff: "", baseCommit: checkpoint.baseCommit });
    expect(git(readOnly.dir, ["rev-parse", "HEAD"]).trim()).toBe(checkpoint.baseCommit);
    expect(await readOnly.changedFiles()).toEqual([]);
    await readOnly.remove();
  });

  it("keeps its own git directory when a command rewrites the worktree's .git file", async () => {
    const workspace = await openRun("run-gitfile", "ai/19-g");
    // What a command could do if the sandbox did not cover .git: point it at a repository of its own
    // whose config runs a program.
    const evil = path.join(workspace.dir, "evil");
    git(workspace.dir, ["init", "--quiet", evil]);
    const marker = path.join(root, "fsmonitor-ran");
    git(evil, ["config", "core.fsmonitor", `touch ${marker}; false`]);
    writeFileSync(path.join(workspace.dir, ".git"), `gitdir: ${path.join(evil, ".git")}\n`);
    writeFileSync(path.join(workspace.dir, "src/index.ts"), "export const answer = 43;\n");
    const refused = await workspace.commit({ message: "Change", author: app }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DiffRefusedError);
    expect((refused as DiffRefusedError).message).toContain("evil/.git");
    expect(existsSync(marker)).toBe(false);

    rmSync(evil, { recursive: true, force: true });
    const sha = await workspace.commit({ message: "Change", author: app });
    expect(git(mirrorPath(workspaceDir, "acme/widgets"), ["cat-file", "-t", sha ?? "missing"]).trim()).toBe(
      "commit",
    );
    expect(existsSync(marker)).toBe(false);
    await workspace.remove();
  });
});

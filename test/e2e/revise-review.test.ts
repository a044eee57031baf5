import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeReviewThread, githubFixture } from "../../demo/stand-ins/fake-github.ts";
import { type GitHttpServer, startGitHttpServer } from "../../demo/stand-ins/git-http-server.ts";
import { createBareRepository, git } from "../../demo/stand-ins/git-repos.ts";
import {
  type ScriptedAnthropic,
  startScriptedAnthropic,
} from "../../demo/stand-ins/scripted-anthropic/server.ts";
import { webhookExample } from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { repoRoot } from "../../src/cli/runtime.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";
import { seedAppPullRequest } from "../support/app-pull-request.ts";
import { finishedRun } from "../support/runs.ts";
import { agentTurns } from "../support/scripted-anthropic/agent-turns.ts";

const repository = "Codertocat/Hello-World";
const branch = "ai/7-fix-the-greeting";
const pullNumber = 12;
const reviewId = 80_001;
const gitToken = String(githubFixture("installation-token.json").token);
const sandbox = await checkSandbox();

let app: TestApp | undefined;
let api: ScriptedAnthropic | undefined;
let gitServer: GitHttpServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await app?.stop();
  await api?.close();
  await gitServer?.close();
  app = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A review thread of one comment, as GitHub's GraphQL has it, written a minute before the review. */
function thread(id: number, login: string, file: string, body: string): FakeReviewThread {
  const createdAt = new Date(Date.now() - 60_000).toISOString();
  return {
    id: `PRRT_kw${id}`,
    isResolved: false,
    isOutdated: false,
    path: file,
    line: 1,
    startLine: null,
    comments: [{ databaseId: id, author: { login }, body, createdAt, lastEditedAt: null }],
  };
}

describe.skipIf(!sandbox.ok)("a review requesting changes on the app's pull request, end to end", () => {
  it("gives one commit on the same branch, a reply naming it in each thread, a re-request, and lists what it left alone", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "ai-dev-revise-"));
    dirs.push(root);
    const settings = "commands:\n  test: sh test.sh\n";
    const bare = createBareRepository(root, "Hello-World.git", {
      "greeting.txt": "Hello, wrld\n",
      "farewell.txt": "Bye\n",
      "test.sh": 'grep -q "Hello, world" greeting.txt || exit 1\necho ok\n',
      ".github/ai-dev.yml": settings,
    });
    const mainCommit = git(bare, ["rev-parse", "main"]).trim();
    gitServer = await startGitHttpServer({ root, token: gitToken });
    api = await startScriptedAnthropic();
    const turns = agentTurns("revise");
    api.push(
      turns.edit("greeting.txt", "Hello, world", "Hello, world!"),
      turns.edit("farewell.txt", "Bye", "Goodbye"),
      turns.text(
        "Both review comments are addressed; `sh test.sh` passes.\nT1: The greeting ends with an exclamation mark.\nT2: farewell.txt says Goodbye.",
      ),
    );
    const config = path.join(root, "ai-dev.config.yaml");
    writeFileSync(
      config,
      `system:\n  name: "AI Dev (test)"\n  workspace_dir: ${path.join(root, "workspaces")}\nworkflows:\n  config_dir: ${path.join(repoRoot, "workflows")}\n`,
    );
    app = await startTestApp({
      worker: true,
      env: { AI_DEV_CONFIG: config, ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: "sk-ant-e2e-test-key" },
    });
    const current = app;
    const { github, database } = current;
    github.roles.set("Codertocat", "write");
    github.roles.set("octocat", "write");
    github.repoConfigs.set(repository, settings);
    github.repositories.set(repository, {
      defaultBranch: "main",
      cloneUrl: gitServer.repoUrl("Hello-World.git"),
    });
    // The app opened pull request #12 from that branch.
    const before = await seedAppPullRequest(current, {
      bare,
      repository,
      branch,
      number: pullNumber,
      files: { "greeting.txt": "Hello, world\n" },
    });

    // The review: two inline comments for the app, a third addressed to a colleague, and a thread where
    // two people talk to each other.
    const talk = thread(5004, "Codertocat", "test.sh", "Should this check more?");
    talk.comments.push({
      databaseId: 5005,
      author: { login: "octocat" },
      body: "I think it is fine as it is.",
      createdAt: talk.comments[0]?.createdAt ?? "",
      lastEditedAt: null,
    });
    github.reviewThreads.set(`${repository}#${pullNumber}`, [
      thread(5001, "Codertocat", "greeting.txt", "End the greeting with an exclamation mark."),
      thread(5002, "Codertocat", "farewell.txt", "Say Goodbye rather than Bye."),
      thread(5003, "Codertocat", "greeting.txt", "@hubot does the copy team agree with this wording?"),
      talk,
    ]);
    github.reviews.set(reviewId, {
      review: github.review({ id: reviewId, state: "CHANGES_REQUESTED", body: "Two small things." }),
      comments: [],
    });
    const payload = webhookExample("pull_request_review", "submitted") as {
      review: { id: number; state: string; body: string | null };
      pull_request: { number: number; head: { ref: string } };
      repository: { default_branch: string };
      sender: { login: string };
      installation?: { id: number };
    };
    payload.review = {
      ...payload.review,
      id: reviewId,
      state: "changes_requested",
      body: "Two small things.",
    };
    payload.pull_request.number = pullNumber;
    payload.pull_request.head.ref = branch;
    payload.repository.default_branch = "main";
    payload.sender.login = "Codertocat";
    payload.installation = { id: installationId };
    expect(await current.deliver("pull_request_review", payload)).toBe(200);
    // Its inline comments arrive as deliveries of their own: they join the review's one run.
    for (const id of [5001, 5002, 5003]) {
      const comment = webhookExample("pull_request_review_comment", "created") as {
        comment: { id: number; pull_request_review_id: number; path: string; line: number; body: string };
        pull_request: { number: number; head: { ref: string } };
        repository: { default_branch: string };
        sender: { login: string };
        installation?: { id: number };
      };
      Object.assign(comment.comment, { id, pull_request_review_id: reviewId, path: "greeting.txt", line: 1 });
      comment.comment.body = `comment ${id}`;
      comment.pull_request.number = pullNumber;
      comment.pull_request.head.ref = branch;
      comment.repository.default_branch = "main";
      comment.sender.login = "Codertocat";
      comment.installation = { id: installationId };
      expect(await current.deliver("pull_request_review_comment", comment)).toBe(200);
    }

    const run = await finishedRun(database.db, pullNumber, 120_000);
    expect(run, run.error_message ?? "").toMatchObject({ status: "succeeded", workflow: "revise" });

    // One new commit on the same branch, on top of what was there: no force-push, main untouched.
    const after = git(bare, ["rev-parse", branch]).trim();
    expect(git(bare, ["rev-list", "--parents", "-n", "1", branch]).trim()).toBe(`${after} ${before}`);
    expect(git(bare, ["show", `${branch}:greeting.txt`])).toBe("Hello, world!\n");
    expect(git(bare, ["show", `${branch}:farewell.txt`])).toBe("Goodbye\n");
    expect(git(bare, ["rev-parse", "main"]).trim()).toBe(mainCommit);

    // A reply in each thread it addressed, naming the commit and what changed; none elsewhere.
    const replies = github.replies();
    expect(replies.map((r) => r.commentId)).toEqual([5001, 5002]);
    expect(replies[0]?.body).toContain("The greeting ends with an exclamation mark.");
    expect(replies[1]?.body).toContain("farewell.txt says Goodbye.");
    for (const reply of replies) expect(reply.body).toContain(after);

    // One summary that names what it left alone and why; review asked of the reviewer again.
    const summaries = github.comments().filter((c) => c.body.startsWith("Revised this pull request"));
    expect(summaries).toHaveLength(1);
    const summary = summaries[0]?.body ?? "";
    expect(summary).toContain(after);
    expect(summary).toContain("Not addressed:");
    expect(summary).toContain(
      "- @Codertocat on `greeting.txt` line 1: it is addressed to @hubot, not to the app.",
    );
    expect(summary).toContain(
      "- @Codertocat on `test.sh` line 1: it is a conversation between @Codertocat and @octocat.",
    );
    expect(github.pulls.find((p) => p.number === pullNumber)?.requestedReviewers).toEqual(["Codertocat"]);

    // The model saw the threads meant for it and the review's body, not the colleague's.
    const prompt = JSON.stringify(api.requests[0]?.body);
    expect(prompt).toContain("End the greeting with an exclamation mark.");
    expect(prompt).toContain("Two small things.");
    expect(prompt).not.toContain("copy team");
    expect(prompt).toContain("+Hello, world");
    expect(api.unexpected).toBe(0);
    // One run for the review and its three comment deliveries; nothing resolved on the reviewer's behalf.
    await waitFor(
      async () => {
        const duplicates = await database.db
          .selectFrom("audit_log")
          .select("id")
          .where("action", "=", "trigger.duplicate")
          .execute();
        return duplicates.length === 3 ? true : undefined;
      },
      20_000,
      "the comments' deliveries to join the review's run",
    );
    const revisions = await database.db
      .selectFrom("runs")
      .select("id")
      .where("workflow", "=", "revise")
      .execute();
    expect(revisions).toHaveLength(1);
    expect(github.requests.some((r) => JSON.stringify(r.body ?? {}).includes("resolveReviewThread"))).toBe(
      false,
    );
  }, 180_000);
});

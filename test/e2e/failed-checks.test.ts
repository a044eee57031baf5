import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { githubFixture } from "../../demo/stand-ins/fake-github.ts";
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
import { agentTurns } from "../support/scripted-anthropic/agent-turns.ts";

const repository = "Codertocat/Hello-World";
const branch = "ai/7-fix-the-greeting";
const pullNumber = 12;
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

/** GitHub's check_suite.completed example, failed, on the app's pull request and branch. */
function failedSuite(id: number) {
  const payload = webhookExample("check_suite", "completed") as {
    check_suite: {
      id: number;
      conclusion: string;
      head_branch: string;
      pull_requests: { number: number; head: { ref: string } }[];
    };
    repository: { default_branch: string };
    installation?: { id: number };
  };
  payload.check_suite.id = id;
  payload.check_suite.conclusion = "failure";
  payload.check_suite.head_branch = branch;
  const [pull] = payload.check_suite.pull_requests;
  if (!pull) throw new Error("the check_suite example names no pull request");
  pull.number = pullNumber;
  pull.head.ref = branch;
  payload.repository.default_branch = "main";
  payload.installation = { id: installationId };
  return payload;
}

describe.skipIf(!sandbox.ok)("failed checks on the app's pull request, end to end", () => {
  it("revise it with the failures as instructions, twice; the third failure is stopped with a comment", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "ai-dev-checks-"));
    dirs.push(root);
    const settings = "commands:\n  test: sh test.sh\n";
    const bare = createBareRepository(root, "Hello-World.git", {
      "greeting.txt": "Hello, wrld\n",
      "test.sh": 'grep -q "Hello" greeting.txt || exit 1\necho ok\n',
      ".github/ai-dev.yml": settings,
    });
    gitServer = await startGitHttpServer({ root, token: gitToken });
    api = await startScriptedAnthropic();
    const turns = agentTurns("checks");
    api.push(
      turns.edit("greeting.txt", "Hello, world", "Hello, world."),
      turns.text("The greeting ends with a full stop, as the linter asks."),
      turns.edit("greeting.txt", "Hello, world.", "Hello, world!"),
      turns.text("The greeting ends with an exclamation mark."),
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
    github.repoConfigs.set(repository, settings);
    github.repositories.set(repository, {
      defaultBranch: "main",
      cloneUrl: gitServer.repoUrl("Hello-World.git"),
    });
    let head = await seedAppPullRequest(current, {
      bare,
      repository,
      branch,
      number: pullNumber,
      files: { "greeting.txt": "Hello, world\n" },
    });
    // Each suite has one failing check run with an annotation, and one that passed.
    for (const suite of [1, 2, 3]) {
      const failing = 7_000 + suite;
      github.annotations.set(failing, [
        github.annotation({
          path: "greeting.txt",
          line: 1,
          level: "failure",
          message: `suite ${suite}: a greeting must end with punctuation`,
        }),
      ]);
      github.checkRuns.set(9_000 + suite, [
        github.checkRun({
          id: failing,
          name: "lint",
          conclusion: "failure",
          title: "1 problem",
          summary: `greeting.txt breaks the style guide (suite ${suite})`,
        }),
        github.checkRun({
          id: 8_000 + suite,
          name: "build",
          conclusion: "success",
          title: "ok",
          summary: "ok",
        }),
      ]);
    }
    const revisions = () =>
      database.db
        .selectFrom("runs")
        .select(["id", "status", "inputs", "error_message"])
        .where("workflow", "=", "revise")
        .orderBy("created_at")
        .execute();
    const revisionEnded = (count: number) =>
      waitFor(
        async () => {
          const runs = await revisions();
          return runs.length === count && runs.every((r) => r.status === "succeeded" || r.status === "failed")
            ? runs
            : undefined;
        },
        120_000,
        `revision ${count} to end`,
      );

    // A suite that passed, and a failed one on a pull request the app did not open, start nothing.
    const passed = failedSuite(9_100);
    passed.check_suite.conclusion = "success";
    expect(await current.deliver("check_suite", passed)).toBe(200);
    const elsewhere = failedSuite(9_101);
    for (const pull of elsewhere.check_suite.pull_requests) pull.number = 999;
    expect(await current.deliver("check_suite", elsewhere)).toBe(200);

    expect(await current.deliver("check_suite", failedSuite(9_001))).toBe(200);
    const [first] = await revisionEnded(1);
    expect(first, first?.error_message ?? "").toMatchObject({ status: "succeeded" });
    // One revision whose instructions hold the failing check's summary and annotation, not the passing one.
    const instructions = String((first?.inputs as { review_comments?: string } | undefined)?.review_comments);
    expect(instructions).toContain('Check "lint" concluded failure.');
    expect(instructions).toContain("greeting.txt breaks the style guide (suite 1)");
    expect(instructions).toContain(
      "- failure at greeting.txt line 1: suite 1: a greeting must end with punctuation",
    );
    expect(instructions).not.toContain('"build"');
    expect(JSON.stringify(api.requests[0]?.body)).toContain("suite 1: a greeting must end with punctuation");
    const afterFirst = git(bare, ["rev-parse", branch]).trim();
    expect(git(bare, ["rev-list", "--parents", "-n", "1", branch]).trim()).toBe(`${afterFirst} ${head}`);
    head = afterFirst;

    // The checks of the revision's push fail too: a second round, on top of the first.
    expect(await current.deliver("check_suite", failedSuite(9_002))).toBe(200);
    const second = (await revisionEnded(2))[1];
    expect(second, second?.error_message ?? "").toMatchObject({ status: "succeeded" });
    expect(git(bare, ["rev-list", "--parents", "-n", "1", branch]).trim()).toBe(
      `${git(bare, ["rev-parse", branch]).trim()} ${head}`,
    );
    expect(git(bare, ["show", `${branch}:greeting.txt`])).toBe("Hello, world!\n");

    // The third failure meets the round limit: a comment says so, and no run starts.
    expect(await current.deliver("check_suite", failedSuite(9_003))).toBe(200);
    const stopped = await github.waitForComment(
      (body) => body.includes("failed_checks.max_rounds"),
      "the round limit's comment",
    );
    expect(stopped).toContain("already revised this pull request for failed checks 2 times, its limit");
    expect(await revisions()).toHaveLength(2);
    // Nobody asked, so nobody is asked to review again; the model was called for the two revisions only.
    expect(github.pulls.find((p) => p.number === pullNumber)?.requestedReviewers).toEqual([]);
    expect(api.requests).toHaveLength(4);
    expect(api.unexpected).toBe(0);
  }, 240_000);
});

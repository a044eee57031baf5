import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sampleConversation } from "../../demo/sample/conversation.ts";
import {
  labeledPayload,
  sampleIssue,
  sampleRepository,
  sampleSettings,
} from "../../demo/sample/repository.ts";
import { githubFixture } from "../../demo/stand-ins/fake-github.ts";
import { type GitHttpServer, startGitHttpServer } from "../../demo/stand-ins/git-http-server.ts";
import { createBareRepository, git } from "../../demo/stand-ins/git-repos.ts";
import {
  type ScriptedAnthropic,
  startScriptedAnthropic,
} from "../../demo/stand-ins/scripted-anthropic/server.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { repoRoot } from "../../src/cli/runtime.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";

const repository = sampleRepository.fullName;
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

describe.skipIf(!sandbox.ok)("an issue labeled ai-implement, end to end", () => {
  it("views, edits and tests in the sandbox, pushes one branch and opens one pull request", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "ai-dev-e2e-"));
    dirs.push(root);
    const bare = createBareRepository(root, sampleRepository.bareName, sampleRepository.files);
    gitServer = await startGitHttpServer({ root, token: gitToken });
    api = await startScriptedAnthropic();
    api.push(...sampleConversation().map((turn) => turn.step));
    const config = path.join(root, "ai-dev.config.yaml");
    writeFileSync(
      config,
      `system:\n  name: "AI Dev (test)"\n  workspace_dir: ${path.join(root, "workspaces")}\nworkflows:\n  config_dir: ${path.join(repoRoot, "workflows")}\n`,
    );
    app = await startTestApp({
      worker: true,
      env: { AI_DEV_CONFIG: config, ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: "sk-ant-e2e-test-key" },
    });
    app.github.roles.set("Codertocat", "write");
    app.github.repoConfigs.set(repository, sampleSettings);
    app.github.repositories.set(repository, {
      defaultBranch: sampleRepository.defaultBranch,
      cloneUrl: gitServer.repoUrl(sampleRepository.bareName),
    });
    app.github.issueLabels.set(`${repository}#7`, ["ai-implement"]);

    const payload = labeledPayload(sampleIssue, installationId);
    expect(await app.deliver("issues", payload)).toBe(200);

    const current = app;
    const final = await current.github.waitForComment(
      (body) => body.includes("· done") || body.includes("· failed"),
      "the run to end",
      120_000,
    );
    expect(final).toContain("· done");
    // The progress comment shows what the agent did: the file it changed and the command with its exit code.
    expect(final).toContain("- Changed: `greeting.txt`");
    expect(final).toContain("`sh test.sh` → exit 0");
    expect(final).toMatch(/\*\*`develop`\*\*: 4 turns/);
    const pull = current.github.pulls.find((p) => p.repository === repository);
    expect(pull).toBeDefined();
    expect(final).toContain(`/pull/${pull?.number}`);
    expect(pull).toMatchObject({ head: "ai/7-fix-the-typo-in-the-greeting", base: "main", draft: false });
    expect(pull?.title).toBe("Fix the greeting's typo");
    expect(pull?.body).toContain("Closes Codertocat/Hello-World#7");
    expect(pull?.body).toContain("`sh test.sh`: passed");
    expect(pull?.requestedReviewers).toEqual(["Codertocat"]);
    expect(current.github.pulls.filter((p) => p.repository === repository)).toHaveLength(1);

    // The branch holds the agent's change in one commit that names the run and who asked.
    expect(git(bare, ["show", "ai/7-fix-the-typo-in-the-greeting:greeting.txt"])).toBe("Hello, world\n");
    const message = git(bare, ["log", "-1", "--format=%B", "ai/7-fix-the-typo-in-the-greeting"]);
    expect(message).toMatch(/AI-Dev-Run: [0-9a-f-]+/);
    expect(message).toContain("Co-authored-by: Codertocat");
    expect(git(bare, ["rev-parse", "main"]).trim()).toBe(git(bare, ["rev-parse", "main~0"]).trim());
    expect(git(bare, ["show", "main:greeting.txt"])).toBe("Hello, wrld\n");

    // Every turn was paid for in the ledger: four agent turns and the PR description.
    const run = await waitFor(
      async () =>
        current.database.db
          .selectFrom("runs")
          .select(["id", "status"])
          .where("target_number", "=", 7)
          .executeTakeFirst(),
      5_000,
      "the run row",
    );
    const calls = await current.database.db
      .selectFrom("model_calls")
      .select(["step", "cost_micros"])
      .where("run_id", "=", run.id)
      .execute();
    expect(calls.map((c) => c.step).sort()).toEqual([
      "describe_pr",
      "develop",
      "develop",
      "develop",
      "develop",
    ]);
    expect(calls.every((c) => Number(c.cost_micros) > 0)).toBe(true);
    // The model never saw the git token or the API key.
    for (const request of api.requests) {
      expect(request.rawBody).not.toContain(gitToken);
      expect(request.rawBody).not.toContain("sk-ant-e2e-test-key");
    }
    expect(api.unexpected).toBe(0);
  }, 180_000);
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { repoRoot } from "../../src/cli/runtime.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { startTestApp, type TestApp } from "../support/app-harness.ts";
import { waitFor } from "../support/cli.ts";
import { type GitHttpServer, startGitHttpServer } from "../support/git-http-server.ts";
import { createBareRepository, git } from "../support/git-repos.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";
import { type ScriptedAnthropic, startScriptedAnthropic } from "../support/scripted-anthropic/server.ts";
import { webhookExample } from "../support/webhook-examples.ts";

const installationId = 42;
const repository = "Codertocat/Hello-World";
const gitToken = (
  JSON.parse(readFileSync(path.join(repoRoot, "test/fixtures/github/installation-token.json"), "utf8")) as {
    token: string;
  }
).token;
const sandbox = await checkSandbox();

/** A model answer in the recorded shape, with this turn's content. */
let answers = 0;
function answer(content: Record<string, unknown>[], stop: "tool_use" | "end_turn") {
  answers += 1;
  return {
    ...anthropicFixture("messages.tool_use.json"),
    id: `msg_e2e_${String(answers).padStart(4, "0")}`,
    content,
    stop_reason: stop,
  };
}
const toolUse = (id: string, name: string, input: Record<string, unknown>) => ({
  type: "tool_use",
  id,
  name,
  input,
});

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
    const settings = "commands:\n  test: sh test.sh\n";
    const bare = createBareRepository(root, "Hello-World.git", {
      "greeting.txt": "Hello, wrld\n",
      "test.sh":
        'grep -q "Hello, world" greeting.txt || { echo "greeting.txt has a typo"; exit 1; }\necho ok\n',
      ".github/ai-dev.yml": settings,
    });
    gitServer = await startGitHttpServer({ root, token: gitToken });
    api = await startScriptedAnthropic();
    api.push(
      {
        reply: answer(
          [toolUse("toolu_e2e_1", "str_replace_based_edit_tool", { command: "view", path: "greeting.txt" })],
          "tool_use",
        ),
      },
      {
        reply: answer(
          [
            toolUse("toolu_e2e_2", "str_replace_based_edit_tool", {
              command: "str_replace",
              path: "greeting.txt",
              old_str: "wrld",
              new_str: "world",
            }),
          ],
          "tool_use",
        ),
      },
      { reply: answer([toolUse("toolu_e2e_3", "bash", { command: "sh test.sh" })], "tool_use") },
      {
        reply: answer(
          [{ type: "text", text: "Fixed the typo in greeting.txt; `sh test.sh` passes." }],
          "end_turn",
        ),
      },
      {
        reply: answer(
          [
            {
              type: "text",
              text: JSON.stringify({
                title: "Fix the greeting's typo",
                body: "## What\nFixes the typo.\n\n## Why\nThe test failed.",
              }),
            },
          ],
          "end_turn",
        ),
      },
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
    app.github.roles.set("Codertocat", "write");
    app.github.repoConfigs.set(repository, settings);
    app.github.repositories.set(repository, {
      defaultBranch: "main",
      cloneUrl: gitServer.repoUrl("Hello-World.git"),
    });
    app.github.issueLabels.set(`${repository}#7`, ["ai-implement"]);

    const payload = webhookExample("issues", "labeled") as {
      label: { name: string };
      issue: { number: number; title: string; body: string | null };
      repository: { default_branch: string };
      installation?: { id: number };
    };
    payload.label.name = "ai-implement";
    payload.issue.number = 7;
    payload.issue.title = "Fix the typo in the greeting";
    payload.issue.body = "greeting.txt says wrld.";
    payload.repository.default_branch = "main";
    payload.installation = { id: installationId };
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

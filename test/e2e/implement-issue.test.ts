import { afterEach, describe, expect, it } from "vitest";
import { sampleConversation } from "../../demo/sample/conversation.ts";
import { sampleIssue, sampleRepository } from "../../demo/sample/repository.ts";
import { type SampleWorld, simulatedAnthropicKey } from "../../demo/sample-world.ts";
import { git } from "../../demo/stand-ins/git-repos.ts";
import type { BudgetsOverview } from "../../src/ops/budgets-overview.ts";
import type { RunDetail } from "../../src/ops/list-runs.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { endedRun, startE2eWorld } from "../support/e2e-world.ts";

const repository = sampleRepository.fullName;
const sandbox = await checkSandbox();

let world: SampleWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

describe.skipIf(!sandbox.ok)("an issue labeled ai-implement, end to end (the app as a process)", () => {
  it("views, edits and tests in the sandbox, pushes one branch and opens one pull request", async () => {
    world = await startE2eWorld();
    const current = world;
    expect(await current.label(sampleIssue, sampleConversation())).toBe(200);

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
    const bare = current.bare;
    expect(git(bare, ["show", "ai/7-fix-the-typo-in-the-greeting:greeting.txt"])).toBe("Hello, world\n");
    const message = git(bare, ["log", "-1", "--format=%B", "ai/7-fix-the-typo-in-the-greeting"]);
    expect(message).toMatch(/AI-Dev-Run: [0-9a-f-]+/);
    expect(message).toContain("Co-authored-by: Codertocat");
    // Authored as GitHub shows an app's commits: its bot user's login and id-based noreply address.
    const author = git(bare, ["log", "-1", "--format=%an <%ae>", "ai/7-fix-the-typo-in-the-greeting"]);
    expect(author.trim()).toBe(
      `${current.github.appSlug}[bot] <${current.github.appBotUserId}+${current.github.appSlug}[bot]@users.noreply.github.com>`,
    );
    expect(git(bare, ["rev-list", "--count", "main..ai/7-fix-the-typo-in-the-greeting"]).trim()).toBe("1");
    expect(git(bare, ["show", "main:greeting.txt"])).toBe("Hello, wrld\n");

    // Every turn was paid for in the ledger, as the app's API reports it: four agent turns and the PR
    // description, each step's cost adding up to the run's and to the repository's month.
    const run = await endedRun(current, sampleIssue.number);
    expect(run).toMatchObject({ state: "succeeded", pullRequest: pull?.number, error: null });
    expect(message).toContain(`AI-Dev-Run: ${run.id}`);
    const detail = await current.api<RunDetail>(`/runs/${run.id}`);
    const paid = detail.steps.filter((s) => s.costUsdMicros > 0).map((s) => s.name);
    expect(paid.sort()).toEqual(["describe_pr", "develop"]);
    const stepsCost = detail.steps.reduce((sum, s) => sum + s.costUsdMicros, 0);
    expect(stepsCost).toBe(run.costUsdMicros);
    expect(current.model.requests).toHaveLength(5);
    const budgets = await current.api<BudgetsOverview>("/budgets");
    const month = budgets.repositories.find((r) => r.repository === repository);
    expect(month?.spentUsd).toBeCloseTo(run.costUsdMicros / 1e6, 6);
    expect(month?.reservedUsd).toBe(0);

    // The model never saw the git token or the API key.
    for (const request of current.model.requests) {
      expect(request.rawBody).not.toContain(current.gitToken);
      expect(request.rawBody).not.toContain(simulatedAnthropicKey);
    }
    expect(current.model.unexpected).toBe(0);
  }, 180_000);
});

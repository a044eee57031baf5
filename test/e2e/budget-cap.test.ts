import { afterEach, describe, expect, it } from "vitest";
import { sampleIssue, sampleRepository } from "../../demo/sample/repository.ts";
import type { SampleWorld } from "../../demo/sample-world.ts";
import { git } from "../../demo/stand-ins/git-repos.ts";
import type { BudgetsOverview } from "../../src/ops/budgets-overview.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { endedRun, startE2eWorld } from "../support/e2e-world.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";

const sandbox = await checkSandbox();
const cap = "0.70";
/** Output tokens of each answer: a verbose model, $0.08 a turn at claude-sonnet-5-5's $10 per million. */
const verbose = 8_000;

let answers = 0;
function answer(content: Record<string, unknown>[], stop: "tool_use" | "end_turn", outputTokens = verbose) {
  answers += 1;
  const recorded = anthropicFixture("messages.tool_use.json");
  return {
    reply: {
      ...recorded,
      id: `msg_budget_${String(answers).padStart(4, "0")}`,
      content,
      stop_reason: stop,
      usage: { ...(recorded.usage as Record<string, unknown>), output_tokens: outputTokens },
    },
  };
}
const editor = (input: Record<string, unknown>) =>
  answer(
    [{ type: "tool_use", id: `toolu_budget_${answers + 1}`, name: "str_replace_based_edit_tool", input }],
    "tool_use",
  );

let world: SampleWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

describe.skipIf(!sandbox.ok)("a run that reaches its cost cap, end to end (the app as a process)", () => {
  it("stops the agent before the call that would pass the cap, keeps the run within it, and leaves the work so far as a draft", async () => {
    // The run's estimate ($0.64 for the sample task) fits the cap, so it starts; its turns do not.
    world = await startE2eWorld({ config: ["limits:", `  max_cost_per_task: ${cap}`] });
    const current = world;
    const { model, github, bare } = current;
    // The agent fixes the file at once, then keeps reading: each turn costs about $0.08, so the 9th
    // call, which could pass $0.70 with its worst case (max_tokens of output), is refused unsent.
    // The pull request's description is a short answer that fits what is left.
    const description = JSON.stringify({
      title: "Fix the greeting's typo",
      body: "## What\nFixes the typo.",
    });
    model.push(
      editor({ command: "str_replace", path: "greeting.txt", old_str: "wrld", new_str: "world" }),
      ...Array.from({ length: 7 }, () => editor({ command: "view", path: "greeting.txt" })),
      answer([{ type: "text", text: description }], "end_turn", 76),
    );
    expect(await current.label(sampleIssue, [])).toBe(200);

    const final = await github.waitForComment(
      (body) => /· (done|failed|cancelled)/.test(body),
      "the run to end",
      120_000,
    );
    // The progress comment says the budget stopped the agent, which cap, and how to go on.
    expect(final).toContain("**`develop`**: 8 turns");
    expect(final).toMatch(
      /\*\*Incomplete:\*\* `develop` stopped before the work was done \(the budget ran out — Stopped before a model call: it could cost up to \$[\d.]+, and this run's cap \([^)]*\) of \$0\.70 has .* To go on, a user with write access can raise it with `\/approve-budget <amount>`[^)]*\); the pull request is a draft/,
    );
    expect(final).toContain("Comment `/revise continue [notes]` on the pull request");

    // Within the cap: the refused call was never sent, and nothing was asked after it but the description.
    const run = await endedRun(current, sampleIssue.number);
    expect(run.costUsdMicros).toBeLessThanOrEqual(Number(cap) * 1e6);
    expect(model.requests).toHaveLength(9);
    expect(model.requests.every((r) => r.answeredAt !== undefined)).toBe(true);
    expect(model.remaining()).toBe(0);
    expect(model.unexpected).toBe(0);
    const budgets = await current.api<BudgetsOverview>("/budgets");
    const month = budgets.repositories.find((r) => r.repository === sampleRepository.fullName);
    expect(month?.spentUsd).toBeCloseTo(run.costUsdMicros / 1e6, 6);
    expect(month?.reservedUsd).toBe(0);

    // The commit holds the work made before the cap and names the cap and the way out; one push of it,
    // a draft pull request that says it is incomplete.
    const branch = "ai/7-fix-the-typo-in-the-greeting";
    expect(git(bare, ["rev-list", "--count", `main..${branch}`]).trim()).toBe("1");
    expect(git(bare, ["show", `${branch}:greeting.txt`])).toBe("Hello, world\n");
    const message = git(bare, ["log", "-1", "--format=%B", branch]);
    expect(message).toContain(
      "The agent stopped before it finished: the budget ran out — Stopped before a model call",
    );
    expect(message).toContain(`of $${cap} has $`);
    expect(message).toContain(
      "To go on, a user with write access can raise it with `/approve-budget <amount>`",
    );
    const pulls = github.pulls.filter((p) => p.repository === sampleRepository.fullName);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: branch, draft: true });
    // The pull request names the cap and the way on too.
    expect(pulls[0]?.body).toContain(
      "**Incomplete.** The agent stopped before it finished: the budget ran out — Stopped before a model call",
    );
    expect(pulls[0]?.body).toContain(`of $${cap} has $`);
    expect(run).toMatchObject({ state: "succeeded", pullRequest: pulls[0]?.number });
  }, 180_000);
});

import { afterEach, describe, expect, it } from "vitest";
import type { SampleWorld } from "../../demo/sample-world.ts";
import { createBareRepository, git, pushCommit } from "../../demo/stand-ins/git-repos.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { costMicros, priceOf } from "../../src/ai/pricing.ts";
import { builtInPrices } from "../../src/ai/pricing-table.ts";
import type { BudgetsOverview } from "../../src/ops/budgets-overview.ts";
import type { RunDetail } from "../../src/ops/list-runs.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { endedRun, startE2eWorld } from "../support/e2e-world.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";

const repository = "Codertocat/Hello-World";
const branch = "ai/9-fix-the-greeting-and-log-it";
const sandbox = await checkSandbox();

/** A model answer in the recorded shape, with this turn's content. */
function answer(n: number, content: Record<string, unknown>[], stop: "tool_use" | "end_turn") {
  return {
    ...anthropicFixture("messages.tool_use.json"),
    id: `msg_crash_${String(n).padStart(4, "0")}`,
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
const editor = "str_replace_based_edit_tool";
const outputTokens = (anthropicFixture("messages.tool_use.json").usage as { output_tokens: number })
  .output_tokens;

let world: SampleWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

/** The `messages` a recorded request sent: how far into the conversation that call was. */
const messagesOf = (body: Record<string, unknown>) => body.messages as unknown[];

describe.skipIf(!sandbox.ok)("an app process SIGKILLed mid-agent and started again", () => {
  it("resumes from its last checkpoint, asks and pays each turn once, and opens one pull request", async () => {
    world = await startE2eWorld({
      // Passes only when the edit of turn 2 (made before the crash) is in the resumed worktree.
      seed: (root, name) =>
        createBareRepository(root, name, {
          "greeting.txt": "Hello, wrld\n",
          "test.sh":
            'grep -q "Hello, world" greeting.txt || { echo "greeting.txt has a typo"; exit 1; }\ngrep -q typo CHANGES.md || { echo "CHANGES.md is missing"; exit 1; }\necho ok\n',
          ".github/ai-dev.yml": "commands:\n  test: sh test.sh\n",
        }),
      env: {
        // pg-boss's shortest heartbeat: a dead process's run is free to take over seconds after it died.
        AI_DEV_RUN_HEARTBEAT_SECONDS: "10",
        // The new holder waits a heartbeat plus two thirds of this for the old holder's step to stop
        // (src/engine/execute-run.ts): a dead process has nothing to stop, so seconds are enough here.
        AI_DEV_SHUTDOWN_GRACE_SECONDS: "3",
      },
    });
    const current = world;
    const api = current.model;
    api.push(
      {
        reply: answer(
          1,
          [toolUse("toolu_crash_1", editor, { command: "view", path: "greeting.txt" })],
          "tool_use",
        ),
      },
      {
        reply: answer(
          2,
          [
            toolUse("toolu_crash_2", editor, {
              command: "str_replace",
              path: "greeting.txt",
              old_str: "wrld",
              new_str: "world",
            }),
          ],
          "tool_use",
        ),
      },
      // Turn 3 as the first process asks it: never answered; that process is killed while it waits.
      { hang: true },
      {
        reply: answer(
          3,
          [
            toolUse("toolu_crash_3", editor, {
              command: "create",
              path: "CHANGES.md",
              file_text: "- Fixed a typo\n",
            }),
          ],
          "tool_use",
        ),
      },
      { reply: answer(4, [toolUse("toolu_crash_4", "bash", { command: "sh test.sh" })], "tool_use") },
      {
        reply: answer(
          5,
          [{ type: "text", text: "Fixed the greeting and noted it in CHANGES.md." }],
          "end_turn",
        ),
      },
      {
        reply: answer(
          6,
          [
            {
              type: "text",
              text: JSON.stringify({ title: "Fix the greeting", body: "## What\nFixes the typo." }),
            },
          ],
          "end_turn",
        ),
      },
    );
    const issue = {
      number: 9,
      title: "Fix the greeting and log it",
      body: "greeting.txt says wrld; note the fix in CHANGES.md.",
      labeledBy: "Codertocat",
    };
    expect(await current.label(issue, [])).toBe(200);

    // Turn 3 is on the wire: the app is killed as a crash kills it, no shutdown code runs.
    await waitFor(
      async () => (api.requests.length === 3 ? true : undefined),
      90_000,
      "the agent's third turn",
    );
    const firstPid = current.app.pid;
    await current.app.kill();
    // Someone pushes to main while the app is down: the resume goes on from the commit the checkpoint
    // was taken on, and the run's changes stay its own.
    const bare = current.bare;
    const startedOn = git(bare, ["rev-parse", "main"]).trim();
    pushCommit(bare, "main", { "README.md": "# Hello\n" }, "Someone else's commit meanwhile");
    await current.restart();
    expect(current.app.pid).not.toBe(firstPid);

    const run = await endedRun(current, 9, 120_000);
    expect({ state: run.state, error: run.error }).toEqual({ state: "succeeded", error: null });
    const log = current.appLog();
    expect(log).toContain('"msg":"development agent resumed from its checkpoint"');
    expect(log).toContain('"msg":"run succeeded"');

    // The model was asked turns 1 and 2 once; turn 3 twice (the killed ask and the resumed one, with the
    // same conversation: the checkpoint after turn 2); then 4, 5 and the PR description.
    expect(api.requests).toHaveLength(7);
    expect(api.unexpected).toBe(0);
    const agentCalls = api.requests.slice(0, 6).map((r) => messagesOf(r.body).length);
    expect(agentCalls).toEqual([1, 3, 5, 5, 7, 9]);
    expect(api.requests[3]?.body.messages).toEqual(api.requests[2]?.body.messages);
    expect(api.requests[3]?.body.system).toEqual(api.requests[2]?.body.system);

    // The ledger, as the app reports it: the run cost exactly the six answered calls, none paid twice,
    // the call cut off by the kill not at all. Its hold is neither charged nor released by the restart:
    // per the ledger's rules (src/budget/expire.ts) it counts as reserved until it expires.
    const answered = api.requests.filter((r) => r.answeredAt !== undefined);
    expect(answered).toHaveLength(6);
    const expected = answered.reduce((sum, request) => {
      const usage = request.usage;
      if (!usage) throw new Error("the simulated cache reports every answered call's usage");
      const price = priceOf(builtInPrices, String(request.body.model));
      return (
        sum +
        costMicros(price, {
          inputTokens: usage.input_tokens,
          outputTokens,
          cacheWrite5mTokens: usage.cache_creation.ephemeral_5m_input_tokens,
          cacheWrite1hTokens: usage.cache_creation.ephemeral_1h_input_tokens,
          cacheReadTokens: usage.cache_read_input_tokens,
        })
      );
    }, 0);
    expect(run.costUsdMicros).toBe(expected);
    const budgets = await current.api<BudgetsOverview>("/budgets");
    const month = budgets.repositories.find((r) => r.repository === repository);
    expect(month?.spentUsd).toBeCloseTo(expected / 1e6, 6);
    // On the embedded PGlite the kill loses the hold's row (its last commits before the kill are not on
    // disk yet: PGlite does not flush each commit), so the hold is asserted where commits are durable.
    if (process.env.DATABASE_URL) expect(month?.reservedUsd).toBeGreaterThan(0);

    // Only the step that was cut off ran again.
    const detail = await current.api<RunDetail>(`/runs/${run.id}`);
    const succeeded = detail.steps.filter((s) => s.phase === "main" && s.state === "succeeded");
    expect(succeeded.filter((s) => s.attempt !== 1).map((s) => [s.name, s.attempt])).toEqual([
      ["develop", 2],
    ]);

    // One branch with one commit holding both the edit before the crash and the file after it; one PR.
    expect(
      git(bare, ["for-each-ref", "--format=%(refname)", "refs/heads/"]).trim().split("\n").sort(),
    ).toEqual([`refs/heads/${branch}`, "refs/heads/main"]);
    expect(git(bare, ["rev-list", "--count", `main..${branch}`]).trim()).toBe("1");
    expect(git(bare, ["rev-parse", `${branch}~1`]).trim()).toBe(startedOn);
    expect(git(bare, ["diff", "--name-only", startedOn, branch]).trim().split("\n").sort()).toEqual([
      "CHANGES.md",
      "greeting.txt",
    ]);
    expect(git(bare, ["show", `${branch}:greeting.txt`])).toBe("Hello, world\n");
    expect(git(bare, ["show", `${branch}:CHANGES.md`])).toBe("- Fixed a typo\n");
    const pulls = current.github.pulls.filter((p) => p.repository === repository);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: branch, base: "main", draft: false });
    expect(pulls[0]?.body).toContain("`sh test.sh`: passed");
  }, 180_000);
});

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SampleWorld } from "../../demo/sample-world.ts";
import { createBareRepository, git } from "../../demo/stand-ins/git-repos.ts";
import { webhookExample } from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { repoRoot } from "../../src/cli/runtime.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { endedRun, startE2eWorld } from "../support/e2e-world.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";

const installationId = 42;
const repository = "Codertocat/Hello-World";
const branch = "ai/7-mark-a-b-and-c-done";
const sandbox = await checkSandbox();

/** A model answer in the recorded shape, with this turn's content. */
let answers = 0;
function answer(content: Record<string, unknown>[], stop: "tool_use" | "end_turn") {
  answers += 1;
  return {
    ...anthropicFixture("messages.tool_use.json"),
    id: `msg_limit_${String(answers).padStart(4, "0")}`,
    content,
    stop_reason: stop,
  };
}
/** One turn of the scripted agent: it marks one file done. */
const markDone = (file: string) => ({
  reply: answer(
    [
      {
        type: "tool_use",
        id: `toolu_limit_${file.replace(/\W/g, "_")}`,
        name: "str_replace_based_edit_tool",
        input: { command: "str_replace", path: file, old_str: "todo", new_str: "done" },
      },
    ],
    "tool_use",
  ),
});
const text = (words: string) => ({ reply: answer([{ type: "text", text: words }], "end_turn") });
const description = (title: string, body: string) => text(JSON.stringify({ title, body }));

let world: SampleWorld | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await world?.stop();
  world = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!sandbox.ok)("an agent that hits its turn limit, then /revise continue", () => {
  it("leaves a draft with the partial commit and what remains; the continuation finishes it on the same branch and PR", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "ai-dev-limit-"));
    dirs.push(root);
    const settings = "commands:\n  test: sh test.sh\n";
    // The operator's workflows, with the develop step's turn limit lowered to 2: one file a turn needs 3.
    const workflows = path.join(root, "workflows");
    cpSync(path.join(repoRoot, "workflows"), workflows, { recursive: true });
    const implement = path.join(workflows, "implement-issue.yml");
    const shipped = readFileSync(implement, "utf8");
    expect(shipped).toContain("max_turns: 40");
    writeFileSync(implement, shipped.replace("max_turns: 40", "max_turns: 2"));
    world = await startE2eWorld({
      workflowsDir: workflows,
      seed: (repos, name) =>
        createBareRepository(repos, name, {
          "a.txt": "todo\n",
          "b.txt": "todo\n",
          "c.txt": "todo\n",
          "test.sh":
            'for f in a b c; do grep -qx done "$f.txt" || { echo "$f.txt is not done"; exit 1; }; done\necho ok\n',
          ".github/ai-dev.yml": settings,
        }),
    });
    const current = world;
    const { github, model: api, bare, gitToken } = current;
    github.repoConfigs.set(repository, settings);
    const mainCommit = git(bare, ["rev-parse", "main"]).trim();
    api.push(
      markDone("a.txt"),
      markDone("b.txt"),
      // Asked at the limit, with tools refused: what is done and what remains.
      text("Done: a.txt and b.txt say done.\nRemains: c.txt still says todo."),
      description("Mark a and b done", "## What\nMarks a.txt and b.txt done."),
    );
    expect(
      await current.label(
        {
          number: 7,
          title: "Mark a, b and c done",
          body: "a.txt, b.txt and c.txt each say todo; each should say done.",
          labeledBy: "Codertocat",
        },
        [],
      ),
    ).toBe(200);

    const first = await endedRun(current, 7);
    expect(first).toMatchObject({ state: "succeeded" });

    // A draft pull request that says it is incomplete and what remains.
    expect(github.pulls).toHaveLength(1);
    const pull = github.pulls[0];
    expect(pull).toMatchObject({ head: branch, base: "main", draft: true, title: "Mark a and b done" });
    expect(pull?.body).toContain(
      "**Incomplete.** The agent stopped before it finished: it reached its turn limit.",
    );
    expect(pull?.body).toContain(
      "## What remains\n\nDone: a.txt and b.txt say done.\nRemains: c.txt still says todo.",
    );
    expect(pull?.body).toContain("`/revise continue [notes]`");
    expect(pull?.body).toContain("`sh test.sh`: failed");
    // The partial commit: two of the three files, on the branch, one commit above main.
    const partial = git(bare, ["rev-parse", branch]).trim();
    expect(git(bare, ["rev-list", "--parents", "-n", "1", branch]).trim()).toBe(`${partial} ${mainCommit}`);
    expect(git(bare, ["show", `${branch}:a.txt`])).toBe("done\n");
    expect(git(bare, ["show", `${branch}:b.txt`])).toBe("done\n");
    expect(git(bare, ["show", `${branch}:c.txt`])).toBe("todo\n");
    expect(git(bare, ["log", "-1", "--format=%s", branch]).trim()).toBe(
      "WIP: Mark a, b and c done (Codertocat/Hello-World#7)",
    );
    // The wrap-up question went with tools refused, after the two turns the limit allows.
    expect(api.requests[2]?.body.tool_choice).toEqual({ type: "none" });
    // The progress comment says so too, beside the pull request's link.
    const progressOf = (runId: string | undefined) =>
      waitFor(
        async () =>
          github
            .comments()
            .filter((c) => c.body.includes(`run \`${runId}\``))
            .find((c) => c.body.includes("· done"))?.body,
        20_000,
        `the progress comment of run ${runId} to say done`,
      );
    const firstProgress = await progressOf(first?.id);
    expect(firstProgress).toContain(
      "**Incomplete:** `develop` stopped before the work was done (it reached its turn limit)",
    );
    expect(firstProgress).toContain("> Remains: c.txt still says todo.");
    expect(firstProgress).toContain(`Pull request: http://${github.host}/${repository}/pull/${pull?.number}`);

    // `/revise continue` on that pull request, from a write user.
    api.push(
      markDone("c.txt"),
      text("Marked c.txt done; `sh test.sh` passes."),
      description("Mark a, b and c done", "## What\nMarks all three files done."),
    );
    const comment = webhookExample("issue_comment", "created") as {
      comment: { body: string };
      issue: { number: number; title: string; pull_request?: unknown };
      installation?: { id: number };
    };
    comment.comment.body = "/revise continue\nKeep each file to one line.";
    comment.issue.number = pull?.number ?? 0;
    comment.issue.title = pull?.title ?? "";
    comment.installation = { id: installationId };
    // A comment on a pull request: GitHub's issue object then carries the pull request's links.
    const example = webhookExample("pull_request", "opened").pull_request as Record<string, unknown>;
    comment.issue.pull_request = {
      url: example.url,
      html_url: example.html_url,
      diff_url: example.diff_url,
      patch_url: example.patch_url,
      merged_at: null,
    };
    expect(await current.deliver("issue_comment", comment)).toBe(200);

    // The continuation is a run of the pull request, where it was asked for.
    const second = await endedRun(current, pull?.number ?? 0);
    expect(second).toMatchObject({ state: "succeeded" });
    const answered = github.comments().find((c) => c.body.startsWith("Continuing the unfinished work"));
    expect(answered?.body).toContain(`of run \`${first?.id}\` on \`${branch}\` (#${pull?.number})`);
    // One more commit on the same branch, on top of the partial one: never a force-push, never a new branch.
    const finalCommit = git(bare, ["rev-parse", branch]).trim();
    expect(git(bare, ["rev-list", "--parents", "-n", "1", branch]).trim()).toBe(`${finalCommit} ${partial}`);
    expect(git(bare, ["rev-list", "--count", `main..${branch}`]).trim()).toBe("2");
    expect(git(bare, ["show", `${branch}:c.txt`])).toBe("done\n");
    expect(git(bare, ["log", "-1", "--format=%s", branch]).trim()).toBe(
      "Mark a, b and c done (Codertocat/Hello-World#7)",
    );
    expect(
      git(bare, ["for-each-ref", "--format=%(refname)", "refs/heads/"]).trim().split("\n").sort(),
    ).toEqual([`refs/heads/${branch}`, "refs/heads/main"]);
    // The same pull request, updated and ready for review; no second one.
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]).toMatchObject({
      number: pull?.number,
      draft: false,
      title: "Mark a, b and c done",
    });
    expect(github.pulls[0]?.body).not.toContain("Incomplete");
    expect(github.pulls[0]?.body).toContain("`sh test.sh`: passed");
    expect(github.pulls[0]?.body).toContain("Closes Codertocat/Hello-World#7");
    expect(github.requests.filter((r) => r.method === "POST" && r.path === "/api/graphql")).toHaveLength(1);
    // The continuing agent got the original task, what remained and the notes, and was told where it is.
    const resumed = api.requests[4]?.rawBody ?? "";
    expect(resumed).toContain("Mark a, b and c done");
    expect(resumed).toContain("a.txt, b.txt and c.txt each say todo");
    expect(resumed).toContain("Remains: c.txt still says todo.");
    expect(resumed).toContain("Keep each file to one line.");
    expect(resumed).toContain(`you are on its branch ${branch}`);
    // Its pull request description covers the whole branch, the partial commit's files included.
    expect(api.requests[6]?.rawBody).toContain(
      JSON.stringify('<untrusted-data source="changed files">\na.txt\nb.txt\nc.txt\n</untrusted-data>').slice(
        1,
        -1,
      ),
    );
    // Its progress comment went on the pull request and ends with the link; the issue was not linked twice.
    const ofSecond = github.comments().filter((c) => c.body.includes(`run \`${second?.id}\``));
    expect(ofSecond[0]).toMatchObject({
      method: "POST",
      path: `/repos/${repository}/issues/${pull?.number}/comments`,
    });
    const secondProgress = await progressOf(second?.id);
    expect(secondProgress).not.toContain("Incomplete");
    expect(secondProgress).toContain(
      `Pull request: http://${github.host}/${repository}/pull/${pull?.number}`,
    );
    const links = github.comments().filter((c) => c.method === "POST" && c.body.startsWith("Pull request:"));
    expect(links).toHaveLength(1);
    expect(api.unexpected).toBe(0);
    for (const request of api.requests) expect(request.rawBody).not.toContain(gitToken);
  }, 240_000);
});

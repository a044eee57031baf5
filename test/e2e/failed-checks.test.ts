import { afterEach, describe, expect, it } from "vitest";
import { sampleConversation } from "../../demo/sample/conversation.ts";
import { sampleIssue } from "../../demo/sample/repository.ts";
import { installationId, type SampleWorld } from "../../demo/sample-world.ts";
import { git } from "../../demo/stand-ins/git-repos.ts";
import { webhookExample } from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { endedRun, type ListedRun, startE2eWorld } from "../support/e2e-world.ts";
import { agentTurns } from "../support/scripted-anthropic/agent-turns.ts";

const branch = "ai/7-fix-the-typo-in-the-greeting";
const sandbox = await checkSandbox();

let world: SampleWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

/** GitHub's check_suite.completed example, failed, on the app's pull request and branch. */
function failedSuite(id: number, pullNumber: number) {
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

describe.skipIf(!sandbox.ok)(
  "failed checks on the app's pull request, end to end (the app as a process)",
  () => {
    it("revise it with the failures as instructions, twice; the third failure is stopped with a comment", async () => {
      world = await startE2eWorld();
      const current = world;
      const { github, model: api, bare } = current;
      // The app opens its pull request the way it does for a user: issue #7 labeled, the sample's run.
      expect(await current.label(sampleIssue, sampleConversation())).toBe(200);
      const opener = await endedRun(current, sampleIssue.number);
      expect(opener.state).toBe("succeeded");
      const pullNumber = opener.pullRequest ?? 0;
      let head = git(bare, ["rev-parse", branch]).trim();
      const asked = api.requests.length;
      const reviewAsks = () =>
        github.requests.filter(
          (r) => r.method === "POST" && r.path.endsWith(`/pulls/${pullNumber}/requested_reviewers`),
        ).length;
      const asksBefore = reviewAsks();
      const turns = agentTurns("checks");
      api.push(
        turns.edit("greeting.txt", "Hello, world", "Hello, world."),
        turns.text("The greeting ends with a full stop, as the linter asks."),
        turns.edit("greeting.txt", "Hello, world.", "Hello, world!"),
        turns.text("The greeting ends with an exclamation mark."),
      );
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
      const revisions = async () =>
        (await current.api<{ runs: ListedRun[] }>("/runs?limit=50")).runs
          .filter((r) => r.workflow === "revise")
          .reverse();
      const revisionEnded = (count: number) =>
        waitFor(
          async () => {
            const runs = await revisions();
            return runs.length === count && runs.every((r) => r.state === "succeeded" || r.state === "failed")
              ? runs
              : undefined;
          },
          120_000,
          `revision ${count} to end`,
          500,
        );

      // A suite that passed, and a failed one on a pull request the app did not open, start nothing.
      const passed = failedSuite(9_100, pullNumber);
      passed.check_suite.conclusion = "success";
      expect(await current.deliver("check_suite", passed)).toBe(200);
      const elsewhere = failedSuite(9_101, pullNumber);
      for (const pull of elsewhere.check_suite.pull_requests) pull.number = 999;
      expect(await current.deliver("check_suite", elsewhere)).toBe(200);

      expect(await current.deliver("check_suite", failedSuite(9_001, pullNumber))).toBe(200);
      const [first] = await revisionEnded(1);
      expect(first, first?.error ?? "").toMatchObject({ state: "succeeded" });
      // One revision whose instructions (as the model got them) hold the failing check's summary and
      // annotation, not the passing one.
      const instructions = JSON.parse(JSON.stringify(api.requests[asked]?.body.messages)) as unknown;
      const text = JSON.stringify(instructions);
      expect(text).toContain('Check \\"lint\\" concluded failure.');
      expect(text).toContain("greeting.txt breaks the style guide (suite 1)");
      expect(text).toContain(
        "- failure at greeting.txt line 1: suite 1: a greeting must end with punctuation",
      );
      expect(text).not.toContain('\\"build\\"');
      const afterFirst = git(bare, ["rev-parse", branch]).trim();
      expect(git(bare, ["rev-list", "--parents", "-n", "1", branch]).trim()).toBe(`${afterFirst} ${head}`);
      head = afterFirst;

      // The checks of the revision's push fail too: a second round, on top of the first.
      expect(await current.deliver("check_suite", failedSuite(9_002, pullNumber))).toBe(200);
      const second = (await revisionEnded(2))[1];
      expect(second, second?.error ?? "").toMatchObject({ state: "succeeded" });
      expect(git(bare, ["rev-list", "--parents", "-n", "1", branch]).trim()).toBe(
        `${git(bare, ["rev-parse", branch]).trim()} ${head}`,
      );
      expect(git(bare, ["show", `${branch}:greeting.txt`])).toBe("Hello, world!\n");

      // The third failure meets the round limit: a comment says so, and no run starts.
      expect(await current.deliver("check_suite", failedSuite(9_003, pullNumber))).toBe(200);
      const stopped = await github.waitForComment(
        (body) => body.includes("failed_checks.max_rounds"),
        "the round limit's comment",
      );
      expect(stopped).toContain("already revised this pull request for failed checks 2 times, its limit");
      expect(await revisions()).toHaveLength(2);
      // Nobody asked, so nobody is asked to review again; the model was called for the two revisions only.
      expect(reviewAsks()).toBe(asksBefore);
      expect(api.requests).toHaveLength(asked + 4);
      expect(api.unexpected).toBe(0);
    }, 240_000);
  },
);

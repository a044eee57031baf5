import { afterEach, describe, expect, it } from "vitest";
import { sampleConversation } from "../../demo/sample/conversation.ts";
import { sampleIssue, sampleRepository } from "../../demo/sample/repository.ts";
import { installationId, type SampleWorld } from "../../demo/sample-world.ts";
import type { FakeReviewThread } from "../../demo/stand-ins/fake-github.ts";
import { createBareRepository, git } from "../../demo/stand-ins/git-repos.ts";
import { webhookExample } from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { endedRun, endedRuns, type ListedRun, startE2eWorld } from "../support/e2e-world.ts";
import { agentTurns } from "../support/scripted-anthropic/agent-turns.ts";

const repository = sampleRepository.fullName;
const branch = "ai/7-fix-the-typo-in-the-greeting";
const reviewId = 80_001;
const sandbox = await checkSandbox();

let world: SampleWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
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

describe.skipIf(!sandbox.ok)(
  "a review requesting changes on the app's pull request, end to end (the app as a process)",
  () => {
    it("gives one commit on the same branch, a reply naming it in each thread, a re-request, and lists what it left alone", async () => {
      world = await startE2eWorld({
        seed: (repos, name) =>
          createBareRepository(repos, name, { ...sampleRepository.files, "farewell.txt": "Bye\n" }),
      });
      const current = world;
      const { github, model: api, bare } = current;
      github.roles.set("octocat", "write");
      const mainCommit = git(bare, ["rev-parse", "main"]).trim();
      // The app opens its pull request the way it does for a user: issue #7 labeled, the sample's run.
      expect(await current.label(sampleIssue, sampleConversation())).toBe(200);
      const opener = await endedRun(current, sampleIssue.number);
      expect(opener.state).toBe("succeeded");
      const pullNumber = opener.pullRequest ?? 0;
      const before = git(bare, ["rev-parse", branch]).trim();
      const asked = api.requests.length;
      const turns = agentTurns("revise");
      api.push(
        turns.edit("greeting.txt", "Hello, world", "Hello, world!"),
        turns.edit("farewell.txt", "Bye", "Goodbye"),
        turns.text(
          "Both review comments are addressed; `sh test.sh` passes.\nT1: The greeting ends with an exclamation mark.\nT2: farewell.txt says Goodbye.",
        ),
      );

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
        Object.assign(comment.comment, {
          id,
          pull_request_review_id: reviewId,
          path: "greeting.txt",
          line: 1,
        });
        comment.comment.body = `comment ${id}`;
        comment.pull_request.number = pullNumber;
        comment.pull_request.head.ref = branch;
        comment.repository.default_branch = "main";
        comment.sender.login = "Codertocat";
        comment.installation = { id: installationId };
        expect(await current.deliver("pull_request_review_comment", comment)).toBe(200);
      }

      const [run] = await endedRuns(current, pullNumber, 1);
      expect(run, run?.error ?? "").toMatchObject({ state: "succeeded", workflow: "revise" });

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
      // Asked again: the opening run's request and the revision's.
      const asks = github.requests.filter(
        (r) => r.method === "POST" && r.path.endsWith(`/pulls/${pullNumber}/requested_reviewers`),
      );
      expect(asks.map((r) => r.body)).toEqual([{ reviewers: ["Codertocat"] }, { reviewers: ["Codertocat"] }]);

      // The model saw the threads meant for it and the review's body, not the colleague's.
      const prompt = JSON.stringify(api.requests[asked]?.body);
      expect(prompt).toContain("End the greeting with an exclamation mark.");
      expect(prompt).toContain("Two small things.");
      expect(prompt).not.toContain("copy team");
      expect(prompt).toContain("+Hello, world");
      expect(api.unexpected).toBe(0);
      // One run for the review and its three comment deliveries; nothing resolved on the reviewer's behalf.
      await waitFor(
        async () => {
          const duplicates = current
            .appLog()
            .split("\n")
            .filter(
              (line) => line.includes('"msg":"trigger accepted"') && line.includes('"kind":"already_active"'),
            );
          return duplicates.length === 3 ? true : undefined;
        },
        20_000,
        "the comments' deliveries to join the review's run",
      );
      const { runs } = await current.api<{ runs: ListedRun[] }>("/runs");
      expect(runs.filter((r) => r.workflow === "revise")).toHaveLength(1);
      expect(github.requests.some((r) => JSON.stringify(r.body ?? {}).includes("resolveReviewThread"))).toBe(
        false,
      );
    }, 180_000);
  },
);

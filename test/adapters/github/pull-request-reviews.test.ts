import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { githubPullRequestReviews } from "../../../adapters/github/pull-request-reviews.ts";
import { FakeGitHub, type FakeReviewThread } from "../../../demo/stand-ins/fake-github.ts";

/** The review threads adapter over real HTTP: GraphQL for threads and resolving, REST for the rest. */
const github = new FakeGitHub();
beforeAll(async () => {
  await github.start();
});
afterAll(() => github.stop());

const reviews = () =>
  githubPullRequestReviews(
    new Octokit({
      auth: "ghs_fake_installation_token",
      baseUrl: `http://${github.host}/api/v3`,
      log: { debug() {}, info() {}, warn() {}, error() {} },
    }),
  );
const pull = { repository: "octo/app", number: 12 };
const signal = new AbortController().signal;

function thread(n: number): FakeReviewThread {
  return {
    id: `PRRT_${n}`,
    isResolved: n % 2 === 0,
    isOutdated: false,
    path: `src/${n}.ts`,
    line: n,
    startLine: null,
    comments: [
      {
        databaseId: 1000 + n,
        author: { login: "alice" },
        body: `comment ${n}`,
        createdAt: "2026-12-03T09:00:00Z",
        lastEditedAt: null,
      },
    ],
  };
}

describe("the GitHub pull request reviews adapter", () => {
  it("reads every thread across pages, replies in one, resolves it and asks for review", async () => {
    github.reviewThreads.set(
      "octo/app#12",
      Array.from({ length: 130 }, (_, i) => thread(i + 1)),
    );
    github.pulls.push({
      repository: "octo/app",
      number: 12,
      head: "ai/12-x",
      base: "main",
      title: "X",
      body: "",
      draft: false,
      state: "open",
      requestedReviewers: [],
    });
    const adapter = reviews();
    const threads = await adapter.threads(pull, signal);
    expect(threads).toHaveLength(130);
    expect(threads[129]).toEqual({
      id: "PRRT_130",
      isResolved: true,
      isOutdated: false,
      path: "src/130.ts",
      line: 130,
      startLine: null,
      comments: [
        {
          id: 1130,
          author: "alice",
          body: "comment 130",
          createdAt: "2026-12-03T09:00:00Z",
          lastEditedAt: null,
        },
      ],
    });

    await adapter.reply(pull, 1001, "Changed in abc.", "run-1/revise/reply/1001", signal);
    expect(github.replies()).toEqual([
      {
        repository: "octo/app",
        number: 12,
        commentId: 1001,
        body: "Changed in abc.\n\n<!-- ai-dev:run-1/revise/reply/1001 -->",
      },
    ]);
    const [first] = await adapter.threads(pull, signal);
    expect(first?.comments.map((c) => c.author)).toEqual(["alice", "ai-dev"]);

    await adapter.resolve("PRRT_1", signal);
    expect((await adapter.threads(pull, signal))[0]?.isResolved).toBe(true);
    await expect(adapter.resolve("PRRT_missing", signal)).rejects.toThrow(
      /resolve review thread PRRT_missing/,
    );

    await adapter.requestReview(pull, ["alice"], signal);
    await adapter.requestReview(pull, [], signal);
    expect(github.pulls[0]?.requestedReviewers).toEqual(["alice"]);
    await adapter.comment(pull, "Summary", "run-1/revise/summary", signal);
    await adapter.comment(pull, "Summary", "run-1/revise/summary", signal);
    const summaries = github.comments().filter((c) => c.body.startsWith("Summary"));
    // Posted once: the second call (a retried step) finds the first by its mark.
    expect(summaries).toEqual([
      expect.objectContaining({ method: "POST", body: "Summary\n\n<!-- ai-dev:run-1/revise/summary -->" }),
    ]);
  });
});

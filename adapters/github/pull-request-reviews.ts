import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import { idempotencyMarker } from "../../src/plugins/idempotency-marker.ts";
import type {
  PullRequestRef,
  PullRequestReviews,
  ReviewThread,
} from "../../src/plugins/pull-request-reviews.ts";
import { commentOnce } from "./comment-once.ts";
import { githubCall } from "./github-call.ts";
import { githubGraphql } from "./github-graphql.ts";

// REST has no notion of a thread being resolved or outdated: only GraphQL's reviewThreads says it
// (https://docs.github.com/graphql/reference/objects#pullrequestreviewthread).
const threadsQuery = `query($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id isResolved isOutdated path line startLine
          comments(first: 100) { nodes { databaseId author { login } body createdAt lastEditedAt } }
        }
      }
    }
  }
}`;

const resolveMutation = `mutation($threadId: ID!) {
  resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } }
}`;

const threadsAnswerSchema = z.object({
  repository: z.object({
    pullRequest: z.object({
      reviewThreads: z.object({
        pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
        nodes: z.array(
          z.object({
            id: z.string(),
            isResolved: z.boolean(),
            isOutdated: z.boolean(),
            path: z.string(),
            line: z.int().nullable(),
            startLine: z.int().nullable(),
            comments: z.object({
              nodes: z.array(
                z.object({
                  databaseId: z.int(),
                  author: z.object({ login: z.string() }).nullable(),
                  body: z.string(),
                  createdAt: z.string(),
                  lastEditedAt: z.string().nullable(),
                }),
              ),
            }),
          }),
        ),
      }),
    }),
  }),
});

const maxPages = 10;

/** The pull request review threads, replies and review requests of GitHub, for one installation. */
export function githubPullRequestReviews(octokit: Pick<Octokit, "request">): PullRequestReviews {
  const where = (pull: PullRequestRef) => {
    const [owner = "", repo = ""] = pull.repository.split("/");
    return { owner, repo, pull_number: pull.number };
  };
  return {
    async threads(pull, signal) {
      const { owner, repo } = where(pull);
      const threads: ReviewThread[] = [];
      let after: string | null = null;
      for (let page = 0; page < maxPages; page += 1) {
        const data = await githubGraphql(
          octokit,
          `read the review threads of ${pull.repository}#${pull.number}`,
          threadsQuery,
          { owner, name: repo, number: pull.number, after },
          { signal },
        );
        const connection = threadsAnswerSchema.parse(data).repository.pullRequest.reviewThreads;
        for (const node of connection.nodes) {
          threads.push({
            id: node.id,
            isResolved: node.isResolved,
            isOutdated: node.isOutdated,
            path: node.path,
            line: node.line,
            startLine: node.startLine,
            comments: node.comments.nodes.map((c) => ({
              id: c.databaseId,
              author: c.author?.login ?? null,
              body: c.body,
              createdAt: c.createdAt,
              lastEditedAt: c.lastEditedAt,
            })),
          });
        }
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      return threads;
    },

    async reply(pull, commentId, body, idempotencyKey, signal) {
      await githubCall(`reply to review comment ${commentId} on ${pull.repository}#${pull.number}`, () =>
        octokit.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies", {
          ...where(pull),
          comment_id: commentId,
          body: `${body}\n\n${idempotencyMarker(idempotencyKey)}`,
          request: { signal },
        }),
      );
    },

    async resolve(threadId, signal) {
      await githubGraphql(
        octokit,
        `resolve review thread ${threadId}`,
        resolveMutation,
        { threadId },
        { signal },
      );
    },

    async comment(pull, body, idempotencyKey, signal) {
      const { owner, repo, pull_number } = where(pull);
      await commentOnce(
        octokit,
        { owner, repo, number: pull_number, what: `${pull.repository}#${pull.number}` },
        body,
        idempotencyKey,
        { signal },
      );
    },

    async requestReview(pull, reviewers, signal) {
      if (reviewers.length === 0) return;
      await githubCall(`re-request review on ${pull.repository}#${pull.number}`, () =>
        octokit.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", {
          ...where(pull),
          reviewers: [...reviewers],
          request: { signal },
        }),
      );
    },
  };
}

import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import { UserFacingError } from "../../src/errors.ts";
import type { VersionControlAdapter } from "../../src/plugins/version-control.ts";
import { commentOnce } from "./comment-once.ts";
import { type GithubCallOptions, githubCall, isHttpError, splitRepository } from "./github-call.ts";
import { githubGraphql } from "./github-graphql.ts";

export interface GithubVersionControlOptions extends Omit<GithubCallOptions, "signal"> {
  /** The installation's REST client (Probot's `auth(installationId)`). */
  octokit: Pick<Octokit, "request">;
}

// Only the fields the adapter reads, checked at the edge so a changed answer fails here, by name.
const repositorySchema = z.object({
  full_name: z.string(),
  default_branch: z.string(),
  clone_url: z.string(),
  html_url: z.string(),
  private: z.boolean(),
});
const pullSchema = z.object({
  number: z.int(),
  html_url: z.string(),
  node_id: z.string(),
  draft: z.boolean().optional(),
});
const reviewRequestSchema = z.object({ requested_reviewers: z.array(z.object({ login: z.string() })) });

/** The version_control slot on GitHub, through one installation's Octokit. */
export function githubVersionControl(options: GithubVersionControlOptions): VersionControlAdapter {
  const { octokit } = options;
  const call = <T>(what: string, signal: AbortSignal, send: () => Promise<T>) =>
    githubCall(what, send, { ...options, signal });

  async function openPullFor(owner: string, repo: string, head: string, signal: AbortSignal) {
    const response = await call(`find the open pull request for ${head} on ${owner}/${repo}`, signal, () =>
      octokit.request("GET /repos/{owner}/{repo}/pulls", {
        owner,
        repo,
        head: `${owner}:${head}`,
        state: "open",
        per_page: 1,
        request: { signal },
      }),
    );
    const [open] = z.array(pullSchema).parse(response.data);
    return open;
  }

  return {
    async get_repository({ repository }, ctx) {
      const { owner, repo } = splitRepository(repository);
      const response = await call(`read the repository ${repository}`, ctx.signal, () =>
        octokit.request("GET /repos/{owner}/{repo}", { owner, repo, request: { signal: ctx.signal } }),
      );
      const data = repositorySchema.parse(response.data);
      return {
        repository: data.full_name,
        default_branch: data.default_branch,
        clone_url: data.clone_url,
        url: data.html_url,
        private: data.private,
      };
    },

    async open_pull_request(input, ctx) {
      const { owner, repo } = splitRepository(input.repository);
      const { signal } = ctx;
      const existing = await openPullFor(owner, repo, input.head, signal);
      if (existing) {
        // A retried or resumed run reuses its pull request: the newest title and body win.
        await call(`update pull request #${existing.number} on ${input.repository}`, signal, () =>
          octokit.request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", {
            owner,
            repo,
            pull_number: existing.number,
            title: input.title,
            body: input.body,
            request: { signal },
          }),
        );
        // The REST update cannot take a draft out of draft: the work is now complete and its checks
        // pass, so it is marked ready for review (GraphQL). A ready one is never made a draft again.
        if (existing.draft && !input.draft) {
          await githubGraphql(
            octokit,
            `mark pull request #${existing.number} on ${input.repository} ready for review`,
            markReadyForReview,
            { id: existing.node_id },
            { ...options, signal },
          );
        }
        return { number: existing.number, url: existing.html_url, created: false };
      }
      try {
        const response = await call(
          `open a pull request from ${input.head} into ${input.base} on ${input.repository}`,
          signal,
          () =>
            octokit.request("POST /repos/{owner}/{repo}/pulls", {
              owner,
              repo,
              head: input.head,
              base: input.base,
              title: input.title,
              body: input.body,
              draft: input.draft,
              request: { signal },
            }),
        );
        const created = pullSchema.parse(response.data);
        return { number: created.number, url: created.html_url, created: true };
      } catch (error) {
        // Another attempt opened it between our look and our create: GitHub says so with a 422.
        if (isAlreadyExists(error)) {
          const raced = await openPullFor(owner, repo, input.head, signal);
          if (raced) return { number: raced.number, url: raced.html_url, created: false };
        }
        throw error;
      }
    },

    async comment(input, ctx) {
      const { owner, repo } = splitRepository(input.repository);
      const what = `#${input.number} in ${input.repository}`;
      const comment = await commentOnce(
        octokit,
        { owner, repo, number: input.number, what },
        input.body,
        ctx.idempotencyKey,
        {
          ...options,
          signal: ctx.signal,
        },
      );
      return { comment_id: String(comment.id), url: comment.html_url };
    },

    async request_review(input, ctx) {
      const { owner, repo } = splitRepository(input.repository);
      try {
        const response = await call(
          `request a review of #${input.number} in ${input.repository}`,
          ctx.signal,
          () =>
            octokit.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", {
              owner,
              repo,
              pull_number: input.number,
              reviewers: input.reviewers,
              request: { signal: ctx.signal },
            }),
        );
        const requested = reviewRequestSchema.parse(response.data).requested_reviewers.map((r) => r.login);
        const wanted = new Set(input.reviewers.map((r) => r.toLowerCase()));
        return {
          requested: requested.filter((login) => wanted.has(login.toLowerCase())),
          not_requested: null,
        };
      } catch (error) {
        // The reviewer is not a collaborator, or is the author: the pull request stands without the request.
        if (error instanceof UserFacingError && error.code === "github_invalid") {
          return { requested: [], not_requested: error.message };
        }
        throw error;
      }
    },

    async delete_branch(input, ctx) {
      const { owner, repo } = splitRepository(input.repository);
      try {
        await call(`delete the branch ${input.branch} of ${input.repository}`, ctx.signal, () =>
          octokit.request("DELETE /repos/{owner}/{repo}/git/refs/{ref}", {
            owner,
            repo,
            ref: `heads/${input.branch}`,
            request: { signal: ctx.signal },
          }),
        );
        return { deleted: true };
      } catch (error) {
        // Already gone is what we wanted: GitHub answers 422 "Reference does not exist" (or 404).
        if (isMissingRef(error)) return { deleted: false };
        throw error;
      }
    },
  };
}

const markReadyForReview = `mutation MarkReady($id: ID!) {
  markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } }
}`;

function causeOf(error: unknown): unknown {
  return error instanceof UserFacingError ? error.cause : error;
}

function isAlreadyExists(error: unknown): boolean {
  const cause = causeOf(error);
  return (
    isHttpError(cause) &&
    cause.status === 422 &&
    /already exists/i.test(JSON.stringify(cause.response?.data ?? ""))
  );
}

function isMissingRef(error: unknown): boolean {
  const cause = causeOf(error);
  if (!isHttpError(cause)) return false;
  if (cause.status === 404) return true;
  return cause.status === 422 && /reference does not exist/i.test(JSON.stringify(cause.response?.data ?? ""));
}

import nock from "nock";
import { describe, expect, it } from "vitest";
import { githubVersionControl } from "../../../adapters/github/version-control.ts";
import { webhookExample } from "../../../demo/stand-ins/webhook-examples.ts";
import { versionControlActions } from "../../../src/plugins/version-control.ts";
import { api, callContext, installationOctokit, recordingSleep } from "./harness.ts";

// GitHub's REST answers for these objects have the shape of the webhook payloads' objects.
const repositoryExample = () => webhookExample("issues", "labeled").repository as Record<string, unknown>;
const pullExample = (number: number) => ({
  ...(webhookExample("pull_request", "opened").pull_request as Record<string, unknown>),
  number,
  html_url: `https://github.com/Codertocat/Hello-World/pull/${number}`,
});

function adapter() {
  const { waits, sleep } = recordingSleep();
  return { waits, vc: githubVersionControl({ octokit: installationOctokit(), sleep }) };
}

const prInput = versionControlActions.open_pull_request.input.parse({
  repository: "Codertocat/Hello-World",
  head: "ai/1-spelling",
  base: "master",
  title: "Fix the spelling in the README",
  body: "Closes #1",
  draft: true,
});

describe("GitHub version control", () => {
  it("reads the default branch and the clone URL exactly as the API returns it", async () => {
    const enterprise = {
      ...repositoryExample(),
      clone_url: "http://127.0.0.1:4010/git/Codertocat/Hello-World.git",
    };
    const scope = nock(api).get("/repos/Codertocat/Hello-World").reply(200, enterprise);
    const result = await adapter().vc.get_repository({ repository: "Codertocat/Hello-World" }, callContext());
    expect(result).toEqual({
      repository: "Codertocat/Hello-World",
      default_branch: "master",
      clone_url: "http://127.0.0.1:4010/git/Codertocat/Hello-World.git",
      url: "https://github.com/Codertocat/Hello-World",
      private: false,
    });
    expect(versionControlActions.get_repository.output.parse(result)).toEqual(result);
    scope.done();
  });

  it("opens a pull request when none is open for the branch", async () => {
    const scope = nock(api)
      .get("/repos/Codertocat/Hello-World/pulls")
      .query({ head: "Codertocat:ai/1-spelling", state: "open", per_page: "1" })
      .reply(200, [])
      .post("/repos/Codertocat/Hello-World/pulls", {
        head: "ai/1-spelling",
        base: "master",
        title: "Fix the spelling in the README",
        body: "Closes #1",
        draft: true,
      })
      .reply(201, pullExample(7));
    const result = await adapter().vc.open_pull_request(prInput, callContext());
    expect(result).toEqual({
      number: 7,
      url: "https://github.com/Codertocat/Hello-World/pull/7",
      created: true,
    });
    scope.done();
  });

  it("updates the open pull request of the branch instead of opening a second one", async () => {
    const scope = nock(api)
      .get("/repos/Codertocat/Hello-World/pulls")
      .query({ head: "Codertocat:ai/1-spelling", state: "open", per_page: "1" })
      .reply(200, [pullExample(2)])
      .patch("/repos/Codertocat/Hello-World/pulls/2", {
        title: "Fix the spelling in the README",
        body: "Closes #1",
      })
      .reply(200, pullExample(2));
    const result = await adapter().vc.open_pull_request(prInput, callContext());
    expect(result).toEqual({
      number: 2,
      url: "https://github.com/Codertocat/Hello-World/pull/2",
      created: false,
    });
    scope.done();
  });

  it("marks the branch's draft ready for review (GraphQL) once the work is no longer a draft", async () => {
    const draft = { ...pullExample(2), draft: true, node_id: "PR_kwDOABCD1234" };
    const scope = nock(api)
      .get("/repos/Codertocat/Hello-World/pulls")
      .query(true)
      .reply(200, [draft])
      .patch("/repos/Codertocat/Hello-World/pulls/2", { title: prInput.title, body: prInput.body })
      .reply(200, draft)
      .post("/graphql", (body: { query: string; variables: { id: string } }) => {
        expect(body.query).toContain("markPullRequestReadyForReview(input: { pullRequestId: $id })");
        return body.variables.id === "PR_kwDOABCD1234";
      })
      .reply(200, { data: { markPullRequestReadyForReview: { pullRequest: { isDraft: false } } } });
    const result = await adapter().vc.open_pull_request({ ...prInput, draft: false }, callContext());
    expect(result).toEqual({
      number: 2,
      url: "https://github.com/Codertocat/Hello-World/pull/2",
      created: false,
    });
    scope.done();
  });

  it("leaves a draft a draft while the work still is one, and never makes a ready one a draft", async () => {
    const scope = nock(api)
      .get("/repos/Codertocat/Hello-World/pulls")
      .query(true)
      .reply(200, [{ ...pullExample(2), draft: true }])
      .patch("/repos/Codertocat/Hello-World/pulls/2")
      .reply(200, pullExample(2))
      .get("/repos/Codertocat/Hello-World/pulls")
      .query(true)
      .reply(200, [{ ...pullExample(3), draft: false }])
      .patch("/repos/Codertocat/Hello-World/pulls/3")
      .reply(200, pullExample(3));
    await adapter().vc.open_pull_request(prInput, callContext());
    await adapter().vc.open_pull_request(prInput, callContext());
    // No GraphQL call was mocked: nock would have refused one.
    scope.done();
  });

  it("says what GitHub's GraphQL refused, with the permission to grant", async () => {
    const scope = nock(api)
      .get("/repos/Codertocat/Hello-World/pulls")
      .query(true)
      .reply(200, [{ ...pullExample(2), draft: true }])
      .patch("/repos/Codertocat/Hello-World/pulls/2")
      .reply(200, pullExample(2))
      .post("/graphql")
      .reply(200, {
        data: { markPullRequestReadyForReview: null },
        errors: [{ type: "FORBIDDEN", message: "Resource not accessible by integration" }],
      });
    await expect(
      adapter().vc.open_pull_request({ ...prInput, draft: false }, callContext()),
    ).rejects.toMatchObject({
      code: "github_forbidden",
      message: expect.stringMatching(
        /mark pull request #2 on Codertocat\/Hello-World ready for review: GitHub refused \(Resource not accessible by integration\).*pull requests: read & write/,
      ),
    });
    scope.done();
  });

  it("returns the pull request another attempt opened meanwhile when GitHub says one already exists", async () => {
    const scope = nock(api)
      .get("/repos/Codertocat/Hello-World/pulls")
      .query(true)
      .reply(200, [])
      .post("/repos/Codertocat/Hello-World/pulls")
      .reply(422, {
        message: "Validation Failed",
        errors: [
          {
            resource: "PullRequest",
            code: "custom",
            message: "A pull request already exists for Codertocat:ai/1-spelling.",
          },
        ],
        documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
      })
      .get("/repos/Codertocat/Hello-World/pulls")
      .query(true)
      .reply(200, [pullExample(9)]);
    const result = await adapter().vc.open_pull_request(prInput, callContext());
    expect(result).toEqual({
      number: 9,
      url: "https://github.com/Codertocat/Hello-World/pull/9",
      created: false,
    });
    scope.done();
  });

  it("says what failed and why on a 422 it cannot recover from", async () => {
    nock(api)
      .get("/repos/Codertocat/Hello-World/pulls")
      .query(true)
      .reply(200, [])
      .post("/repos/Codertocat/Hello-World/pulls")
      .reply(422, {
        message: "Validation Failed",
        errors: [
          { resource: "PullRequest", code: "custom", message: "No commits between master and ai/1-spelling" },
        ],
      });
    await expect(adapter().vc.open_pull_request(prInput, callContext())).rejects.toMatchObject({
      code: "github_invalid",
      message:
        "open a pull request from ai/1-spelling into master on Codertocat/Hello-World: GitHub refused the request (422 Validation Failed: No commits between master and ai/1-spelling)",
    });
  });

  it("names the missing permission on a 403", async () => {
    nock(api)
      .get("/repos/Codertocat/Hello-World/pulls")
      .query(true)
      .reply(200, [])
      .post("/repos/Codertocat/Hello-World/pulls")
      .reply(
        403,
        {
          message: "Resource not accessible by integration",
          documentation_url: "https://docs.github.com/rest",
        },
        { "x-accepted-github-permissions": "pull_requests=write" },
      );
    await expect(adapter().vc.open_pull_request(prInput, callContext())).rejects.toMatchObject({
      code: "github_forbidden",
      message:
        "open a pull request from ai/1-spelling into master on Codertocat/Hello-World: GitHub refused (403 Resource not accessible by integration): the app lacks a permission (it needs pull_requests=write); grant it in the GitHub App's settings (contents, issues and pull requests: read & write) and accept the new permissions on the installation",
    });
  });

  it("says a 404 means a missing repository or an app not installed on it", async () => {
    nock(api).get("/repos/Codertocat/Gone").reply(404, { message: "Not Found" });
    await expect(
      adapter().vc.get_repository({ repository: "Codertocat/Gone" }, callContext()),
    ).rejects.toMatchObject({
      code: "github_not_found",
      message:
        "read the repository Codertocat/Gone: GitHub answered 404 Not Found: the repository, issue, pull request or branch does not exist, or the app is not installed on that repository",
    });
  });

  it("waits as long as a secondary rate limit's retry-after says, then sends again", async () => {
    const body = "Working on it\n\n<!-- ai-dev:run-1:open-pr -->";
    const scope = nock(api)
      .get("/repos/Codertocat/Hello-World/issues/1/comments")
      .query({ per_page: "100", page: "1" })
      .reply(200, [])
      .post("/repos/Codertocat/Hello-World/issues/1/comments", { body })
      .reply(
        403,
        {
          message:
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        },
        { "retry-after": "7" },
      )
      .post("/repos/Codertocat/Hello-World/issues/1/comments", { body })
      .reply(201, webhookExample("issue_comment", "created").comment as Record<string, unknown>);
    const { vc, waits } = adapter();
    const result = await vc.comment(
      { repository: "Codertocat/Hello-World", number: 1, body: "Working on it" },
      callContext(),
    );
    expect(waits).toEqual([7000]);
    expect(result).toEqual({
      comment_id: "492700400",
      url: "https://github.com/Codertocat/Hello-World/issues/1#issuecomment-492700400",
    });
    scope.done();
  });

  it("waits for a primary rate limit's reset time when no retry-after is given", async () => {
    const now = Date.parse("2026-12-01T12:00:00Z");
    const scope = nock(api)
      .get("/repos/Codertocat/Hello-World")
      .reply(
        403,
        { message: "API rate limit exceeded for installation ID 42." },
        { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 30) },
      )
      .get("/repos/Codertocat/Hello-World")
      .reply(200, repositoryExample());
    const { waits, sleep } = recordingSleep();
    const vc = githubVersionControl({ octokit: installationOctokit(), sleep, now: () => now });
    const result = await vc.get_repository({ repository: "Codertocat/Hello-World" }, callContext());
    expect(result.default_branch).toBe("master");
    expect(waits).toEqual([30_000]);
    scope.done();
  });

  it("gives up with a clear message when the rate limit lasts longer than it may wait", async () => {
    nock(api)
      .get("/repos/Codertocat/Hello-World/issues/1/comments")
      .query(true)
      .reply(200, [])
      .post("/repos/Codertocat/Hello-World/issues/1/comments")
      .reply(429, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "3600" });
    const { vc, waits } = adapter();
    await expect(
      vc.comment({ repository: "Codertocat/Hello-World", number: 1, body: "x" }, callContext()),
    ).rejects.toMatchObject({
      code: "github_rate_limited",
      message:
        "comment on #1 in Codertocat/Hello-World: GitHub's rate limit stopped it (asked to wait 3600 s after 1 tries); the step can be retried once the limit resets",
    });
    expect(waits).toEqual([]);
  });

  it("finds the comment a retried step already posted instead of posting it twice", async () => {
    const earlier = {
      ...(webhookExample("issue_comment", "created").comment as Record<string, unknown>),
      id: 77,
      html_url: "https://github.com/Codertocat/Hello-World/issues/1#issuecomment-77",
      body: "Working on it\n\n<!-- ai-dev:run-1:open-pr -->",
    };
    const others = Array.from({ length: 100 }, (_, i) => ({ ...earlier, id: i + 1, body: `comment ${i}` }));
    const scope = nock(api)
      .get("/repos/Codertocat/Hello-World/issues/1/comments")
      .query({ per_page: "100", page: "1" })
      .reply(200, others)
      .get("/repos/Codertocat/Hello-World/issues/1/comments")
      .query({ per_page: "100", page: "2" })
      .reply(200, [earlier]);
    const result = await adapter().vc.comment(
      { repository: "Codertocat/Hello-World", number: 1, body: "Working on it" },
      callContext(),
    );
    expect(result).toEqual({
      comment_id: "77",
      url: "https://github.com/Codertocat/Hello-World/issues/1#issuecomment-77",
    });
    scope.done();
  });

  it("requests a review, and reports a reviewer who cannot be asked without failing", async () => {
    const reviewed = webhookExample("pull_request", "review_requested").pull_request as Record<
      string,
      unknown
    >;
    const scope = nock(api)
      .post("/repos/Codertocat/Hello-World/pulls/2/requested_reviewers", { reviewers: ["octocat"] })
      .reply(201, reviewed)
      .post("/repos/Codertocat/Hello-World/pulls/2/requested_reviewers", { reviewers: ["outsider"] })
      .reply(422, {
        message:
          "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the Codertocat/Hello-World repository.",
      });
    const { vc } = adapter();
    const ok = await vc.request_review(
      { repository: "Codertocat/Hello-World", number: 2, reviewers: ["octocat"] },
      callContext(),
    );
    expect(ok).toEqual({ requested: ["octocat"], not_requested: null });
    const refused = await vc.request_review(
      { repository: "Codertocat/Hello-World", number: 2, reviewers: ["outsider"] },
      callContext(),
    );
    expect(refused.requested).toEqual([]);
    expect(refused.not_requested).toMatch(
      /^request a review of #2 in Codertocat\/Hello-World: GitHub refused the request \(422 Reviews may only be requested from collaborators/,
    );
    scope.done();
  });

  it("deletes a branch, and counts a branch that is already gone as done", async () => {
    const scope = nock(api)
      .delete("/repos/Codertocat/Hello-World/git/refs/heads%2Fai%2F1-spelling")
      .reply(204)
      .delete("/repos/Codertocat/Hello-World/git/refs/heads%2Fai%2F1-spelling")
      .reply(422, {
        message: "Reference does not exist",
        documentation_url: "https://docs.github.com/rest/git/refs#delete-a-reference",
      });
    const { vc } = adapter();
    const input = { repository: "Codertocat/Hello-World", branch: "ai/1-spelling" };
    expect(await vc.delete_branch(input, callContext())).toEqual({ deleted: true });
    expect(await vc.delete_branch(input, callContext())).toEqual({ deleted: false });
    scope.done();
  });
});

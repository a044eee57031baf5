import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { githubAdapters } from "../../../adapters/github/index.ts";
import { FakeGitHub } from "../../../demo/stand-ins/fake-github.ts";
import { callContext } from "./harness.ts";

/**
 * The adapters over real HTTP against the stateful fake GitHub the end-to-end tests and the demo use:
 * a retried run finds its pull request instead of opening a second one.
 */
const github = new FakeGitHub();
beforeAll(async () => {
  await github.start();
  github.repositories.set("octo/app", {
    defaultBranch: "main",
    cloneUrl: `http://${github.host}/git/octo/app.git`,
  });
  github.issueLabels.set("octo/app#12", ["ai-implement"]);
});
afterAll(() => github.stop());

const adapters = () =>
  githubAdapters({
    octokit: new Octokit({
      auth: "ghs_fake_installation_token",
      baseUrl: `http://${github.host}/api/v3`,
      log: { debug() {}, info() {}, warn() {}, error() {} },
    }),
  });

describe("GitHub adapters against the fake GitHub", () => {
  it("reads the repository, opens one pull request per branch, requests a review and moves the issue's label", async () => {
    const { version_control: vc, task_management: tasks } = adapters();
    const repo = await vc.get_repository({ repository: "octo/app" }, callContext());
    expect(repo).toMatchObject({
      default_branch: "main",
      clone_url: `http://${github.host}/git/octo/app.git`,
    });

    const input = {
      repository: "octo/app",
      head: "ai/12-fix",
      base: repo.default_branch,
      title: "Fix it",
      body: "Closes #12",
      draft: false,
    };
    const first = await vc.open_pull_request(input, callContext());
    expect(first).toMatchObject({
      created: true,
      url: `http://${github.host}/octo/app/pull/${first.number}`,
    });
    const again = await vc.open_pull_request({ ...input, body: "Closes #12\n\nUpdated" }, callContext());
    expect(again).toEqual({ ...first, created: false });
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]?.body).toBe("Closes #12\n\nUpdated");

    const review = await vc.request_review(
      { repository: "octo/app", number: first.number, reviewers: ["octocat"] },
      callContext(),
    );
    expect(review).toEqual({ requested: ["octocat"], not_requested: null });

    await tasks.update_status({ task_key: "octo/app#12", status: "in_progress" }, callContext());
    await tasks.update_status({ task_key: "octo/app#12", status: "in_review" }, callContext());
    expect(github.issueLabels.get("octo/app#12")).toEqual(["ai-implement", "ai-in-review"]);

    const ctx = callContext();
    const posted = await tasks.add_comment({ task_key: "octo/app#12", body: "Pull request opened" }, ctx);
    expect(await tasks.add_comment({ task_key: "octo/app#12", body: "Pull request opened" }, ctx)).toEqual(
      posted,
    );
    expect(github.comments().filter((c) => c.path === "/repos/octo/app/issues/12/comments")).toHaveLength(1);

    expect(await vc.delete_branch({ repository: "octo/app", branch: "ai/12-fix" }, callContext())).toEqual({
      deleted: true,
    });
  });

  it("opens a draft, and makes that same pull request ready for review when the work is done", async () => {
    const vc = adapters().version_control;
    const input = { repository: "octo/app", head: "ai/13-part", base: "main", title: "Part", body: "WIP" };
    const draft = await vc.open_pull_request({ ...input, draft: true }, callContext());
    expect(github.pulls.find((p) => p.number === draft.number)).toMatchObject({ draft: true });
    const ready = await vc.open_pull_request({ ...input, body: "Done", draft: false }, callContext());
    expect(ready).toEqual({ ...draft, created: false });
    expect(github.pulls.find((p) => p.number === draft.number)).toMatchObject({ draft: false, body: "Done" });
    // Through Enterprise Server's GraphQL endpoint, beside its REST API under /api/v3.
    expect(github.requests.filter((r) => r.path === "/api/graphql")).toHaveLength(1);
    expect(await vc.delete_branch({ repository: "octo/app", branch: "ai/12-fix" }, callContext())).toEqual({
      deleted: false,
    });
  });
});

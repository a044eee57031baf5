import nock from "nock";
import { describe, expect, it } from "vitest";
import { githubConfigSchema } from "../../../adapters/github/config.ts";
import { githubAdapters } from "../../../adapters/github/index.ts";
import { webhookExample } from "../../../demo/stand-ins/webhook-examples.ts";
import { type Task, taskManagementActions } from "../../../src/plugins/task-management.ts";
import { api, callContext, installationOctokit } from "./harness.ts";

const issueExample = (labels: string[] = ["bug"]) => {
  const issue = webhookExample("issues", "labeled").issue as Record<string, unknown> & {
    labels: Record<string, unknown>[];
  };
  const template = issue.labels[0] ?? {};
  return { ...issue, labels: labels.map((name) => ({ ...template, name })) };
};
const commentExample = () => webhookExample("issue_comment", "created").comment as Record<string, unknown>;

function adapter(options: { snapshot?: Task; statusLabels?: Record<string, string | null> } = {}) {
  return githubAdapters({
    octokit: installationOctokit(),
    settings: githubConfigSchema.parse({ status_labels: options.statusLabels ?? {} }),
    ...(options.snapshot ? { snapshot: options.snapshot } : {}),
  }).task_management;
}

describe("GitHub issues as tasks", () => {
  it("reads an issue as a task", async () => {
    const scope = nock(api).get("/repos/Codertocat/Hello-World/issues/1").reply(200, issueExample());
    const task = await adapter().get_task({ task_key: "Codertocat/Hello-World#1" }, callContext());
    expect(task).toEqual({
      key: "Codertocat/Hello-World#1",
      title: "Spelling error in the README file",
      description: "It looks like you accidently spelled 'commit' with two 't's.",
      status: "open",
      type: "issue",
      url: "https://github.com/Codertocat/Hello-World/issues/1",
      labels: ["bug"],
    });
    expect(taskManagementActions.get_task.output.parse(task)).toEqual(task);
    scope.done();
  });

  it("answers from the run's snapshot for the run's own issue, asking GitHub nothing", async () => {
    const snapshot: Task = {
      key: "Codertocat/Hello-World#1",
      title: "As labeled",
      description: "the body when the label was added",
      status: "open",
      type: "issue",
      url: "https://github.com/Codertocat/Hello-World/issues/1",
      labels: ["ai-implement"],
    };
    // nock refuses every request: a call to GitHub would fail the test.
    const task = await adapter({ snapshot }).get_task(
      { task_key: "Codertocat/Hello-World#1" },
      callContext(),
    );
    expect(task).toEqual(snapshot);
  });

  it("refuses a key that is not owner/repo#number with the form it expects", async () => {
    await expect(adapter().get_task({ task_key: "PROJ-12" }, callContext())).rejects.toMatchObject({
      code: "invalid_task_key",
      message: '"PROJ-12" is not a GitHub issue key: write it as owner/repo#12',
    });
  });

  it("moves the status label: removes the other status labels and adds the configured one", async () => {
    const scope = nock(api)
      .get("/repos/Codertocat/Hello-World/issues/1")
      .reply(200, issueExample(["bug", "ai-in-progress"]))
      .delete("/repos/Codertocat/Hello-World/issues/1/labels/ai-in-progress")
      .reply(200, [])
      .post("/repos/Codertocat/Hello-World/issues/1/labels", { labels: ["needs review"] })
      .reply(200, issueExample(["bug", "needs review"]).labels);
    const result = await adapter({ statusLabels: { in_review: "needs review" } }).update_status(
      { task_key: "Codertocat/Hello-World#1", status: "in_review" },
      callContext(),
    );
    expect(result).toEqual({ task_key: "Codertocat/Hello-World#1", status: "in_review" });
    scope.done();
  });

  it("puts no label for a status configured as null, and leaves labels that are not status labels", async () => {
    const scope = nock(api)
      .get("/repos/Codertocat/Hello-World/issues/1")
      .reply(200, issueExample(["bug", "ai-in-review"]))
      .delete("/repos/Codertocat/Hello-World/issues/1/labels/ai-in-review")
      .reply(404, { message: "Label does not exist" });
    await adapter().update_status({ task_key: "Codertocat/Hello-World#1", status: "done" }, callContext());
    scope.done();
  });

  it("comments on the issue and links the pull request with a mention", async () => {
    const noComments = () =>
      nock(api)
        .get("/repos/Codertocat/Hello-World/issues/1/comments")
        .query({ per_page: "100", page: "1" })
        .reply(200, []);
    const listed = [noComments(), noComments()];
    const scope = nock(api)
      .post("/repos/Codertocat/Hello-World/issues/1/comments", {
        body: "Started\n\n<!-- ai-dev:run-1:open-pr -->",
      })
      .reply(201, commentExample())
      .post("/repos/Codertocat/Hello-World/issues/1/comments", {
        body: "Pull request: Fix the spelling: https://github.com/Codertocat/Hello-World/pull/2\n\n<!-- ai-dev:run-1:open-pr -->",
      })
      .reply(201, commentExample());
    const tasks = adapter();
    const comment = await tasks.add_comment(
      { task_key: "Codertocat/Hello-World#1", body: "Started" },
      callContext(),
    );
    expect(comment).toEqual({
      comment_id: "492700400",
      url: "https://github.com/Codertocat/Hello-World/issues/1#issuecomment-492700400",
    });
    const linked = await tasks.link_pull_request(
      {
        task_key: "Codertocat/Hello-World#1",
        pull_request_url: "https://github.com/Codertocat/Hello-World/pull/2",
        title: "Fix the spelling",
      },
      callContext(),
    );
    expect(linked).toEqual({ linked: true });
    scope.done();
    for (const list of listed) list.done();
  });

  it("opens subtasks as issues that point back at their parent", async () => {
    const scope = nock(api)
      .post("/repos/Codertocat/Hello-World/issues", {
        title: "Split the parser",
        body: "Two files\n\nPart of #1",
      })
      .reply(201, {
        ...issueExample(),
        number: 5,
        html_url: "https://github.com/Codertocat/Hello-World/issues/5",
      });
    const result = await adapter().create_subtasks(
      {
        parent_key: "Codertocat/Hello-World#1",
        subtasks: [{ title: "Split the parser", description: "Two files" }],
      },
      callContext(),
    );
    expect(result).toEqual({
      subtasks: [
        { key: "Codertocat/Hello-World#5", url: "https://github.com/Codertocat/Hello-World/issues/5" },
      ],
    });
    scope.done();
  });

  it("says which issue is missing on a 404", async () => {
    nock(api).get("/repos/Codertocat/Hello-World/issues/404").reply(404, { message: "Not Found" });
    await expect(
      adapter().get_task({ task_key: "Codertocat/Hello-World#404" }, callContext()),
    ).rejects.toMatchObject({
      code: "github_not_found",
      message: expect.stringMatching(
        /^read the issue Codertocat\/Hello-World#404: GitHub answered 404 Not Found/,
      ),
    });
  });
});

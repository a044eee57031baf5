import { readFileSync } from "node:fs";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { idempotentUuid } from "../../../adapters/idempotent-id.ts";
import { linearConfigSchema } from "../../../adapters/linear/config.ts";
import { linearTaskManagement } from "../../../adapters/linear/index.ts";
import { UserFacingError } from "../../../src/errors.ts";
import { callContext, recordingSleep } from "../github/harness.ts";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/linear/${name}`, import.meta.url), "utf8"));

const api = "https://api.linear.app";
const settings = linearConfigSchema.parse({
  connection: { api_key: "lin_api_key_for_tests" },
  team_key: "WEB",
});

interface GraphqlBody {
  query: string;
  variables: Record<string, unknown>;
}

/** Answers one GraphQL operation by name, remembering the variables it was sent. */
function operation(name: string, reply: unknown, seen: GraphqlBody[], status = 200, headers = {}) {
  return nock(api)
    .matchHeader("authorization", "lin_api_key_for_tests")
    .post("/graphql", (body: GraphqlBody) => {
      if (!body.query.includes(`${name}(`)) return false;
      seen.push(body);
      return true;
    })
    .reply(status, reply as nock.Body, headers);
}

describe("Linear task management", () => {
  it("reads an issue by identifier with its state, assignee, labels and comments oldest first", async () => {
    const seen: GraphqlBody[] = [];
    operation("query AiDevIssue", fixture("issue.json"), seen);
    const task = await linearTaskManagement({ settings }).get_task({ task_key: "WEB-44" }, callContext());
    expect(seen.map((b) => b.variables)).toEqual([{ id: "WEB-44" }]);
    expect(task).toMatchObject({
      key: "WEB-44",
      title: expect.stringMatching(/^This is regarding the outage/),
      status: "In Progress",
      url: "https://linear.app/webhooks/issue/WEB-44/this-is-regarding-the-outage-that-we-faced-on-111222-from-2000-to-2200",
      assignee: "satyam",
      labels: expect.arrayContaining(["Improvement"]),
    });
    expect(task.comments?.map((c) => c.body)).toEqual([
      "First seen by the on-call.",
      "Second look: the DNS change at 20:00.",
    ]);
  });

  it("moves an issue to the team's workflow state of the configured name", async () => {
    const seen: GraphqlBody[] = [];
    operation("query AiDevIssueStates", fixture("issue-states.json"), seen);
    operation("mutation AiDevMoveIssue", fixture("issue-update.json"), seen);
    const result = await linearTaskManagement({ settings }).update_status(
      { task_key: "WEB-44", status: "in_review" },
      callContext(),
    );
    expect(result).toEqual({ task_key: "WEB-44", status: "In Review" });
    expect(seen.map((b) => b.variables)).toEqual([
      { id: "WEB-44" },
      { id: "3443a709-f2b5-46f2-a136-a0445fd432be", stateId: "5f4e8f02-2c69-4a35-8b0e-6c1f0a1d9b11" },
    ]);
  });

  it("names the team's states when none has the configured name", async () => {
    operation("query AiDevIssueStates", fixture("issue-states.json"), []);
    const custom = linearConfigSchema.parse({ ...settings, statuses: { done: "Shipped" } });
    const error = await linearTaskManagement({ settings: custom })
      .update_status({ task_key: "WEB-44", status: "done" }, callContext())
      .catch((e) => e);
    expect(error.code).toBe("linear_state_missing");
    expect(error.message).toContain('"In Progress", "In Review", "Done", "Todo"');
  });

  it("comments in Markdown and attaches the pull request by its URL", async () => {
    const seen: GraphqlBody[] = [];
    operation("query AiDevCommentById", fixture("error.not-found.json"), seen);
    operation("mutation AiDevComment", fixture("comment-create.json"), seen);
    operation("mutation AiDevAttachment", fixture("attachment-create.json"), seen);
    const linear = linearTaskManagement({ settings });
    const comment = await linear.add_comment(
      { task_key: "WEB-44", body: "**Done**: cost $0.42\n\n<sub>run `r1` · `/status` for details</sub>" },
      callContext(),
    );
    expect(comment.comment_id).toBe("8e0c2f38-7a57-4d2b-9c1c-1f6a3d0a9e44");
    const pr = "https://github.com/octo-org/shop/pull/12";
    await linear.link_pull_request(
      { task_key: "WEB-44", pull_request_url: pr, title: "Fix the outage" },
      callContext(),
    );
    const id = idempotentUuid("run-1:open-pr");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(seen.map((b) => b.variables)).toEqual([
      { id },
      // GitHub's small-print tags go; Linear would show them as text.
      { input: { id, issueId: "WEB-44", body: "**Done**: cost $0.42\n\nrun `r1` · `/status` for details" } },
      { input: { issueId: "WEB-44", url: pr, title: "Fix the outage" } },
    ]);
  });

  it("creates sub-issues of a parent in the parent's team, and a top-level issue in team_key's team", async () => {
    const seen: GraphqlBody[] = [];
    operation("query AiDevIssueTeam", fixture("issue-team.json"), seen);
    operation("mutation AiDevCreateIssue", fixture("issue-create.json"), seen);
    operation(
      "query AiDevTeamByKey",
      { data: { teams: { nodes: [{ id: "9e383f51-2629-4f19-97ff-451cc2f0a0ad", key: "WEB" }] } } },
      seen,
    );
    operation("mutation AiDevCreateIssue", fixture("issue-create.json"), seen);
    const linear = linearTaskManagement({ settings });
    const sub = await linear.create_subtasks(
      { parent_key: "WEB-44", subtasks: [{ title: "Pay by card", description: "Card only" }] },
      callContext(),
    );
    expect(sub.subtasks).toEqual([
      { key: "WEB-45", url: "https://linear.app/webhooks/issue/WEB-45/pay-by-card" },
    ]);
    await linear.createTask({ title: "Checkout v2", type: "epic" }, callContext());
    expect(seen.map((b) => b.variables)).toEqual([
      { id: "WEB-44" },
      {
        input: {
          teamId: "9e383f51-2629-4f19-97ff-451cc2f0a0ad",
          title: "Pay by card",
          parentId: "WEB-44",
          description: "Card only",
        },
      },
      { key: "WEB" },
      { input: { teamId: "9e383f51-2629-4f19-97ff-451cc2f0a0ad", title: "Checkout v2" } },
    ]);
  });

  it("answers 401 with the API key to check in the configuration file", async () => {
    operation("query AiDevIssue", fixture("error.unauthenticated.json"), [], 401);
    const error = await linearTaskManagement({ settings, configFile: "plugins/linear.config.yaml" })
      .get_task({ task_key: "WEB-44" }, callContext())
      .catch((e) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect(error.code).toBe("linear_unauthorized");
    expect(error.message).toContain("connection.api_key in plugins/linear.config.yaml");
    expect(error.message).not.toContain("lin_api_key_for_tests");
  });

  it("answers an unknown identifier with a not-found error naming it", async () => {
    operation("query AiDevIssue", fixture("error.not-found.json"), [], 200);
    const error = await linearTaskManagement({ settings })
      .get_task({ task_key: "WEB-404" }, callContext())
      .catch((e) => e);
    expect(error.code).toBe("linear_not_found");
    expect(error.message).toContain("WEB-404");
  });

  it("waits out a 429's Retry-After with the injected sleep, then succeeds", async () => {
    const { waits, sleep } = recordingSleep();
    operation("query AiDevIssue", fixture("error.ratelimited.json"), [], 429, { "Retry-After": "3" });
    operation("query AiDevIssue", fixture("issue.json"), []);
    const task = await linearTaskManagement({ settings, sleep }).get_task(
      { task_key: "WEB-44" },
      callContext(),
    );
    expect(task.key).toBe("WEB-44");
    expect(waits).toEqual([3000]);
  });

  it("reads Linear's RATELIMITED GraphQL error on a 400 as a rate limit, waiting a minute when no Retry-After says", async () => {
    const { waits, sleep } = recordingSleep();
    operation("query AiDevIssue", fixture("error.ratelimited.json"), [], 400);
    operation("query AiDevIssue", fixture("issue.json"), []);
    const task = await linearTaskManagement({ settings, sleep }).get_task(
      { task_key: "WEB-44" },
      callContext(),
    );
    expect(task.key).toBe("WEB-44");
    expect(waits).toEqual([60_000]);
  });

  it("finds a retried step's comment by its idempotent id instead of posting it twice", async () => {
    const seen: GraphqlBody[] = [];
    const id = idempotentUuid("run-1:open-pr");
    operation("query AiDevCommentById", { data: { comment: { id, url: "https://linear.app/c/1" } } }, seen);
    const result = await linearTaskManagement({ settings }).add_comment(
      { task_key: "WEB-44", body: "Done" },
      callContext(),
    );
    expect(result).toEqual({ comment_id: id, url: "https://linear.app/c/1" });
    expect(seen).toHaveLength(1);
  });
});

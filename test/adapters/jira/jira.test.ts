import { readFileSync } from "node:fs";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { jiraConfigSchema } from "../../../adapters/jira/config.ts";
import { jiraTaskManagement } from "../../../adapters/jira/index.ts";
import { UserFacingError } from "../../../src/errors.ts";
import { callContext, recordingSleep } from "../github/harness.ts";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/jira/${name}`, import.meta.url), "utf8"));

const site = "https://your-domain.atlassian.net";
const dataCenter = "https://jira.example.com";

const cloudSettings = (extra: Record<string, unknown> = {}) =>
  jiraConfigSchema.parse({
    connection: { url: site, email: "bot@example.com", api_token: "jira-api-token-for-tests" },
    project_key: "KAN",
    custom_fields: { repo_url: "customfield_10042", pr_url: "customfield_10043" },
    ...extra,
  });

const dcSettings = () =>
  jiraConfigSchema.parse({
    connection: { deployment: "data_center", url: dataCenter, personal_access_token: "dc-pat-for-tests" },
    custom_fields: { epic_link: "customfield_10008" },
  });

const basic = `Basic ${Buffer.from("bot@example.com:jira-api-token-for-tests").toString("base64")}`;

describe("Jira task management", () => {
  it("reads a Cloud issue with basic auth: ADF description and comments as text, assignee and repository field", async () => {
    const scope = nock(site)
      .matchHeader("authorization", basic)
      .get("/rest/api/3/issue/KAN-3")
      .query({
        fields: "summary,description,status,assignee,issuetype,labels,comment,project,customfield_10042",
      })
      .reply(200, fixture("issue.cloud.json"));
    const jira = jiraTaskManagement({ settings: cloudSettings() });
    const task = await jira.get_task({ task_key: "KAN-3" }, callContext());
    expect(task).toEqual({
      key: "KAN-3",
      title: "This is test files",
      description: "Main order flow broken",
      status: "To Do",
      type: "Task",
      url: `${site}/browse/KAN-3`,
      labels: [],
      assignee: "Mia Krystof",
      project: "KAN",
      repository: "https://github.com/octo-org/shop",
      comments: [
        {
          author: "Mia Krystof",
          body: expect.stringMatching(/^Lorem ipsum dolor sit amet/),
          created_at: "2021-01-17T12:34:00.000+0000",
        },
      ],
    });
    expect(scope.isDone()).toBe(true);
  });

  it("reads a Data Center issue with a bearer token on API v2, wiki markup converted to Markdown", async () => {
    const scope = nock(dataCenter)
      .matchHeader("authorization", "Bearer dc-pat-for-tests")
      .get("/rest/api/2/issue/KAN-3")
      .query({ fields: "summary,description,status,assignee,issuetype,labels,comment,project" })
      .reply(200, fixture("issue.data-center.json"));
    const jira = jiraTaskManagement({ settings: dcSettings() });
    const task = await jira.get_task({ task_key: "KAN-3" }, callContext());
    expect(task.description).toBe(
      [
        "## Steps",
        "1. Open the **cart**",
        "1. Pay with `card`",
        "",
        "```java",
        "order.pay();",
        "```",
        "See [the log](https://logs.example.com/1).",
      ].join("\n"),
    );
    expect(task.comments).toEqual([
      { author: "Mia Krystof", body: "Fails on *every* order.", created_at: "2021-01-17T12:34:00.000+0000" },
    ]);
    expect(task.repository).toBeNull();
    expect(scope.isDone()).toBe(true);
  });

  it("moves an issue through the transition whose target has the configured status name", async () => {
    const bodies: unknown[] = [];
    const scope = nock(site)
      .get("/rest/api/3/issue/KAN-3")
      .query({ fields: "status" })
      .reply(200, fixture("issue.cloud.json"))
      .get("/rest/api/3/issue/KAN-3/transitions")
      .reply(200, fixture("transitions.json"))
      .post("/rest/api/3/issue/KAN-3/transitions", (body) => {
        bodies.push(body);
        return true;
      })
      .reply(204);
    const jira = jiraTaskManagement({ settings: cloudSettings() });
    const result = await jira.update_status({ task_key: "KAN-3", status: "in_progress" }, callContext());
    expect(result).toEqual({ task_key: "KAN-3", status: "In Progress" });
    expect(bodies).toEqual([{ transition: { id: "2" } }]);
    expect(scope.isDone()).toBe(true);
  });

  it("names the available transitions when none leads to the configured status", async () => {
    nock(site)
      .get("/rest/api/3/issue/KAN-3")
      .query({ fields: "status" })
      .reply(200, fixture("issue.cloud.json"))
      .get("/rest/api/3/issue/KAN-3/transitions")
      .reply(200, fixture("transitions.json"));
    const jira = jiraTaskManagement({ settings: cloudSettings() });
    const error = await jira
      .update_status({ task_key: "KAN-3", status: "in_review" }, callContext())
      .catch((e) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect(error.code).toBe("jira_transition_missing");
    expect(error.message).toContain('"In Review"');
    expect(error.message).toContain('"Close Issue" → In Progress, "QA Review" → Closed');
    expect(error.message).toContain("statuses.in_review");
  });

  it("does not transition an issue already in the target status (a retried step)", async () => {
    const scope = nock(site)
      .get("/rest/api/3/issue/KAN-3")
      .query({ fields: "status" })
      .reply(200, fixture("issue.cloud.json"));
    const jira = jiraTaskManagement({ settings: cloudSettings() });
    const result = await jira.update_status({ task_key: "KAN-3", status: "todo" }, callContext());
    expect(result).toEqual({ task_key: "KAN-3", status: "To Do" });
    expect(scope.isDone()).toBe(true);
  });

  it("comments in ADF on Cloud", async () => {
    const bodies: unknown[] = [];
    nock(site)
      .get("/rest/api/3/issue/KAN-3/comment")
      .query({ expand: "properties", orderBy: "-created", maxResults: "50" })
      .reply(200, fixture("comments.json"))
      .post("/rest/api/3/issue/KAN-3/comment", (body) => {
        bodies.push(body);
        return true;
      })
      .reply(201, fixture("comment.json"));
    const jira = jiraTaskManagement({ settings: cloudSettings() });
    const result = await jira.add_comment(
      {
        task_key: "KAN-3",
        body: "Opened **#12**: see [the PR](https://github.com/octo-org/shop/pull/12)\n\n- cost $0.42",
      },
      callContext(),
    );
    expect(result).toEqual({ comment_id: "10000", url: `${site}/browse/KAN-3?focusedCommentId=10000` });
    expect(bodies).toEqual([
      {
        body: {
          type: "doc",
          version: 1,
          content: [
            {
              type: "paragraph",
              content: [
                { type: "text", text: "Opened " },
                { type: "text", text: "#12", marks: [{ type: "strong" }] },
                { type: "text", text: ": see " },
                {
                  type: "text",
                  text: "the PR",
                  marks: [{ type: "link", attrs: { href: "https://github.com/octo-org/shop/pull/12" } }],
                },
              ],
            },
            {
              type: "bulletList",
              content: [
                {
                  type: "listItem",
                  content: [{ type: "paragraph", content: [{ type: "text", text: "cost $0.42" }] }],
                },
              ],
            },
          ],
        },
        properties: [{ key: "ai-dev.step", value: { key: "run-1:open-pr" } }],
      },
    ]);
  });

  it("finds a retried step's comment by its idempotency property instead of posting it twice", async () => {
    const listed = fixture("comments.json");
    listed.comments[0].properties = [{ key: "ai-dev.step", value: { key: "run-1:open-pr" } }];
    const scope = nock(site).get("/rest/api/3/issue/KAN-3/comment").query(true).reply(200, listed);
    const jira = jiraTaskManagement({ settings: cloudSettings() });
    const result = await jira.add_comment({ task_key: "KAN-3", body: "Done" }, callContext());
    expect(result).toEqual({ comment_id: "10000", url: `${site}/browse/KAN-3?focusedCommentId=10000` });
    expect(scope.isDone()).toBe(true);
  });

  it("comments in wiki markup on Data Center", async () => {
    const bodies: unknown[] = [];
    nock(dataCenter)
      .get("/rest/api/2/issue/KAN-3/comment")
      .query(true)
      .reply(200, { comments: [], maxResults: 50, total: 0, startAt: 0 })
      .post("/rest/api/2/issue/KAN-3/comment", (body) => {
        bodies.push(body);
        return true;
      })
      .reply(201, { ...fixture("comment.json"), body: "Done" });
    const jira = jiraTaskManagement({ settings: dcSettings() });
    await jira.add_comment(
      { task_key: "KAN-3", body: "## Done\n\nSee `main`.\n\n<sub>run `r1` · `/status` for details</sub>" },
      callContext(),
    );
    expect(bodies).toEqual([
      {
        // GitHub's small-print tags go: Jira would show them as text.
        body: "h2. Done\n\nSee {{main}}.\n\nrun {{r1}} · {{/status}} for details",
        properties: [{ key: "ai-dev.step", value: { key: "run-1:open-pr" } }],
      },
    ]);
  });

  it("links a pull request as a remote link keyed by its URL and fills custom_fields.pr_url", async () => {
    const pr = "https://github.com/octo-org/shop/pull/12";
    const bodies: unknown[] = [];
    const record = (body: unknown) => {
      bodies.push(body);
      return true;
    };
    const scope = nock(site)
      .post("/rest/api/3/issue/KAN-3/remotelink", record)
      .reply(201, fixture("remote-link.json"))
      .put("/rest/api/3/issue/KAN-3", record)
      .reply(204);
    const jira = jiraTaskManagement({ settings: cloudSettings() });
    const result = await jira.link_pull_request(
      { task_key: "KAN-3", pull_request_url: pr, title: "Fix the order flow" },
      callContext(),
    );
    expect(result).toEqual({ linked: true });
    expect(bodies).toEqual([
      { globalId: pr, object: { url: pr, title: "Fix the order flow" } },
      { fields: { customfield_10043: pr } },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it("creates an epic, then tasks linked to it with parent, using the mapped issue types", async () => {
    const bodies: unknown[] = [];
    const record = (body: unknown) => {
      bodies.push(body);
      return true;
    };
    const epic = { ...fixture("issue.cloud.json") };
    epic.fields = { ...epic.fields, issuetype: { name: "Initiative" }, project: { key: "ED" } };
    nock(site)
      .post("/rest/api/3/issue", record)
      .reply(201, fixture("created-issue.json"))
      .get("/rest/api/3/issue/ED-24")
      .query({ fields: "issuetype,project" })
      .reply(200, epic)
      .post("/rest/api/3/issue", record)
      .reply(201, { ...fixture("created-issue.json"), id: "10001", key: "ED-25" });
    const jira = jiraTaskManagement({
      settings: cloudSettings({ mappings: { epic_issue_type: "Initiative", task_issue_type: "Story" } }),
    });
    const created = await jira.createTask(
      { title: "Checkout v2", description: "The plan", type: "epic" },
      callContext(),
    );
    expect(created).toEqual({ key: "ED-24", url: `${site}/browse/ED-24` });
    const sub = await jira.create_subtasks(
      { parent_key: "ED-24", subtasks: [{ title: "Pay by card", description: "" }] },
      callContext(),
    );
    expect(sub).toEqual({ subtasks: [{ key: "ED-25", url: `${site}/browse/ED-25` }] });
    expect(bodies).toEqual([
      {
        fields: {
          project: { key: "KAN" },
          summary: "Checkout v2",
          issuetype: { name: "Initiative" },
          description: {
            type: "doc",
            version: 1,
            content: [{ type: "paragraph", content: [{ type: "text", text: "The plan" }] }],
          },
        },
      },
      {
        fields: {
          project: { key: "ED" },
          summary: "Pay by card",
          issuetype: { name: "Story" },
          parent: { key: "ED-24" },
        },
      },
    ]);
  });

  it("links a task to its epic through the Epic Link field on Data Center", async () => {
    const bodies: unknown[] = [];
    nock(dataCenter)
      .post("/rest/api/2/issue", (body) => {
        bodies.push(body);
        return true;
      })
      .reply(201, fixture("created-issue.json"));
    const jira = jiraTaskManagement({ settings: dcSettings() });
    await jira.createTask({ title: "Pay by card", type: "task", parent_key: "ED-1" }, callContext());
    expect(bodies).toEqual([
      {
        fields: {
          project: { key: "ED" },
          summary: "Pay by card",
          issuetype: { name: "Task" },
          customfield_10008: "ED-1",
        },
      },
    ]);
  });

  it("answers 401 with the credentials to check in the configuration file", async () => {
    nock(site)
      .get("/rest/api/3/issue/KAN-3")
      .query(true)
      .reply(401, {
        errorMessages: ["You are not authenticated. Authentication required to perform this operation."],
        errors: {},
      });
    const jira = jiraTaskManagement({ settings: cloudSettings(), configFile: "plugins/jira.config.yaml" });
    const error = await jira.get_task({ task_key: "KAN-3" }, callContext()).catch((e) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect(error.code).toBe("jira_unauthorized");
    expect(error.message).toContain("connection.email and connection.api_token in plugins/jira.config.yaml");
    expect(error.message).not.toContain("jira-api-token-for-tests");
  });

  it("answers 404 naming the key that was not found", async () => {
    nock(site).get("/rest/api/3/issue/KAN-404").query(true).reply(404, fixture("error.not-found.json"));
    const jira = jiraTaskManagement({ settings: cloudSettings() });
    const error = await jira.get_task({ task_key: "KAN-404" }, callContext()).catch((e) => e);
    expect(error.code).toBe("jira_not_found");
    expect(error.message).toContain("KAN-404");
    expect(error.message).toContain("Issue does not exist or you do not have permission to see it.");
  });

  it("waits out a 429's Retry-After with the injected sleep, then succeeds", async () => {
    const { waits, sleep } = recordingSleep();
    nock(site)
      .get("/rest/api/3/issue/KAN-3")
      .query(true)
      .reply(429, { errorMessages: ["Rate limit exceeded."] }, { "Retry-After": "7" })
      .get("/rest/api/3/issue/KAN-3")
      .query(true)
      .reply(200, fixture("issue.cloud.json"));
    const jira = jiraTaskManagement({ settings: cloudSettings(), sleep });
    const task = await jira.get_task({ task_key: "KAN-3" }, callContext());
    expect(task.key).toBe("KAN-3");
    expect(waits).toEqual([7000]);
  });

  it("gives up after a bounded number of 429s with a clear error", async () => {
    const { waits, sleep } = recordingSleep();
    nock(site).get("/rest/api/3/issue/KAN-3").query(true).times(3).reply(429, {}, { "Retry-After": "1" });
    const jira = jiraTaskManagement({ settings: cloudSettings(), sleep, maxRetries: 2 });
    const error = await jira.get_task({ task_key: "KAN-3" }, callContext()).catch((e) => e);
    expect(error.code).toBe("jira_rate_limited");
    expect(waits).toEqual([1000, 1000]);
  });

  it("refuses a Data Center connection without a personal access token, naming the field", () => {
    const result = jiraConfigSchema.safeParse({ connection: { deployment: "data_center", url: dataCenter } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toEqual(["connection.personal_access_token"]);
  });
});

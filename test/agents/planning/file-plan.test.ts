import { readFileSync } from "node:fs";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { jiraConfigSchema } from "../../../adapters/jira/config.ts";
import { jiraTaskManagement } from "../../../adapters/jira/index.ts";
import { linearConfigSchema } from "../../../adapters/linear/config.ts";
import { linearTaskManagement } from "../../../adapters/linear/index.ts";
import { filePlan } from "../../../src/agents/planning/file-plan.ts";
import { type Plan, planSchema } from "../../../src/agents/planning/plan-schema.ts";
import { databasePlanStore } from "../../../src/agents/planning/plan-store.ts";
import { callContext } from "../../adapters/github/harness.ts";
import { openTestDatabase, type TestDatabase } from "../../support/database.ts";

const fixture = (dir: string, name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${dir}/${name}`, import.meta.url), "utf8"));

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});
afterEach(() => {
  nock.cleanAll();
});

const task = (id: string, title: string, extra: Record<string, unknown> = {}) => ({
  id,
  epic: "E1",
  title,
  description: `Do ${title}.`,
  acceptance_criteria: [`${title} works`],
  files: ["src/checkout.ts"],
  size: "S",
  ...extra,
});
const plan = (tasks: Record<string, unknown>[]): Plan =>
  planSchema.parse({
    summary: "Checkout v2.",
    epics: [{ id: "E1", title: "Checkout v2", description: "The new checkout." }],
    tasks,
  });

async function approve(taskKey: string, createTask: Parameters<typeof filePlan>[1]["createTask"]) {
  return await filePlan(taskKey, {
    store: databasePlanStore(database.db),
    createTask,
    runId: "run-approve",
    ctx: callContext(),
  });
}

describe("/plan approve files the draft once", () => {
  it("creates a Jira epic, then its tasks linked to it; a second approve creates nothing", async () => {
    const site = "https://your-domain.atlassian.net";
    const jira = jiraTaskManagement({
      settings: jiraConfigSchema.parse({
        connection: { url: site, email: "bot@example.com", api_token: "jira-api-token-for-tests" },
        project_key: "ED",
      }),
    });
    await databasePlanStore(database.db).saveDraft(
      "ED-1",
      "run-plan",
      plan([task("T1", "Pay by card"), task("T2", "Pay by invoice", { depends_on: ["T1"] })]),
    );
    const bodies: { fields: Record<string, unknown> }[] = [];
    const record = (body: { fields: Record<string, unknown> }) => {
      bodies.push(body);
      return true;
    };
    nock(site)
      .post("/rest/api/3/issue", record)
      .reply(201, fixture("jira", "created-issue.json"))
      .post("/rest/api/3/issue", record)
      .reply(201, { ...fixture("jira", "created-issue.json"), id: "10001", key: "ED-25" })
      .post("/rest/api/3/issue", record)
      .reply(201, { ...fixture("jira", "created-issue.json"), id: "10002", key: "ED-26" });
    const first = await approve("ED-1", jira.create_task);
    expect(first.created_count).toBe(3);
    expect(first.tasks.map((t) => [t.key, t.title])).toEqual([
      ["ED-24", "Checkout v2"],
      ["ED-25", "Pay by card"],
      ["ED-26", "Pay by invoice"],
    ]);
    expect(bodies.map((b) => [b.fields.summary, b.fields.issuetype, b.fields.parent])).toEqual([
      ["Checkout v2", { name: "Epic" }, undefined],
      ["Pay by card", { name: "Task" }, { key: "ED-24" }],
      ["Pay by invoice", { name: "Task" }, { key: "ED-24" }],
    ]);
    expect(JSON.stringify(bodies[1]?.fields.description)).toContain("Pay by card works");

    // Again: every item is known, Jira is not asked (nock would refuse an unexpected request).
    const second = await approve("ED-1", jira.create_task);
    expect(second.created_count).toBe(0);
    expect(second.comment).toMatch(/^Every task of this plan was already created/);
    expect(bodies).toHaveLength(3);
  });

  it("creates a Linear parent issue with its children; a new draft opens only what is new", async () => {
    const linear = linearTaskManagement({
      settings: linearConfigSchema.parse({
        connection: { api_key: "lin_api_key_for_tests" },
        team_key: "WEB",
      }),
    });
    const store = databasePlanStore(database.db);
    await store.saveDraft("WEB-44", "run-plan", plan([task("T1", "Pay by card")]));
    const created: Record<string, unknown>[] = [];
    const linearApi = (name: string, reply: (n: number) => unknown) =>
      nock("https://api.linear.app")
        .post("/graphql", (body: { query: string; variables: Record<string, unknown> }) => {
          if (!body.query.includes(`${name}(`)) return false;
          if (name === "mutation AiDevCreateIssue")
            created.push(body.variables.input as Record<string, unknown>);
          return true;
        })
        .times(3)
        .reply(200, () => reply(created.length));
    const issue = (n: number) => {
      const answer = fixture("linear", "issue-create.json");
      answer.data.issueCreate.issue.identifier = `WEB-${44 + n}`;
      answer.data.issueCreate.issue.url = `https://linear.app/webhooks/issue/WEB-${44 + n}`;
      return answer;
    };
    linearApi("query AiDevTeamByKey", () => ({
      data: { teams: { nodes: [{ id: "9e383f51-2629-4f19-97ff-451cc2f0a0ad", key: "WEB" }] } },
    }));
    linearApi("query AiDevIssueTeam", () => fixture("linear", "issue-team.json"));
    linearApi("mutation AiDevCreateIssue", issue);

    const first = await approve("WEB-44", linear.create_task);
    expect(first.tasks.map((t) => t.key)).toEqual(["WEB-45", "WEB-46"]);
    expect(created.map((c) => [c.title, c.parentId])).toEqual([
      ["Checkout v2", undefined],
      ["Pay by card", "WEB-45"],
    ]);

    // `/plan` with new notes replaced the draft: the kept task and the epic are not opened again.
    await store.saveDraft("WEB-44", "run-plan-2", plan([task("T1", "Pay by card"), task("T2", "Refunds")]));
    const second = await approve("WEB-44", linear.create_task);
    expect(second.created_count).toBe(1);
    expect(created.map((c) => c.title)).toEqual(["Checkout v2", "Pay by card", "Refunds"]);
    expect(created[2]?.parentId).toBe("WEB-45");
    expect(second.comment).toContain("- WEB-46: Pay by card (already created)");
  });

  it("says what to do when there is no draft to approve", async () => {
    const error = await approve("ED-404", async () => ({ key: "never", url: "" })).catch((e) => e);
    expect(error.message).toContain("comment `/plan` first, then `/plan approve`");
  });
});

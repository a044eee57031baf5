import { rmSync } from "node:fs";
import nock from "nock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeLinear } from "../../demo/stand-ins/fake-linear.ts";
import { callApi, writeApiTestConfig } from "../support/api-config.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";
import { fakeJiraIssue, jiraFixture } from "../support/fake-jira.ts";

const operator = "operator-token-0123456789abcdef";
const repository = "Codertocat/Hello-World";
const site = "https://zulipp.atlassian.net";

/** An app whose task_management plugin is `plugin` (YAML lines under it), with a write token. */
async function startApp(prefix: string, plugin: string[], env: Record<string, string>) {
  const { dir, config } = writeApiTestConfig(prefix, 100, [
    "plugins:",
    "  task_management:",
    ...plugin.map((line) => `    ${line}`),
  ]);
  const app = await startTestApp({
    worker: true,
    executeRuns: false,
    apiTokens: [operator],
    env: { AI_DEV_CONFIG: config, ...env },
  });
  app.github.installations.set(repository, installationId);
  app.github.repositories.set(repository, { defaultBranch: "main", cloneUrl: "http://unused.invalid/x.git" });
  const created = await call(app, "POST", "/tokens", operator, { name: "scheduler", scopes: ["write"] });
  return { app, dir, writer: created.body.token as string };
}

const call = (app: TestApp, method: string, route: string, token: string, body?: unknown) =>
  callApi(app.url, method, route, token, body);

const assign = (app: TestApp, key: string, token: string) =>
  call(app, "POST", `/task/${encodeURIComponent(key)}/assign-to-agent`, token);

const runsOf = async (app: TestApp, key: string) =>
  await app.database.db.selectFrom("runs").selectAll().where("task_key", "=", key).execute();

describe("assign-to-agent with a Jira key", () => {
  let app: TestApp;
  let dir: string;
  let writer: string;
  beforeAll(async () => {
    ({ app, dir, writer } = await startApp(
      "ai-dev-assign-jira-",
      [
        "provider: jira",
        "enabled: true",
        "config:",
        `  connection: { url: ${site}, email: bot@example.com, api_token: jira-api-token-for-tests }`,
        '  webhook_secret: "${JIRA_WEBHOOK_SECRET}"',
        `  triggers: { repositories: { ABC: ${repository} } }`,
      ],
      { JIRA_WEBHOOK_SECRET: "jira-webhook-secret-for-tests" },
    ));
  });
  // The setup file cleans nock after each test.
  beforeEach(() => {
    // The recorded ticket TEST-1 of project ABC (mapped), and XYZ-7: the same ticket in a project nobody mapped.
    const recorded = jiraFixture("webhook.issue_updated.status-change.json").issue;
    fakeJiraIssue(site, { key: recorded.key, fields: recorded.fields });
    fakeJiraIssue(site, { key: "XYZ-7", fields: { ...recorded.fields, project: { key: "XYZ" } } });
    nock(site)
      .persist()
      .get("/rest/api/3/issue/ABC-999")
      .query(true)
      .reply(404, jiraFixture("error.not-found.json"));
  });
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts implement-issue on the ticket's mapped repository, with the ticket as its task, once", async () => {
    const first = await assign(app, "TEST-1", writer);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ outcome: "queued", runId: expect.any(String) });
    const [run, ...more] = await runsOf(app, "TEST-1");
    expect(more).toHaveLength(0);
    expect(run).toMatchObject({
      id: first.body.runId,
      workflow: "implement-issue",
      status: "queued",
      repository,
      target_number: 1,
      actor: "api:scheduler",
    });

    const again = await assign(app, "TEST-1", writer);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: "already_active", runId: first.body.runId });
    expect(await runsOf(app, "TEST-1")).toHaveLength(1);
  });

  it("answers 404 for a ticket Jira does not have and 422 for a project mapped to no repository", async () => {
    const missing = await assign(app, "ABC-999", writer);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain("There is no jira ticket ABC-999");
    const unmapped = await assign(app, "XYZ-7", writer);
    expect(unmapped.status).toBe(422);
    expect(unmapped.body.error).toContain("the project XYZ is not mapped to a repository");
    expect(await runsOf(app, "XYZ-7")).toHaveLength(0);
  });

  it("answers 404 when the app is not installed on the mapped repository, with the way on for an API caller", async () => {
    app.github.installations.delete(repository);
    try {
      const response = await assign(app, "TEST-1", writer);
      expect(response.status).toBe(404);
      expect(response.body.error).toContain(`it is not installed on ${repository}`);
      expect(response.body.error).toContain("Install the GitHub App there, then assign the ticket again.");
      expect(response.body.error).not.toContain("move the ticket");
    } finally {
      app.github.installations.set(repository, installationId);
    }
  });
});

describe("assign-to-agent with a Linear key", () => {
  const linear = new FakeLinear(["AI Assigned", "Todo", "In Progress", "In Review", "Done"], "Todo");
  let app: TestApp;
  let dir: string;
  let writer: string;
  beforeAll(async () => {
    await linear.start();
    ({ app, dir, writer } = await startApp(
      "ai-dev-assign-linear-",
      [
        "provider: linear",
        "enabled: true",
        "config:",
        `  connection: { api_key: lin_api_key_for_tests, api_url: "${linear.url}" }`,
        '  webhook_secret: "${LINEAR_WEBHOOK_SECRET}"',
        `  triggers: { repositories: { WEB: ${repository} } }`,
      ],
      { LINEAR_WEBHOOK_SECRET: "linear-webhook-secret-for-tests" },
    ));
  });
  afterAll(async () => {
    await app?.stop();
    await linear.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts implement-issue on the team's repository", async () => {
    const key = String(linear.issue.identifier);
    const answer = await assign(app, key, writer);
    expect(answer.status).toBe(201);
    const [run] = await runsOf(app, key);
    expect(run).toMatchObject({
      id: answer.body.runId,
      workflow: "implement-issue",
      repository,
      actor: "api:scheduler",
    });
  });
});

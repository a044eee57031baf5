import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sampleIssue } from "../../demo/sample/repository.ts";
import type { FakeAtlassian } from "../../demo/stand-ins/fake-atlassian.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { callApi } from "../support/api-config.ts";
import { runTicketEndToEnd } from "./ticket-end-to-end.ts";

const sandbox = await checkSandbox();
const secret = "jira-webhook-secret-e2e";

/** The recorded jira:issue_updated (TEST-1 of project ABC), carrying the sample's task, moved to AI Assigned. */
const recorded = JSON.parse(
  readFileSync(
    path.join(import.meta.dirname, "..", "fixtures", "jira", "webhook.issue_updated.status-change.json"),
    "utf8",
  ),
) as {
  issue: { key: string; fields: Record<string, unknown> };
  changelog: { items: { toString: string }[] };
};
recorded.issue.fields.summary = sampleIssue.title;
recorded.issue.fields.description = sampleIssue.body;
const [change] = recorded.changelog.items;
if (change) change.toString = "AI Assigned";

/** Jira is the same local site as Confluence: the stand-in holds the ticket. */
function jiraPlugin(site: FakeAtlassian): string[] {
  Object.assign(site.issue.fields, recorded.issue.fields, { status: { name: "AI Assigned" } });
  return [
    "provider: jira",
    "config:",
    `  connection: { url: "${site.url}", email: bot@example.com, api_token: jira-token-e2e }`,
    '  webhook_secret: "${JIRA_WEBHOOK_SECRET}"',
    "  triggers: { repositories: { ABC: Codertocat/Hello-World } }",
  ];
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe.skipIf(!sandbox.ok)(
  "a Jira ticket moved to AI Assigned or assigned over the API, end to end",
  () => {
    it("ends with the ticket in review, the pull request linked, the cost on the ticket, one Confluence page and a Slack message", async () => {
      const body = JSON.stringify(recorded);
      const { run, pull, atlassian, slackMessages, modelUnexpected } = await runTicketEndToEnd({
        taskManagement: jiraPlugin,
        env: { JIRA_WEBHOOK_SECRET: secret },
        taskKey: "TEST-1",
        cleanup: (stop) => stops.push(stop),
        deliver: async (url) =>
          await fetch(`${url}/api/jira/webhooks`, {
            method: "POST",
            body,
            headers: {
              "content-type": "application/json",
              "x-hub-signature": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
              "x-atlassian-webhook-identifier": randomUUID(),
            },
          }),
      });
      expect({ status: run.status, error: run.error_message }).toEqual({ status: "succeeded", error: null });
      expect(pull?.body).toContain("Closes TEST-1");
      // In progress at the start, in review once the pull request is open, which is linked on the ticket.
      expect(atlassian.statusHistory).toEqual(["In Progress", "In Review"]);
      expect(atlassian.status).toBe("In Review");
      expect(atlassian.remoteLinks).toEqual([
        expect.objectContaining({ globalId: expect.stringContaining(`/pull/${pull?.number}`) }),
      ]);
      // The run's outcome and cost, as a comment on the ticket.
      const outcome = await waitFor(
        async () =>
          atlassian.comments.map((c) => JSON.stringify(c.body)).find((text) => text.includes("· done ·")),
        20_000,
        "the outcome on the ticket",
      );
      expect(outcome).toMatch(/cost so far \$0\.\d\d/);
      expect(outcome).toContain(`/pull/${pull?.number}`);
      // The docs page written once, and the team told in Slack.
      expect(atlassian.pages).toEqual([expect.objectContaining({ title: "Greeting", version: 1 })]);
      expect(
        atlassian.requests.filter((r) => r.method === "POST" && r.path === "/wiki/rest/api/content"),
      ).toHaveLength(1);
      expect(slackMessages[0]).toMatchObject({ channel: "#ai-dev" });
      expect(slackMessages[0]?.text).toContain("TEST-1");
      expect(slackMessages[0]?.text).toContain(`/pull/${pull?.number}`);
      expect(modelUnexpected).toBe(0);
    }, 200_000);

    it("starts the same run when a scheduler assigns the ticket over the API", async () => {
      const operator = "operator-token-e2e-0123456789abcdef";
      const { run, pull, atlassian, modelUnexpected } = await runTicketEndToEnd({
        taskManagement: jiraPlugin,
        env: { JIRA_WEBHOOK_SECRET: secret },
        taskKey: "TEST-1",
        apiTokens: [operator],
        cleanup: (stop) => stops.push(stop),
        deliver: async (url) => {
          const token = await callApi(url, "POST", "/tokens", operator, {
            name: "scheduler",
            scopes: ["write"],
          });
          return await fetch(`${url}/api/v1/task/TEST-1/assign-to-agent`, {
            method: "POST",
            headers: { authorization: `Bearer ${token.body.token}` },
          });
        },
      });
      expect({ status: run.status, error: run.error_message }).toEqual({ status: "succeeded", error: null });
      expect(pull?.body).toContain("Closes TEST-1");
      expect(atlassian.status).toBe("In Review");
      expect(modelUnexpected).toBe(0);
    }, 200_000);
  },
);

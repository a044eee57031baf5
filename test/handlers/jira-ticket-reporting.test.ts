import { createHmac, randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../demo/wait-for.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";
import { fakeJiraIssue, jiraFixture } from "../support/fake-jira.ts";

const secret = "jira-webhook-secret-for-tests";
const configFile = path.join(import.meta.dirname, "..", "fixtures", "intake", "jira.config.yaml");
const site = "https://zulipp.atlassian.net";
const repository = "Codertocat/Hello-World";

/** The recorded jira:issue_updated of TEST-1, its status change's target set to the trigger status. */
const recorded = jiraFixture("webhook.issue_updated.status-change.json") as {
  issue: { key: string; fields: Record<string, unknown> };
  changelog: { items: { toString: string }[] };
};

let app: TestApp;
beforeAll(async () => {
  // The worker executes the run: the intake's stand-in implement-issue (built-in steps only).
  app = await startTestApp({
    worker: true,
    env: { AI_DEV_CONFIG: configFile, JIRA_WEBHOOK_SECRET: secret, ANTHROPIC_API_KEY: "sk-ant-test-key" },
  });
  app.github.installations.set(repository, installationId);
  app.github.repositories.set(repository, { defaultBranch: "main", cloneUrl: "http://unused.invalid/x.git" });
});
afterAll(async () => {
  await app?.stop();
});

describe("a run started from a Jira ticket", () => {
  it("reports on the ticket, not on a GitHub issue: once when it starts and once with its outcome and cost", async () => {
    const { posted } = fakeJiraIssue(site, { key: recorded.issue.key, fields: recorded.issue.fields });
    const body = JSON.stringify({
      ...recorded,
      changelog: {
        ...recorded.changelog,
        items: [{ ...recorded.changelog.items[0], toString: "AI Assigned" }],
      },
    });
    const response = await fetch(`${app.url}/api/jira/webhooks`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-hub-signature": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
        "x-atlassian-webhook-identifier": randomUUID(),
      },
    });
    expect(response.status).toBe(200);
    const run = await waitFor(
      async () =>
        await app.database.db
          .selectFrom("runs")
          .selectAll()
          .where("task_key", "=", "TEST-1")
          .where("status", "=", "succeeded")
          .executeTakeFirst(),
      30_000,
      "the run to finish",
    );
    await waitFor(async () => (posted.length >= 2 ? true : undefined), 20_000, "the outcome on the ticket");
    expect(posted.map((p) => p.properties[0]?.value.key)).toEqual([
      `run:${run.id}:started`,
      `run:${run.id}:succeeded`,
    ]);
    const outcome = JSON.stringify(posted[1]?.body);
    expect(outcome).toContain("· done · cost so far $0.00");
    expect(outcome).toContain(run.id);
    expect(outcome).toContain("Finished.");
    // Nothing went to the GitHub issue with the ticket's number.
    expect(
      app.github.requests.filter((r) => r.method === "POST" && r.path.includes("/issues/1/comments")),
    ).toEqual([]);
  });

  it("says on the ticket why a run failed and how to start it again", async () => {
    // A second app whose runs cannot get their adapters: the job fails, is retried once, and gives up.
    const failing = await startTestApp({
      worker: true,
      queue: { retryLimit: 1, retryDelaySeconds: 1 },
      engineFor: async () => {
        throw new Error("the adapters could not be reached");
      },
      env: { AI_DEV_CONFIG: configFile, JIRA_WEBHOOK_SECRET: secret, ANTHROPIC_API_KEY: "sk-ant-test-key" },
    });
    try {
      failing.github.installations.set(repository, installationId);
      failing.github.repositories.set(repository, {
        defaultBranch: "main",
        cloneUrl: "http://unused.invalid/x.git",
      });
      const { posted } = fakeJiraIssue(site, { key: recorded.issue.key, fields: recorded.issue.fields });
      const body = JSON.stringify({
        ...recorded,
        changelog: {
          ...recorded.changelog,
          items: [{ ...recorded.changelog.items[0], toString: "AI Assigned" }],
        },
      });
      const response = await fetch(`${failing.url}/api/jira/webhooks`, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-hub-signature": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
          "x-atlassian-webhook-identifier": randomUUID(),
        },
      });
      expect(response.status).toBe(200);
      const failure = await waitFor(
        async () => posted.map((p) => JSON.stringify(p.body)).find((text) => text.includes("· failed ·")),
        40_000,
        "the failure on the ticket",
      );
      expect(failure).toContain("the last attempt failed with: the adapters could not be reached");
      expect(failure).toContain("move it to its trigger status again");
    } finally {
      await failing.stop();
    }
  }, 60_000);
});

import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startScriptedAnthropic } from "../../demo/stand-ins/scripted-anthropic/server.ts";
import { labeledIssue, webhookExample } from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";
import { fakeSlackChat } from "../support/fake-slack.ts";

const slackEnv = {
  AI_DEV_CONFIG: path.join(import.meta.dirname, "..", "fixtures", "intake", "slack.config.yaml"),
  SLACK_SIGNING_SECRET: "test-signing-secret",
};

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

let issueNumber = 700;

function approveBudget(number: number) {
  const payload = webhookExample("issue_comment", "created") as {
    comment: { body: string };
    issue: { number: number; pull_request?: unknown };
    installation?: { id: number };
  };
  payload.comment.body = "/approve-budget 5";
  payload.issue.number = number;
  delete payload.issue.pull_request;
  payload.installation = { id: installationId };
  return payload;
}

async function runOf(current: TestApp, number: number, status?: string) {
  const run = await current.database.db
    .selectFrom("runs")
    .selectAll()
    .where("target_number", "=", number)
    .executeTakeFirst();
  return run && (status === undefined || run.status === status) ? run : undefined;
}

async function startSlackApp(options: Parameters<typeof startTestApp>[0] = {}) {
  const current = await startTestApp({ worker: true, ...options, env: { ...slackEnv, ...options.env } });
  current.github.roles.set("Codertocat", "write");
  return current;
}

describe("the team's Slack channel", () => {
  it("hears a budget hold in a new thread, and the run's later message replies in it after a restart", async () => {
    const slack = fakeSlackChat();
    const first = await startSlackApp();
    app = first;
    first.github.repoConfigs.set(
      "Codertocat/Hello-World",
      "limits:\n  max_cost_per_task: 0.01\nworkflows:\n  default: notify-team\n",
    );
    const number = ++issueNumber;
    await first.deliver("issues", labeledIssue(number, installationId));
    const waiting = await waitFor(async () => runOf(first, number, "waiting"), 30_000, "the run to wait");
    await waitFor(async () => slack.messages[0], 20_000, "the budget notice in Slack");
    expect(slack.messages[0]).toMatchObject({ channel: "#ai-dev", unfurl_links: "false" });
    expect(slack.messages[0]?.thread_ts).toBeUndefined();
    expect(slack.messages[0]?.text).toContain(
      `:warning: Run ${waiting.id} for Codertocat/Hello-World#${number} reached its budget: This run is estimated at`,
    );
    expect(slack.messages[0]?.text).toContain("/approve-budget");
    // The fake records the message when it is posted; the app keeps the thread once Slack has answered.
    const thread = await waitFor(
      async () => {
        const rows = await first.database.db.selectFrom("run_threads").selectAll().execute();
        return rows.length > 0 ? rows : undefined;
      },
      10_000,
      "the run's thread kept",
    );
    expect(thread).toMatchObject([
      { run_id: waiting.id, channel: "#ai-dev", thread_id: "1503435956.000001" },
    ]);

    // A restart: nothing of the first process is left but the database.
    await first.runtime.stop();
    await first.github.stop();
    const second = await startSlackApp({ database: first.database });
    app = second;
    second.github.repoConfigs.set(
      "Codertocat/Hello-World",
      "limits:\n  max_cost_per_task: 0.01\nworkflows:\n  default: notify-team\n",
    );
    expect(await second.deliver("issue_comment", approveBudget(number))).toBe(200);
    const done = await waitFor(async () => runOf(second, number, "succeeded"), 30_000, "the run to succeed");
    expect(done.id).toBe(waiting.id);
    expect(slack.messages).toHaveLength(2);
    expect(slack.messages[1]).toMatchObject({
      channel: "#ai-dev",
      text: `:white_check_mark: Finished Codertocat/Hello-World#${number}`,
      thread_ts: "1503435956.000001",
    });
    slack.stop();
  }, 90_000);

  it("hears a run stopped by its budget at a model call, with the cap to raise", async () => {
    const slack = fakeSlackChat();
    const api = await startScriptedAnthropic();
    try {
      app = await startSlackApp({
        env: { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: "sk-ant-test-key" },
      });
      app.github.repoConfigs.set(
        "Codertocat/Hello-World",
        "limits:\n  max_cost_per_task: 0.05\nworkflows:\n  default: ask-model\n",
      );
      const number = ++issueNumber;
      await app.deliver("issues", labeledIssue(number, installationId));
      const current = app;
      const run = await waitFor(async () => runOf(current, number, "failed"), 30_000, "the run to fail");
      expect(run.error_code).toBe("budget_exceeded");
      const notice = await waitFor(async () => slack.messages[0], 20_000, "the notice in Slack");
      expect(notice.text).toContain(
        `:warning: Run ${run.id} for Codertocat/Hello-World#${number} reached its budget: Stopped before a model call`,
      );
      expect(notice.text).toContain("raise limits.max_cost_per_task");
      // The issue the run answers on, where its progress comment is (the example payload's html_url).
      expect(notice.text).toContain("\nhttps://github.com/Codertocat/Hello-World/issues/1");
      expect(notice.text).not.toContain("sk-ant-test-key");
    } finally {
      slack.stop();
      await api.close();
    }
  });

  it("hears a run that failed after its retries, with the reason and the way out", async () => {
    const slack = fakeSlackChat();
    app = await startSlackApp({
      queue: { retryLimit: 1, retryDelaySeconds: 1 },
      engineFor: async () => {
        throw new Error("the adapters could not be reached");
      },
    });
    const number = ++issueNumber;
    await app.deliver("issues", labeledIssue(number, installationId));
    const current = app;
    const run = await waitFor(async () => runOf(current, number, "failed"), 30_000, "the run to fail");
    const notice = await waitFor(async () => slack.messages[0], 20_000, "the notice in Slack");
    expect(notice).toMatchObject({ channel: "#ai-dev" });
    expect(notice.text).toContain(
      `:x: Run ${run.id} for Codertocat/Hello-World#${number} failed: the run gave up after its retries; the last attempt failed with: the adapters could not be reached. Label the issue again`,
    );
    expect(slack.messages).toHaveLength(1);
    slack.stop();
  });
});

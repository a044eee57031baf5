import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sampleConversation } from "../../demo/sample/conversation.ts";
import { sampleIssue, sampleRepository, sampleSettings } from "../../demo/sample/repository.ts";
import { FakeAtlassian } from "../../demo/stand-ins/fake-atlassian.ts";
import { githubFixture } from "../../demo/stand-ins/fake-github.ts";
import { type GitHttpServer, startGitHttpServer } from "../../demo/stand-ins/git-http-server.ts";
import { createBareRepository } from "../../demo/stand-ins/git-repos.ts";
import {
  type ScriptedAnthropic,
  type ScriptStep,
  startScriptedAnthropic,
} from "../../demo/stand-ins/scripted-anthropic/server.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { repoRoot } from "../../src/cli/runtime.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";
import { fakeSlackChat } from "../support/fake-slack.ts";

const repository = sampleRepository.fullName;
const gitToken = String(githubFixture("installation-token.json").token);
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
recorded.issue.fields.status = { ...(recorded.issue.fields.status as object), name: "AI Assigned" };
const [change] = recorded.changelog.items;
if (change) change.toString = "AI Assigned";

/** The write_docs step's answer: the describe_pr answer's shape with the page's title and content. */
function docsAnswer(template: ScriptStep): ScriptStep {
  const reply = structuredClone((template as { reply: Record<string, unknown> }).reply);
  reply.id = "msg_sample_docs";
  reply.content = [
    {
      type: "text",
      text: JSON.stringify({ title: "Greeting", content: "# Greeting\n\nThe greeting says world." }),
    },
  ];
  return { reply } as ScriptStep;
}

let app: TestApp | undefined;
let api: ScriptedAnthropic | undefined;
let gitServer: GitHttpServer | undefined;
let atlassian: FakeAtlassian | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await app?.stop();
  await api?.close();
  await gitServer?.close();
  await atlassian?.stop();
  app = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!sandbox.ok)("a Jira ticket moved to AI Assigned, end to end", () => {
  it("ends with the ticket in review, the pull request linked, the cost on the ticket, one Confluence page and a Slack message", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "ai-dev-e2e-jira-"));
    dirs.push(root);
    createBareRepository(root, sampleRepository.bareName, sampleRepository.files);
    gitServer = await startGitHttpServer({ root, token: gitToken });
    atlassian = new FakeAtlassian(recorded.issue, [
      "AI Assigned",
      "To Do",
      "In Progress",
      "In Review",
      "Done",
    ]);
    await atlassian.start();
    api = await startScriptedAnthropic();
    const conversation = sampleConversation().map((turn) => turn.step);
    const describePr = conversation.at(-1);
    if (!describePr) throw new Error("the sample conversation has no describe_pr answer");
    api.push(...conversation, docsAnswer(describePr));
    const slack = fakeSlackChat();
    const config = path.join(root, "ai-dev.config.yaml");
    writeFileSync(
      config,
      [
        "system:",
        '  name: "AI Dev (test)"',
        `  workspace_dir: ${path.join(root, "workspaces")}`,
        "workflows:",
        `  config_dir: ${path.join(repoRoot, "workflows")}`,
        "plugins:",
        "  task_management:",
        "    provider: jira",
        "    config:",
        `      connection: { url: "${atlassian.url}", email: bot@example.com, api_token: jira-token-e2e }`,
        '      webhook_secret: "${JIRA_WEBHOOK_SECRET}"',
        `      triggers: { repositories: { ABC: ${repository} } }`,
        "  documentation:",
        "    provider: confluence",
        "    enabled: true",
        "    config:",
        `      connection: { url: "${atlassian.url}", email: bot@example.com, api_token: confluence-token-e2e }`,
        "      space_key: DEV",
        "  communication:",
        "    provider: slack",
        "    enabled: true",
        "    config:",
        "      connection: { bot_token: xoxb-test-token }",
        '      channel: "#ai-dev"',
        "",
      ].join("\n"),
    );
    app = await startTestApp({
      worker: true,
      env: {
        AI_DEV_CONFIG: config,
        ANTHROPIC_BASE_URL: api.url,
        ANTHROPIC_API_KEY: "sk-ant-e2e-test-key",
        JIRA_WEBHOOK_SECRET: secret,
      },
    });
    app.github.repoConfigs.set(repository, sampleSettings);
    app.github.repositories.set(repository, {
      defaultBranch: sampleRepository.defaultBranch,
      cloneUrl: gitServer.repoUrl(sampleRepository.bareName),
    });
    app.github.installations.set(repository, installationId);

    const body = JSON.stringify(recorded);
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

    const current = app;
    const run = await waitFor(
      async () =>
        await current.database.db
          .selectFrom("runs")
          .selectAll()
          .where("task_key", "=", "TEST-1")
          .where("status", "in", ["succeeded", "failed"])
          .executeTakeFirst(),
      150_000,
      "the run to end",
    );
    expect({ status: run.status, error: run.error_message }).toEqual({ status: "succeeded", error: null });
    const pull = current.github.pulls.find((p) => p.repository === repository);
    expect(pull).toBeDefined();
    expect(pull?.body).toContain("Closes TEST-1");

    const jira = atlassian;
    // In progress at the start, in review once the pull request is open, which is linked on the ticket.
    expect(jira.statusHistory).toEqual(["In Progress", "In Review"]);
    expect(jira.status).toBe("In Review");
    expect(jira.remoteLinks).toEqual([
      expect.objectContaining({ globalId: expect.stringContaining(`/pull/${pull?.number}`) }),
    ]);
    // The run's outcome and cost, as a comment on the ticket.
    const outcome = await waitFor(
      async () => jira.comments.map((c) => JSON.stringify(c.body)).find((text) => text.includes("· done ·")),
      20_000,
      "the outcome on the ticket",
    );
    expect(outcome).toMatch(/cost so far \$0\.\d\d/);
    expect(outcome).toContain(`/pull/${pull?.number}`);
    // The docs page written once, and the team told in Slack.
    expect(jira.pages).toEqual([expect.objectContaining({ title: "Greeting", version: 1 })]);
    expect(
      jira.requests.filter((r) => r.method === "POST" && r.path === "/wiki/rest/api/content"),
    ).toHaveLength(1);
    const message = await waitFor(async () => slack.messages[0], 20_000, "the message in Slack");
    expect(message).toMatchObject({ channel: "#ai-dev" });
    expect(message.text).toContain("TEST-1");
    expect(message.text).toContain(`/pull/${pull?.number}`);
    slack.stop();
    expect(api.unexpected).toBe(0);
  }, 200_000);
});

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sampleConversation } from "../../demo/sample/conversation.ts";
import { sampleRepository, sampleSettings } from "../../demo/sample/repository.ts";
import { FakeAtlassian } from "../../demo/stand-ins/fake-atlassian.ts";
import { githubFixture } from "../../demo/stand-ins/fake-github.ts";
import { startGitHttpServer } from "../../demo/stand-ins/git-http-server.ts";
import { createBareRepository } from "../../demo/stand-ins/git-repos.ts";
import { type ScriptStep, startScriptedAnthropic } from "../../demo/stand-ins/scripted-anthropic/server.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { repoRoot } from "../../src/cli/runtime.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";
import { fakeSlackChat } from "../support/fake-slack.ts";

const gitToken = String(githubFixture("installation-token.json").token);

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

export interface TicketRun {
  app: TestApp;
  run: { id: string; status: string; error_message: string | null };
  pull: TestApp["github"]["pulls"][number] | undefined;
  /** Confluence (Jira too, when it is the tracker), as the run left it. */
  atlassian: FakeAtlassian;
  slackMessages: Record<string, string>[];
  modelUnexpected: number;
}

/**
 * The shipped implement-issue on the sample repository, started by a tracker's webhook: the sandboxed
 * agent with the scripted model, git over smart HTTP, Confluence as a local stand-in, Slack at its HTTP
 * boundary. The tracker differs only in `taskManagement` (the plugin's YAML) and the delivery.
 */
export async function runTicketEndToEnd(options: {
  /** `plugins.task_management`, as YAML lines under it. */
  taskManagement: (atlassian: FakeAtlassian) => string[];
  env: Record<string, string>;
  deliver: (appUrl: string) => Promise<Response>;
  taskKey: string;
  cleanup: (stop: () => Promise<void>) => void;
  /** Operator tokens for the API (`AI_DEV_API_TOKENS`), for a delivery that goes through it. */
  apiTokens?: string[];
}): Promise<TicketRun> {
  const root = mkdtempSync(path.join(os.tmpdir(), "ai-dev-e2e-ticket-"));
  createBareRepository(root, sampleRepository.bareName, sampleRepository.files);
  const gitServer = await startGitHttpServer({ root, token: gitToken });
  const atlassian = new FakeAtlassian({ key: "TEST-1", fields: { status: { name: "AI Assigned" } } }, [
    "AI Assigned",
    "To Do",
    "In Progress",
    "In Review",
    "Done",
  ]);
  await atlassian.start();
  const api = await startScriptedAnthropic();
  const slack = fakeSlackChat();
  let app: TestApp | undefined;
  options.cleanup(async () => {
    slack.stop();
    await app?.stop();
    await api.close();
    await gitServer.close();
    await atlassian.stop();
    rmSync(root, { recursive: true, force: true });
  });
  const conversation = sampleConversation().map((turn) => turn.step);
  const describePr = conversation.at(-1);
  if (!describePr) throw new Error("the sample conversation has no describe_pr answer");
  api.push(...conversation, docsAnswer(describePr));
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
      ...options.taskManagement(atlassian).map((line) => `    ${line}`),
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
    ...(options.apiTokens ? { apiTokens: options.apiTokens } : {}),
    env: {
      AI_DEV_CONFIG: config,
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: "sk-ant-e2e-test-key",
      ...options.env,
    },
  });
  const repository = sampleRepository.fullName;
  app.github.repoConfigs.set(repository, sampleSettings);
  app.github.repositories.set(repository, {
    defaultBranch: sampleRepository.defaultBranch,
    cloneUrl: gitServer.repoUrl(sampleRepository.bareName),
  });
  app.github.installations.set(repository, installationId);

  const response = await options.deliver(app.url);
  if (!response.ok) throw new Error(`the delivery was answered ${response.status}: ${await response.text()}`);
  const current = app;
  const run = await waitFor(
    async () =>
      await current.database.db
        .selectFrom("runs")
        .select(["id", "status", "error_message"])
        .where("task_key", "=", options.taskKey)
        .where("status", "in", ["succeeded", "failed"])
        .executeTakeFirst(),
    150_000,
    "the run to end",
  );
  await waitFor(async () => slack.messages[0], 20_000, "the message in Slack");
  return {
    app,
    run,
    pull: app.github.pulls.find((p) => p.repository === repository),
    atlassian,
    slackMessages: slack.messages,
    modelUnexpected: api.unexpected,
  };
}

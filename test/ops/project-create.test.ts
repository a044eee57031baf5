import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleRepository, sampleSettings } from "../../demo/sample/repository.ts";
import { githubFixture } from "../../demo/stand-ins/fake-github.ts";
import { type GitHttpServer, startGitHttpServer } from "../../demo/stand-ins/git-http-server.ts";
import { createBareRepository } from "../../demo/stand-ins/git-repos.ts";
import {
  type ScriptedAnthropic,
  startScriptedAnthropic,
} from "../../demo/stand-ins/scripted-anthropic/server.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { repoRoot } from "../../src/cli/runtime.ts";
import { callApi } from "../support/api-config.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";

const operator = "operator-token-0123456789abcdef";
const rateLimit = 12;
const repository = sampleRepository.fullName;
const gitToken = String(githubFixture("installation-token.json").token);

let answers = 0;
function answer(content: Record<string, unknown>[], stop: "tool_use" | "end_turn") {
  answers += 1;
  return {
    reply: {
      ...anthropicFixture("messages.tool_use.json"),
      id: `msg_project_${String(answers).padStart(4, "0")}`,
      content,
      stop_reason: stop,
    },
  };
}
const toolUse = (name: string, input: Record<string, unknown>) =>
  answer([{ type: "tool_use", id: `toolu_project_${answers + 1}`, name, input }], "tool_use");
const endTurn = (words: string) => answer([{ type: "text", text: words }], "end_turn");

const plan = {
  summary: "A greeting service with a check.",
  epics: [{ id: "E1", title: "Greeting service", description: "Serve the greeting." }],
  tasks: [
    {
      id: "T1",
      epic: "E1",
      title: "Serve greeting.txt over HTTP",
      description: "A small server that answers with the greeting.",
      acceptance_criteria: ["GET / answers Hello, world"],
      files: ["server.ts"],
      size: "M",
      depends_on: [],
    },
    {
      id: "T2",
      title: "Run test.sh in CI",
      description: "Nothing runs the check yet.",
      acceptance_criteria: ["CI fails on a typo"],
      files: ["test.sh"],
      size: "S",
      depends_on: [],
    },
  ],
  risks: [],
  open_questions: [],
};

let app: TestApp;
let api: ScriptedAnthropic;
let gitServer: GitHttpServer;
let root: string;
let writer: string;
let reader: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "ai-dev-project-"));
  createBareRepository(root, sampleRepository.bareName, sampleRepository.files);
  gitServer = await startGitHttpServer({ root, token: gitToken });
  api = await startScriptedAnthropic();
  const config = path.join(root, "ai-dev.config.yaml");
  writeFileSync(
    config,
    [
      "system:",
      '  name: "AI Dev (test)"',
      `  workspace_dir: ${path.join(root, "workspaces")}`,
      "workflows:",
      `  config_dir: ${path.join(repoRoot, "workflows")}`,
      "security:",
      `  api_rate_limit: { requests: ${rateLimit}, window_seconds: 60 }`,
    ].join("\n"),
  );
  app = await startTestApp({
    worker: true,
    apiTokens: [operator],
    env: { AI_DEV_CONFIG: config, ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: "sk-ant-project-test" },
  });
  app.github.installations.set(repository, installationId);
  app.github.repoConfigs.set(repository, sampleSettings);
  app.github.repositories.set(repository, {
    defaultBranch: sampleRepository.defaultBranch,
    cloneUrl: gitServer.repoUrl(sampleRepository.bareName),
  });
  writer = await newToken("planner", ["write"]);
  reader = await newToken("viewer", ["read"]);
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await api?.close();
  await gitServer?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const call = (
  method: string,
  route: string,
  token?: string,
  body?: unknown,
  headers?: Record<string, string>,
) => callApi(app.url, method, route, token, body, headers);

async function newToken(name: string, scopes: string[]): Promise<string> {
  return (await call("POST", "/tokens", operator, { name, scopes })).body.token as string;
}

const project = {
  description: "A greeting service\nIt serves the greeting of greeting.txt.",
  requirements: ["answers GET / with the greeting"],
  tech_stack: ["TypeScript"],
  repository,
};

describe("POST /api/v1/project/create", () => {
  it("plans the project on its own issue, files its epic and tasks without /plan approve, and a repeat gives the same run", async () => {
    api.push(toolUse("submit_plan", plan), endTurn("The plan is submitted."));
    const created = await call("POST", "/project/create", writer, project, { "idempotency-key": "p-1" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ outcome: "queued", runId: expect.any(String) });
    expect(created.body.run).toBe(`/api/v1/runs/${created.body.runId}`);
    const projectIssue = app.github.openedIssues[0];
    expect(projectIssue).toMatchObject({ repository, title: "Project: A greeting service" });
    expect(projectIssue?.body).toContain("## Requirements\n\n- answers GET / with the greeting");
    expect(projectIssue?.body).toContain("## Tech stack\n\n- TypeScript");
    expect(created.body.issue).toContain(`/issues/${projectIssue?.number}`);

    // The same key again: the same run, nothing planned twice.
    const repeat = await call("POST", "/project/create", writer, project, { "idempotency-key": "p-1" });
    expect(repeat.status).toBe(200);
    expect(repeat.body.runId).toBe(created.body.runId);

    // Watched in the database: polling the API would spend the token's rate limit.
    await waitFor(
      async () => {
        const row = await app.database.db
          .selectFrom("runs")
          .select("status")
          .where("id", "=", created.body.runId)
          .executeTakeFirst();
        return row && ["succeeded", "failed"].includes(row.status) ? row : undefined;
      },
      120_000,
      "the project's run to finish",
    );
    const run = (await call("GET", created.body.run.replace("/api/v1", ""), reader)).body;
    expect(run.run).toMatchObject({ workflow: "project-create", state: "succeeded" });
    // The project's issue, the epic, its task, and the task without an epic under the project's issue.
    const opened = app.github.openedIssues;
    expect(opened.map((i) => i.title)).toEqual([
      "Project: A greeting service",
      "Greeting service",
      "Serve greeting.txt over HTTP",
      "Run test.sh in CI",
    ]);
    const [home, epic, served, ci] = opened;
    expect(app.github.subIssues.get(`${repository}#${home?.number}`)).toEqual([epic?.id, ci?.id]);
    expect(app.github.subIssues.get(`${repository}#${epic?.number}`)).toEqual([served?.id]);
    // GET the run: the tracker keys it filed, and each step with its inputs and outputs.
    expect(run.createdTasks.map((t: { key: string }) => t.key)).toEqual(
      [epic, served, ci].map((i) => `${repository}#${i?.number}`),
    );
    expect(run.steps.map((s: { name: string }) => s.name)).toEqual([
      "explore",
      "post_plan",
      "create_tasks",
      "post_created",
    ]);
    expect(run.steps[2].outputs.created_count).toBe(3);
    const onHome = app.github
      .comments()
      .filter((c) => c.method === "POST" && c.path.endsWith(`/issues/${home?.number}/comments`));
    expect(onHome.some((c) => c.body.startsWith("### Proposed plan"))).toBe(true);
    expect(onHome.some((c) => c.body.startsWith("Created 3 tasks from the approved plan"))).toBe(true);
    // The agent read the project as its task.
    expect(JSON.stringify(api.requests[0]?.body)).toContain("answers GET / with the greeting");
  }, 180_000);

  it("answers a bad body with each field's error, and a project without a repository with 422", async () => {
    const bad = await call("POST", "/project/create", writer, {
      description: "",
      requirements: "not a list",
      repository: "no-slash",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f: { path: string }) => f.path).sort()).toEqual([
      "description",
      "repository",
      "requirements",
      "tech_stack",
    ]);
    const noRepo = await call("POST", "/project/create", writer, {
      description: "Something",
      requirements: [],
      tech_stack: [],
    });
    expect(noRepo.status).toBe(422);
    expect(noRepo.body.error).toContain("name the repository");
    const notJson = await fetch(`${app.url}/api/v1/project/create`, {
      method: "POST",
      headers: { authorization: `Bearer ${writer}`, "content-type": "application/json" },
      body: "{",
    });
    expect(notJson.status).toBe(400);
  });

  it("refuses a missing or wrong token (401) and a read token (403), and creates nothing", async () => {
    const before = app.github.openedIssues.length;
    expect((await call("POST", "/project/create", undefined, project)).status).toBe(401);
    expect((await call("POST", "/project/create", "not-a-token", project)).status).toBe(401);
    const read = await call("POST", "/project/create", reader, project);
    expect(read.status).toBe(403);
    expect(read.body.error).toContain("`write` scope");
    expect(app.github.openedIssues).toHaveLength(before);
  });

  it("answers 429 with Retry-After once a token is over its limit", async () => {
    const limited = await newToken("limited", ["write"]);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i <= rateLimit; i++) {
      const response = await fetch(`${app.url}/api/v1/project/create`, {
        method: "POST",
        headers: { authorization: `Bearer ${limited}`, "content-type": "application/json" },
        body: JSON.stringify({ description: "" }),
      });
      statuses.push(response.status);
      retryAfter = response.headers.get("retry-after") ?? retryAfter;
    }
    expect(statuses.slice(0, rateLimit).every((s) => s === 400)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});

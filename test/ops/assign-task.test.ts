import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callApi, writeApiTestConfig } from "../support/api-config.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";

const operator = "operator-token-0123456789abcdef";
const rateLimit = 30;
const repository = "Codertocat/Hello-World";
let app: TestApp;
let dir: string;
let writer: string;
let reader: string;

beforeAll(async () => {
  let config: string;
  ({ dir, config } = writeApiTestConfig("ai-dev-assign-", rateLimit));
  // The intake worker answers; runs stay queued so the test can look at them.
  app = await startTestApp({
    worker: true,
    executeRuns: false,
    apiTokens: [operator],
    env: { AI_DEV_CONFIG: config },
  });
  app.github.installations.set(repository, installationId);
  app.github.repositories.set(repository, { defaultBranch: "main", cloneUrl: "http://unused.invalid/x.git" });
  app.github.issueLabels.set(`${repository}#31`, []);
  writer = await newToken("scheduler", ["write"]);
  reader = await newToken("viewer", ["read"]);
});
afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = (method: string, route: string, token?: string, body?: unknown) =>
  callApi(app.url, method, route, token, body);

async function newToken(name: string, scopes: string[]): Promise<string> {
  return (await call("POST", "/tokens", operator, { name, scopes })).body.token as string;
}

const assign = (task: string, token?: string) =>
  call("POST", `/task/${encodeURIComponent(task)}/assign-to-agent`, token);

describe("POST /api/v1/task/{id}/assign-to-agent", () => {
  it("starts implement-issue on a GitHub issue through the intake, and a repeat gives the same run", async () => {
    const first = await assign(`${repository}#31`, writer);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ outcome: "queued", runId: expect.any(String) });
    const run = await app.database.db
      .selectFrom("runs")
      .selectAll()
      .where("id", "=", first.body.runId)
      .executeTakeFirstOrThrow();
    expect(run).toMatchObject({
      workflow: "implement-issue",
      status: "queued",
      repository,
      target_kind: "issue",
      target_number: 31,
      actor: "api:scheduler",
    });

    const again = await assign(`${repository}#31`, writer);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: "already_active", runId: first.body.runId });
    const runs = await app.database.db
      .selectFrom("runs")
      .select("id")
      .where("target_number", "=", 31)
      .execute();
    expect(runs).toHaveLength(1);
  });

  it("answers 404 for an issue that does not exist and 422 for a tracker key with no tracker", async () => {
    const missing = await assign(`${repository}#404`, writer);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain("There is no issue #404");
    const tracker = await assign("PROJ-123", writer);
    expect(tracker.status).toBe(422);
    expect(tracker.body.error).toContain("PROJ-123 is a tracker key, but no tracker starts work here");
  });

  it("refuses bad input (400 with the field), a missing or wrong token (401), a read token (403) and a flood (429)", async () => {
    const bad = await assign("not a task", writer);
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual([{ path: "id", message: expect.stringContaining("owner/repo#12") }]);
    expect((await assign(`${repository}#31`)).status).toBe(401);
    expect((await assign(`${repository}#31`, "aidev_wrong")).status).toBe(401);
    const read = await assign(`${repository}#31`, reader);
    expect(read.status).toBe(403);
    expect(read.body.error).toContain("`write` scope");

    const flood = await newToken("flood", ["write"]);
    let last = 0;
    for (let i = 0; i <= rateLimit && last !== 429; i++) last = (await assign("bad", flood)).status;
    expect(last).toBe(429);
  });
});

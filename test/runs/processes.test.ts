import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../demo/free-port.ts";
import { FakeGitHub } from "../../demo/stand-ins/fake-github.ts";
import { startScriptedAnthropic } from "../../demo/stand-ins/scripted-anthropic/server.ts";
import {
  throwawayPrivateKey,
  webhookExample,
  webhookHeaders,
} from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { loadWorkflows } from "../../src/engine/load-workflows.ts";
import { pluginCatalog } from "../../src/plugins/catalog.ts";
import { RunQueue } from "../../src/queue/run-queue.ts";
import { acceptRunRequest } from "../../src/runs/intake.ts";
import { installationId, intakeConfig, webhookSecret } from "../support/app-harness.ts";
import { cleanEnv, repoRoot } from "../support/cli.ts";
import { CliProcesses, killHard, waitForOutput } from "../support/cli-processes.ts";
import { isPostgresUnderTest, openTestDatabase, type TestDatabase } from "../support/database.ts";
import { finishedRun } from "../support/runs.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";

const processes = new CliProcesses();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await processes.killAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  github: FakeGitHub;
  env: (extra?: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
}

/** A fake GitHub and the environment an ai-dev process needs to use it and this test's database. */
async function harness(database: { env: NodeJS.ProcessEnv }): Promise<Harness> {
  const github = new FakeGitHub();
  await github.start();
  github.roles.set("Codertocat", "write");
  cleanups.push(() => github.stop());
  const privateKey = throwawayPrivateKey();
  return {
    github,
    env: (extra = {}) =>
      cleanEnv({
        APP_ID: "123",
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: webhookSecret,
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        AI_DEV_CONFIG: intakeConfig,
        HOST: "127.0.0.1",
        ...database.env,
        ...extra,
      }),
  };
}

async function healthy(port: number) {
  await waitFor(
    async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined),
    60_000,
    "/healthz",
  );
}

/** The database the child processes share: a data directory for PGlite, or a schema on PostgreSQL. */
async function sharedDatabase(): Promise<{ env: NodeJS.ProcessEnv; test?: TestDatabase }> {
  if (isPostgresUnderTest()) {
    // Created and migrated here, then closed: the children open it by DATABASE_URL + DATABASE_SCHEMA.
    const test = await openTestDatabase();
    cleanups.push(() => test.drop());
    return { env: { DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: test.schema }, test };
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), "ai-dev-processes-"));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  return { env: { DATA_DIR: dataDir } };
}

/** Queues runs of `workflow` for the given issue numbers through the real intake, on the shared database. */
async function queueRuns(test: TestDatabase, workflow: string, numbers: number[]): Promise<void> {
  const workflows = loadWorkflows({
    dir: path.join(path.dirname(intakeConfig), "workflows"),
    promptsDir: path.join(repoRoot, "prompts"),
    catalog: pluginCatalog,
  });
  const queue = new RunQueue(test);
  await queue.start();
  const limits = { max_cost_per_task: 5, max_tokens_per_task: 50_000, monthly_budget: 500 };
  for (const number of numbers) {
    const deliveryId = randomUUID();
    const outcome = await acceptRunRequest(
      { db: test.db, queue, workflows },
      deliveryId,
      {
        kind: "implement",
        workflow,
        label: "ai-implement",
        trigger: {
          source: "github",
          deliveryId,
          event: "issues.labeled",
          actor: { login: "Codertocat", id: 1 },
          installationId,
          repository: { owner: "acme", name: "app", fullName: "acme/app" },
          target: { kind: "issue", number, title: `Task ${number}`, body: "", url: "" },
        },
      },
      limits,
    );
    expect(outcome.kind).toBe("queued");
  }
  await queue.stop();
}

describe("durable runs across processes", () => {
  it("runs the job of a delivery whose web process was killed right after answering 2xx", async () => {
    const shared = await sharedDatabase();
    const { github, env } = await harness(shared);
    const port = await freePort();
    const web = processes.start(["start", "--no-worker"], env({ PORT: String(port) }));
    await healthy(port);

    const payload = webhookExample("issues", "labeled") as Record<string, unknown> & {
      label: { name: string };
      issue: { number: number };
    };
    payload.label.name = "ai-implement";
    payload.issue.number = 4242;
    payload.installation = { id: installationId };
    const body = JSON.stringify(payload);
    const response = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      body,
      headers: webhookHeaders("issues", body, webhookSecret, randomUUID()),
    });
    expect(response.status).toBe(200);
    await killHard(web.child);
    expect(github.comments()).toHaveLength(0); // nothing ran before the kill

    const restartPort = await freePort();
    processes.start(["start"], env({ PORT: String(restartPort) }));
    const done = await github.waitForComment(
      (body) => body.includes("· done"),
      "the run to finish after the restart",
      60_000,
    );
    expect(done).toContain("`implement-issue` · done");
    expect(github.comments().filter((c) => c.method === "POST")).toHaveLength(1);
  }, 120_000);

  it.skipIf(!isPostgresUnderTest())(
    "two worker processes on PostgreSQL execute each of 20 queued runs exactly once",
    async () => {
      const shared = await sharedDatabase();
      const { github, env } = await harness(shared);
      const test = shared.test as TestDatabase;

      // Queue 20 runs through the real intake, on the database the workers will share.
      const numbers = Array.from({ length: 20 }, (_, i) => i + 1);
      await queueRuns(test, "implement-issue", numbers);

      const workers = [processes.start(["worker"], env()), processes.start(["worker"], env())];
      const finished = await waitFor(
        async () => {
          const runs = await test.db.selectFrom("runs").select(["id", "status"]).execute();
          return runs.every((r) => r.status === "succeeded") ? runs : undefined;
        },
        90_000,
        "all 20 runs to succeed",
      );
      expect(finished).toHaveLength(20);

      // Each step of each run started once: no run was executed twice.
      const steps = await test.db
        .selectFrom("step_runs")
        .select(["run_id", "step_name", "attempt"])
        .execute();
      expect(steps).toHaveLength(40);
      expect(steps.every((s) => s.attempt === 1)).toBe(true);
      // Each run posts one progress comment. Comments notify people, so each process paces them per
      // installation (adapters/github/paced-octokit.ts: a burst of 40, then one every 8 s): they may
      // land after their run has ended.
      const posted = await waitFor(
        async () => {
          const posts = github.comments().filter((c) => c.method === "POST");
          return posts.length >= 20 ? posts : undefined;
        },
        60_000,
        "one progress comment per run",
      );
      await new Promise((resolve) => setTimeout(resolve, 3_500)); // a moment later, nothing more comes
      expect(github.comments().filter((c) => c.method === "POST")).toHaveLength(posted.length);
      expect(posted).toHaveLength(20);
      const executedBy = workers.map((w) => (w.output().match(/"msg":"run succeeded"/g) ?? []).length);
      expect(executedBy[0]! + executedBy[1]!).toBe(20);
    },
    210_000,
  );
});

/**
 * A run of long-step for one issue with worker A in its model call (which the scripted API never
 * answers), and worker B started beside it; the API answers B's call. Heartbeats are short (pg-boss's
 * minimum, 10 s) so a crash test waits seconds, not the production half-minute.
 */
async function runHeldMidStep(extraEnv: NodeJS.ProcessEnv) {
  const shared = await sharedDatabase();
  const api = await startScriptedAnthropic();
  cleanups.push(() => api.close());
  api.push({ hang: true }, { reply: anthropicFixture("messages.end_turn.json") });
  const { env } = await harness(shared);
  const test = shared.test as TestDatabase;
  const workerEnv = env({
    ANTHROPIC_BASE_URL: api.url,
    ANTHROPIC_API_KEY: "sk-ant-test-key",
    ...extraEnv,
  });
  await queueRuns(test, "long-step", [77]);
  const a = processes.start(["worker"], workerEnv);
  await waitFor(async () => (api.requests.length === 1 ? true : undefined), 60_000, "worker A's model call");
  const b = processes.start(["worker"], workerEnv);
  await waitForOutput(b, '"msg":"database ready"', 60_000, "worker B to start");
  const finished = () => finishedRun(test.db, 77, 120_000);
  const steps = () =>
    test.db
      .selectFrom("step_runs")
      .select(["step_name", "status", "attempt"])
      .where("phase", "=", "main")
      .orderBy("position")
      .execute();
  return { a, b, api, finished, steps };
}

describe.skipIf(!isPostgresUnderTest())("a worker that stops mid-step, on PostgreSQL", () => {
  it("resumes a SIGKILLed worker's run on another worker within 2 minutes", async () => {
    const { a, b, api, finished, steps } = await runHeldMidStep({ AI_DEV_RUN_HEARTBEAT_SECONDS: "10" });
    await killHard(a.child);
    const killedAt = Date.now();

    const run = await finished();
    expect({ status: run.status, error: run.error_message }).toEqual({ status: "succeeded", error: null });
    expect(Date.now() - killedAt).toBeLessThan(120_000);
    expect(api.requests).toHaveLength(2);
    // Only the step that was cut off ran again; the one before it was not repeated.
    expect(await steps()).toEqual([
      { step_name: "remember", status: "succeeded", attempt: 1 },
      { step_name: "plan", status: "succeeded", attempt: 2 },
      { step_name: "conclude", status: "succeeded", attempt: 1 },
    ]);
    await waitForOutput(b, '"msg":"run succeeded"', 10_000);
  }, 240_000);

  it("on SIGTERM exits within its grace period mid-step, and another worker finishes the run at once", async () => {
    // Heartbeats of a minute: a resume that waited for an expiry would come too late for this test.
    const { a, b, api, finished, steps } = await runHeldMidStep({
      AI_DEV_RUN_HEARTBEAT_SECONDS: "60",
      AI_DEV_SHUTDOWN_GRACE_SECONDS: "10",
    });
    const exited = new Promise<number | null>((resolve) => a.child.on("close", resolve));
    const termAt = Date.now();
    a.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(Date.now() - termAt).toBeLessThan(10_000);
    expect(a.output()).toContain('"msg":"run released at shutdown; queued again for another worker"');

    const run = await finished();
    expect({ status: run.status, error: run.error_message }).toEqual({ status: "succeeded", error: null });
    expect(Date.now() - termAt).toBeLessThan(45_000);
    expect(api.requests).toHaveLength(2);
    expect(await steps()).toEqual([
      { step_name: "remember", status: "succeeded", attempt: 1 },
      { step_name: "plan", status: "succeeded", attempt: 2 },
      { step_name: "conclude", status: "succeeded", attempt: 1 },
    ]);
    await waitForOutput(b, '"msg":"run succeeded"', 10_000);
  }, 240_000);
});

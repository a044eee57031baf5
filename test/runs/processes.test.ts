import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadWorkflows } from "../../src/engine/load-workflows.ts";
import { pluginCatalog } from "../../src/plugins/catalog.ts";
import { RunQueue } from "../../src/queue/run-queue.ts";
import { acceptRunRequest } from "../../src/runs/intake.ts";
import { installationId, intakeConfig, webhookSecret } from "../support/app-harness.ts";
import { cleanEnv, repoRoot, spawnCli, waitFor } from "../support/cli.ts";
import { isPostgresUnderTest, openTestDatabase, type TestDatabase } from "../support/database.ts";
import { FakeGitHub } from "../support/fake-github.ts";
import { freePort } from "../support/free-port.ts";
import { testPrivateKey, webhookExample, webhookHeaders } from "../support/webhook-examples.ts";

const children: ReturnType<typeof spawnCli>[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.on("close", resolve));
      child.kill("SIGKILL");
      await exited;
    }
  }
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
  const privateKey = testPrivateKey();
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

function start(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawnCli(args, env, repoRoot);
  let output = "";
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  children.push(child);
  return { child, output: () => output };
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

describe("durable runs across processes", () => {
  it("runs the job of a delivery whose web process was killed right after answering 2xx", async () => {
    const shared = await sharedDatabase();
    const { github, env } = await harness(shared);
    const port = await freePort();
    const web = start(["start", "--no-worker"], env({ PORT: String(port) }));
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
    const killed = new Promise((resolve) => web.child.on("close", resolve));
    web.child.kill("SIGKILL");
    await killed;
    expect(github.comments()).toHaveLength(0); // nothing ran before the kill

    const restartPort = await freePort();
    start(["start"], env({ PORT: String(restartPort) }));
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
      const workflows = loadWorkflows({
        dir: path.join(path.dirname(intakeConfig), "workflows"),
        promptsDir: path.join(repoRoot, "prompts"),
        catalog: pluginCatalog,
      });
      const queue = new RunQueue(test);
      await queue.start();
      const limits = { max_cost_per_task: 5, max_tokens_per_task: 50_000, monthly_budget: 500 };
      for (let number = 1; number <= 20; number++) {
        const deliveryId = randomUUID();
        const outcome = await acceptRunRequest(
          { db: test.db, queue, workflows },
          deliveryId,
          {
            kind: "implement",
            workflow: "implement-issue",
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

      const workers = [start(["worker"], env()), start(["worker"], env())];
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
      // Each run posted one progress comment.
      expect(github.comments().filter((c) => c.method === "POST")).toHaveLength(20);
      const executedBy = workers.map((w) => (w.output().match(/"msg":"run succeeded"/g) ?? []).length);
      expect(executedBy[0]! + executedBy[1]!).toBe(20);
    },
    150_000,
  );
});

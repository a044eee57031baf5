import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../demo/free-port.ts";
import { FakeGitHub, githubFixture } from "../../demo/stand-ins/fake-github.ts";
import { type GitHttpServer, startGitHttpServer } from "../../demo/stand-ins/git-http-server.ts";
import { createBareRepository, git, pushCommit } from "../../demo/stand-ins/git-repos.ts";
import { startScriptedAnthropic } from "../../demo/stand-ins/scripted-anthropic/server.ts";
import {
  throwawayPrivateKey,
  webhookExample,
  webhookHeaders,
} from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { releaseExpiredReservations } from "../../src/budget/expire.ts";
import { bigintToNumber } from "../../src/budget/money.ts";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { installationId, webhookSecret } from "../support/app-harness.ts";
import { cleanEnv, repoRoot } from "../support/cli.ts";
import { CliProcesses, killHard } from "../support/cli-processes.ts";
import { isPostgresUnderTest, openTestDatabase } from "../support/database.ts";
import { finishedRun } from "../support/runs.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";

const repository = "Codertocat/Hello-World";
const branch = "ai/9-fix-the-greeting-and-log-it";
const gitToken = String(githubFixture("installation-token.json").token);
const sandbox = await checkSandbox();

/** A model answer in the recorded shape, with this turn's content. */
function answer(n: number, content: Record<string, unknown>[], stop: "tool_use" | "end_turn") {
  return {
    ...anthropicFixture("messages.tool_use.json"),
    id: `msg_crash_${String(n).padStart(4, "0")}`,
    content,
    stop_reason: stop,
  };
}
const toolUse = (id: string, name: string, input: Record<string, unknown>) => ({
  type: "tool_use",
  id,
  name,
  input,
});
const editor = "str_replace_based_edit_tool";

const processes = new CliProcesses();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await processes.killAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The `messages` a recorded request sent: how far into the conversation that call was. */
const messagesOf = (body: Record<string, unknown>) => body.messages as unknown[];

// Two worker processes need one database they can both open: PGlite is one process per data directory.
describe.skipIf(!isPostgresUnderTest() || !sandbox.ok)("an agent whose worker is SIGKILLed mid-turn", () => {
  it("resumes on the other worker from its last checkpoint, asks and pays each turn once, and opens one pull request", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "ai-dev-crash-"));
    cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
    const settings = "commands:\n  test: sh test.sh\n";
    const bare = createBareRepository(root, "Hello-World.git", {
      "greeting.txt": "Hello, wrld\n",
      // Passes only when the edit of turn 2 (made before the crash) is in the resumed worktree.
      "test.sh":
        'grep -q "Hello, world" greeting.txt || { echo "greeting.txt has a typo"; exit 1; }\ngrep -q typo CHANGES.md || { echo "CHANGES.md is missing"; exit 1; }\necho ok\n',
      ".github/ai-dev.yml": settings,
    });
    const gitServer: GitHttpServer = await startGitHttpServer({ root, token: gitToken });
    cleanups.push(() => gitServer.close());

    const api = await startScriptedAnthropic();
    cleanups.push(() => api.close());
    const turn3 = answer(
      3,
      [
        toolUse("toolu_crash_3", editor, {
          command: "create",
          path: "CHANGES.md",
          file_text: "- Fixed a typo\n",
        }),
      ],
      "tool_use",
    );
    api.push(
      {
        reply: answer(
          1,
          [toolUse("toolu_crash_1", editor, { command: "view", path: "greeting.txt" })],
          "tool_use",
        ),
      },
      {
        reply: answer(
          2,
          [
            toolUse("toolu_crash_2", editor, {
              command: "str_replace",
              path: "greeting.txt",
              old_str: "wrld",
              new_str: "world",
            }),
          ],
          "tool_use",
        ),
      },
      // Turn 3 as the first worker asks it: never answered; that worker is killed while it waits.
      { hang: true },
      { reply: turn3 },
      { reply: answer(4, [toolUse("toolu_crash_4", "bash", { command: "sh test.sh" })], "tool_use") },
      {
        reply: answer(
          5,
          [{ type: "text", text: "Fixed the greeting and noted it in CHANGES.md." }],
          "end_turn",
        ),
      },
      {
        reply: answer(
          6,
          [
            {
              type: "text",
              text: JSON.stringify({ title: "Fix the greeting", body: "## What\nFixes the typo." }),
            },
          ],
          "end_turn",
        ),
      },
    );

    const github = new FakeGitHub();
    await github.start();
    cleanups.push(() => github.stop());
    github.roles.set("Codertocat", "write");
    github.repoConfigs.set(repository, settings);
    github.repositories.set(repository, {
      defaultBranch: "main",
      cloneUrl: gitServer.repoUrl("Hello-World.git"),
    });
    github.issueLabels.set(`${repository}#9`, ["ai-implement"]);

    // Created and migrated here, then closed: the processes open it by DATABASE_URL + DATABASE_SCHEMA.
    const database = await openTestDatabase();
    cleanups.push(() => database.drop());
    const privateKey = throwawayPrivateKey();
    // Each worker has a workspace of its own, as on two machines: the resumed worktree starts clean.
    const configFor = (name: string) => {
      const file = path.join(root, `${name}.config.yaml`);
      writeFileSync(
        file,
        `system:\n  name: "AI Dev (test)"\n  workspace_dir: ${path.join(root, `workspaces-${name}`)}\nworkflows:\n  config_dir: ${path.join(repoRoot, "workflows")}\n`,
      );
      return file;
    };
    const env = (name: string, extra: NodeJS.ProcessEnv = {}) =>
      cleanEnv({
        APP_ID: "123",
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: webhookSecret,
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        AI_DEV_CONFIG: configFor(name),
        HOST: "127.0.0.1",
        DATABASE_URL: process.env.DATABASE_URL,
        DATABASE_SCHEMA: database.schema,
        ANTHROPIC_BASE_URL: api.url,
        ANTHROPIC_API_KEY: "sk-ant-crash-test-key",
        // pg-boss's shortest heartbeat: a dead worker's run is free to take over seconds after it died.
        AI_DEV_RUN_HEARTBEAT_SECONDS: "10",
        // The new holder waits a heartbeat plus two thirds of this for the old holder's step to stop
        // (src/engine/execute-run.ts): a dead worker has nothing to stop, so seconds are enough here.
        AI_DEV_SHUTDOWN_GRACE_SECONDS: "3",
        ...extra,
      });

    const port = await freePort();
    const web = processes.start(["start", "--no-worker"], env("web", { PORT: String(port) }));
    const workers = [processes.start(["worker"], env("one")), processes.start(["worker"], env("two"))];
    await waitFor(
      async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined),
      60_000,
      "/healthz",
    );
    await waitFor(
      async () => (workers.every((w) => w.output().includes('"msg":"database ready"')) ? true : undefined),
      60_000,
      "both workers to start",
    );

    const payload = webhookExample("issues", "labeled") as {
      label: { name: string };
      issue: { number: number; title: string; body: string | null };
      repository: { default_branch: string };
      installation?: { id: number };
    };
    payload.label.name = "ai-implement";
    payload.issue.number = 9;
    payload.issue.title = "Fix the greeting and log it";
    payload.issue.body = "greeting.txt says wrld; note the fix in CHANGES.md.";
    payload.repository.default_branch = "main";
    payload.installation = { id: installationId };
    const body = JSON.stringify(payload);
    const delivered = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      body,
      headers: webhookHeaders("issues", body, webhookSecret, randomUUID()),
    });
    expect(delivered.status).toBe(200);

    // Turn 3 is on the wire: find the worker that holds the run and kill it there.
    await waitFor(
      async () => (api.requests.length === 3 ? true : undefined),
      90_000,
      "the agent's third turn",
    );
    const held = await database.db
      .selectFrom("runs")
      .select(["id", "lease_owner", "lease_epoch"])
      .where("target_number", "=", 9)
      .executeTakeFirstOrThrow();
    const ownerPid = Number(held.lease_owner?.split(":")[1]);
    const victim = workers.find((w) => w.child.pid === ownerPid);
    const survivor = workers.find((w) => w !== victim);
    expect(victim, `the lease owner ${held.lease_owner} is one of the workers`).toBeDefined();
    const checkpoint = await database.db
      .selectFrom("agent_checkpoints")
      .select(["turn", "diff"])
      .where("run_id", "=", held.id)
      .executeTakeFirstOrThrow();
    expect(checkpoint.turn).toBe(2);
    expect(checkpoint.diff).toContain("+Hello, world");
    if (victim) await killHard(victim.child);
    // Someone pushes to main while the run waits for a worker: the resume goes on from the commit the
    // checkpoint was taken on, and the run's changes stay its own.
    const startedOn = git(bare, ["rev-parse", "main"]).trim();
    pushCommit(bare, "main", { "README.md": "# Hello\n" }, "Someone else's commit meanwhile");

    const run = await finishedRun(database.db, 9, 90_000);
    expect({ status: run.status, error: run.error_message }).toEqual({ status: "succeeded", error: null });
    expect(run.lease_epoch).toBeGreaterThan(held.lease_epoch);
    expect(survivor?.output()).toContain('"msg":"development agent resumed from its checkpoint"');
    expect(survivor?.output()).toContain('"msg":"run succeeded"');

    // The model was asked turns 1 and 2 once; turn 3 twice (the killed ask and the resumed one, with the
    // same conversation); then 4, 5 and the PR description. The resumed ask starts from the checkpoint.
    expect(api.requests).toHaveLength(7);
    expect(api.unexpected).toBe(0);
    const agentCalls = api.requests.slice(0, 6).map((r) => messagesOf(r.body).length);
    expect(agentCalls).toEqual([1, 3, 5, 5, 7, 9]);
    expect(api.requests[3]?.body.messages).toEqual(api.requests[2]?.body.messages);
    expect(api.requests[3]?.body.system).toEqual(api.requests[2]?.body.system);

    // The ledger: one row per turn, none paid twice; the turn cut off by the kill has no row of its own.
    const calls = await database.db
      .selectFrom("model_calls")
      .select(["idempotency_key", "step", "cost_micros", "scopes"])
      .where("run_id", "=", run.id)
      .execute();
    const turnKeys = calls.map((c) => c.idempotency_key.slice(0, c.idempotency_key.lastIndexOf("/"))).sort();
    expect(turnKeys).toEqual([
      `${run.id}/main/describe_pr`,
      ...[1, 2, 3, 4, 5].map((n) => `${run.id}/main/develop/turn-${n}`),
    ]);
    expect(calls.every((c) => bigintToNumber(c.cost_micros) > 0)).toBe(true);
    const paid = calls.reduce((sum, c) => sum + bigintToNumber(c.cost_micros), 0);

    // The killed worker's hold on turn 3 is neither charged nor released by the takeover: per the
    // ledger's rules (src/budget/expire.ts) it counts as reserved until it expires, then is released
    // without spending. No scope was charged more than the ledger's rows.
    const holds = await database.db
      .selectFrom("budget_reservations")
      .selectAll()
      .where("run_id", "=", run.id)
      .execute();
    expect(holds).toHaveLength(1);
    const hold = holds[0];
    if (!hold) throw new Error("no hold");
    const scopes = calls[0]?.scopes ?? [];
    expect(scopes).toHaveLength(4); // run, task, repository month, installation month
    const budgets = () =>
      database.db.selectFrom("budgets").selectAll().where("scope", "in", scopes).execute();
    for (const row of await budgets()) {
      expect(bigintToNumber(row.spent_micros) + bigintToNumber(row.overrun_micros)).toBe(paid);
      expect(bigintToNumber(row.reserved_micros)).toBe(bigintToNumber(hold.micros));
    }
    expect(await releaseExpiredReservations(database.db, hold.expires_at)).toBe(1);
    for (const row of await budgets()) {
      expect(bigintToNumber(row.spent_micros) + bigintToNumber(row.overrun_micros)).toBe(paid);
      expect(bigintToNumber(row.reserved_micros)).toBe(0);
    }

    // Only the step that was cut off ran again.
    const steps = await database.db
      .selectFrom("step_runs")
      .select(["step_name", "attempt"])
      .where("run_id", "=", run.id)
      .where("phase", "=", "main")
      .where("status", "=", "succeeded")
      .execute();
    expect(steps.filter((s) => s.attempt !== 1)).toEqual([{ step_name: "develop", attempt: 2 }]);
    const develop = await database.db
      .selectFrom("step_runs")
      .select("outputs")
      .where("run_id", "=", run.id)
      .where("step_name", "=", "develop")
      .executeTakeFirstOrThrow();
    expect((develop.outputs as { changed_files: string[] }).changed_files.sort()).toEqual([
      "CHANGES.md",
      "greeting.txt",
    ]);

    // One branch with one commit holding both the edit before the crash and the file after it; one PR.
    expect(
      git(bare, ["for-each-ref", "--format=%(refname)", "refs/heads/"]).trim().split("\n").sort(),
    ).toEqual([`refs/heads/${branch}`, "refs/heads/main"]);
    expect(git(bare, ["rev-list", "--count", `main..${branch}`]).trim()).toBe("1");
    expect(git(bare, ["rev-parse", `${branch}~1`]).trim()).toBe(startedOn);
    expect(git(bare, ["diff", "--name-only", startedOn, branch]).trim().split("\n").sort()).toEqual([
      "CHANGES.md",
      "greeting.txt",
    ]);
    expect(git(bare, ["show", `${branch}:greeting.txt`])).toBe("Hello, world\n");
    expect(git(bare, ["show", `${branch}:CHANGES.md`])).toBe("- Fixed a typo\n");
    const pulls = github.pulls.filter((p) => p.repository === repository);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: branch, base: "main", draft: false });
    expect(pulls[0]?.body).toContain("`sh test.sh`: passed");
    expect(web.child.exitCode).toBeNull();
  }, 180_000);
});

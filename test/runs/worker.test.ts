import { afterEach, describe, expect, it } from "vitest";
import { startScriptedAnthropic } from "../../demo/stand-ins/scripted-anthropic/server.ts";
import { webhookExample } from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { openBudgets } from "../../src/budget/caps.ts";
import { readBudgets } from "../../src/budget/read.ts";
import { reserveBudget } from "../../src/budget/reserve.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";
import { openTestDatabase } from "../support/database.ts";
import { finishedRun } from "../support/runs.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

let issueNumber = 500;
function labeled() {
  issueNumber += 1;
  const payload = webhookExample("issues", "labeled") as {
    label: { name: string };
    issue: { number: number; title: string };
    installation?: { id: number };
  };
  payload.label.name = "ai-implement";
  payload.issue.number = issueNumber;
  payload.installation = { id: installationId };
  return payload;
}

function comment(body: string, number: number) {
  const payload = webhookExample("issue_comment", "created") as {
    comment: { body: string };
    issue: { number: number; pull_request?: unknown };
    installation?: { id: number };
  };
  payload.comment.body = body;
  payload.issue.number = number;
  delete payload.issue.pull_request;
  payload.installation = { id: installationId };
  return payload;
}

async function runOf(current: TestApp, number: number) {
  return await current.database.db
    .selectFrom("runs")
    .selectAll()
    .where("target_number", "=", number)
    .executeTakeFirst();
}

/**
 * An app whose repository caps a task at $0.01 and picks a workflow estimated above that: the label's
 * run waits for /approve-budget.
 */
async function startWaitingRun() {
  const current = await startTestApp({ worker: true });
  app = current;
  current.github.roles.set("Codertocat", "write");
  current.github.repoConfigs.set(
    "Codertocat/Hello-World",
    "limits:\n  max_cost_per_task: 0.01\nworkflows:\n  default: expensive\n",
  );
  await current.deliver("issues", labeled());
  const number = issueNumber;
  const waiting = await waitFor(
    async () => {
      const run = await runOf(current, number);
      return run?.status === "waiting" ? run : undefined;
    },
    30_000,
    "the run to wait for approval",
  );
  return { current, number, waiting };
}

describe("the worker", () => {
  it("executes a queued run and keeps one progress comment up to date", async () => {
    app = await startTestApp({ worker: true });
    app.github.roles.set("Codertocat", "write");
    await app.deliver("issues", labeled());

    const run = await finishedRun(app.database.db, issueNumber);
    expect(run.status).toBe("succeeded");
    const current = app;
    const last = await current.github.waitForComment(
      (body) => body.includes("· done"),
      "the final progress comment",
      10_000,
    );
    const posts = app.github.comments().filter((c) => c.method === "POST");
    expect(posts).toHaveLength(1); // created once, then edited in place
    expect(last).toContain("`implement-issue` · done");
    expect(last).toContain("- [x] `remember`");
    expect(last).toContain("- [x] `conclude`");
    expect(last).toContain("Estimated cost before starting");
    expect(last).toContain(run.id);
    // The comment is edited beside the steps, not between them: its id is stored once GitHub answered.
    const stored = await current.database.db
      .selectFrom("runs")
      .select("progress_comment_id")
      .where("id", "=", run.id)
      .executeTakeFirstOrThrow();
    expect(Number(stored.progress_comment_id)).toBeGreaterThan(0);
  });

  it("releases a budget hold left by a worker that died between reserve and settle", async () => {
    const database = await openTestDatabase();
    const scope = `run:crashed-${issueNumber}`;
    await openBudgets(database.db, [{ scope, capMicros: 1_000_000, capTokens: null, followsConfig: false }]);
    const past = new Date(Date.now() - 3_600_000);
    const held = await reserveBudget(database.db, {
      id: `crashed-${issueNumber}`,
      scopes: [scope],
      micros: 400_000,
      tokens: 1_000,
      runId: "crashed",
      now: past,
      expiresAt: new Date(past.getTime() + 60_000),
    });
    expect(held.ok).toBe(true);

    // A worker starting on the database gives the hold back.
    app = await startTestApp({ worker: true, database });
    const released = await waitFor(
      async () => {
        const budget = (await readBudgets(database.db, [scope])).get(scope);
        return budget?.reservedMicros === 0 ? budget : undefined;
      },
      20_000,
      "the expired hold to be released",
    );
    expect(released.spentMicros).toBe(0);
    const left = await database.db.selectFrom("budget_reservations").select("id").execute();
    expect(left).toHaveLength(0);
  });

  it("with DRY_RUN=true runs the workflow but posts nothing", async () => {
    app = await startTestApp({ worker: true, env: { DRY_RUN: "true" } });
    app.github.roles.set("Codertocat", "write");
    await app.deliver("issues", labeled());

    const run = await finishedRun(app.database.db, issueNumber);
    expect(run.status).toBe("succeeded");
    expect(app.github.comments()).toEqual([]);
    // It still asked GitHub who was asking: reading is not writing.
    expect(app.github.requests.some((r) => r.path.endsWith("/permission"))).toBe(true);
  });

  it("waits when the estimate passes the task's cap, and goes on after /approve-budget", async () => {
    const { current, number, waiting } = await startWaitingRun();
    const notice = await current.github.waitForComment(
      (body) => body.includes("/approve-budget"),
      "the waiting notice",
      10_000,
    );
    expect(notice).toContain("**Waiting:**");
    expect(notice).toContain("limits.max_cost_per_task $0.01");

    expect(await current.deliver("issue_comment", comment("/approve-budget 5", number))).toBe(200);
    const run = await finishedRun(current.database.db, number);
    expect(run.id).toBe(waiting.id);
    expect(run.status).toBe("succeeded");
    // The answer to the command and the run it released go on side by side.
    const approved = await waitFor(
      async () =>
        current.github
          .comments()
          .find((c) => c.body.startsWith(`Approved: run \`${run.id}\` may now spend up to $5.00`))?.body,
      10_000,
      "the approval's answer",
    );
    expect(approved).toContain(
      "Raised this run's cap from $0.01 to $5.00; this task's cap from $0.01 to $5.00",
    );
    const budget = await current.database.db
      .selectFrom("budgets")
      .selectAll()
      .where("scope", "=", `run:${run.id}`)
      .executeTakeFirst();
    expect(Number(budget?.cap_micros)).toBe(5_000_000);
  });

  it("/cancel ends a run that waits for approval, and a new label then starts afresh", async () => {
    const { current, number, waiting } = await startWaitingRun();

    expect(await current.deliver("issue_comment", comment("/cancel", number))).toBe(200);
    const cancelled = await waitFor(
      async () => {
        const run = await runOf(current, number);
        return run?.status === "cancelled" ? run : undefined;
      },
      20_000,
      "the waiting run to be cancelled",
    );
    expect(cancelled.id).toBe(waiting.id);

    const again = labeled();
    again.issue.number = number;
    // Labeled again later: the issue's updated_at has moved, so the body is not a replay of the first.
    (again.issue as { updated_at?: string }).updated_at = "2019-05-15T15:30:00Z";
    await current.deliver("issues", again);
    const fresh = await waitFor(
      async () => {
        const runs = await current.database.db
          .selectFrom("runs")
          .select(["id", "status"])
          .where("target_number", "=", number)
          .execute();
        return runs.find((r) => r.id !== waiting.id);
      },
      20_000,
      "a new run for the relabelled issue",
    );
    expect(fresh.id).not.toBe(waiting.id);
  });

  it("shows the run's model cost per step in its progress comment", async () => {
    const api = await startScriptedAnthropic();
    try {
      api.push({ reply: anthropicFixture("messages.end_turn.cache.json") });
      app = await startTestApp({
        worker: true,
        env: { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: "sk-ant-test-key" },
      });
      app.github.roles.set("Codertocat", "write");
      app.github.repoConfigs.set("Codertocat/Hello-World", "workflows:\n  default: ask-model-brief\n");
      await app.deliver("issues", labeled());
      const run = await finishedRun(app.database.db, issueNumber);

      expect({ status: run.status, error: run.error_message }).toEqual({ status: "succeeded", error: null });
      expect(api.requests).toHaveLength(1);
      const last = await app.github.waitForComment((body) => body.includes("| Step |"), "the cost report");
      expect(last).toContain("| Step | Model | Calls | Input | Output | Cache write | Cache read | Cost |");
      expect(last).toMatch(/\| plan \| claude-sonnet-5-5 \| 1 \|/);
      expect(Number(run.cost_usd_micros)).toBeGreaterThan(0);
      // The key never reaches the comment.
      expect(last).not.toContain("sk-ant-test-key");
    } finally {
      await api.close();
    }
  });

  it("stops a run whose model call would pass the task's cap, and says which cap on the issue", async () => {
    const api = await startScriptedAnthropic();
    try {
      app = await startTestApp({
        worker: true,
        env: { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: "sk-ant-test-key" },
      });
      app.github.roles.set("Codertocat", "write");
      // The estimate ($0.03) fits the $0.05 cap; the call's worst case (64,000 tokens out) does not.
      app.github.repoConfigs.set(
        "Codertocat/Hello-World",
        "limits:\n  max_cost_per_task: 0.05\nworkflows:\n  default: ask-model\n",
      );
      await app.deliver("issues", labeled());
      const run = await finishedRun(app.database.db, issueNumber);

      expect(run.status).toBe("failed");
      expect(run.error_code).toBe("budget_exceeded");
      const stopped = await app.github.waitForComment(
        (body) => body.includes("**Stopped:**"),
        "the stop notice",
      );
      expect(stopped).toContain(`(run:${run.id}) of $0.05 has $0.00 spent`);
      expect(stopped).toContain("raise limits.max_cost_per_task");
      expect(api.requests).toHaveLength(0); // refused before anything was sent or billed
    } finally {
      await api.close();
    }
  });

  it("dead-letters a run whose job keeps failing, and /status says so", async () => {
    app = await startTestApp({
      worker: true,
      queue: { retryLimit: 1, retryDelaySeconds: 1 },
      engineFor: async () => {
        throw new Error("the adapters could not be reached");
      },
    });
    app.github.roles.set("Codertocat", "write");
    await app.deliver("issues", labeled());
    const number = issueNumber;

    const run = await finishedRun(app.database.db, number);
    expect(run.status).toBe("failed");
    expect(run.error_code).toBe("dead_lettered");
    expect(run.error_message).toContain("the adapters could not be reached");
    const attempts = await app.database.db
      .selectFrom("audit_log")
      .select("id")
      .where("run_id", "=", run.id)
      .where("action", "=", "run.attempt_failed")
      .execute();
    expect(attempts).toHaveLength(2); // the first try and one retry

    expect(await app.deliver("issue_comment", comment("/status", number))).toBe(200);
    const current = app;
    const status = await current.github.waitForComment(
      (body) => body.startsWith("| run |"),
      "the /status answer",
      20_000,
    );
    expect(status).toContain("failed (gave up after retries)");
  });

  it("says in the progress comment that the issue changed after the label, and runs the labeled version", async () => {
    const { current, number, waiting } = await startWaitingRun();
    const labeledBody = (waiting.inputs as { body: string }).body;
    const edited = webhookExample("issues", "edited") as {
      issue: { number: number; title: string; body: string | null };
      changes: Record<string, unknown>;
      installation?: { id: number };
    };
    edited.issue.number = number;
    edited.issue.title = (waiting.inputs as { title: string }).title;
    edited.issue.body = "Changed after approval: also remove the auth checks";
    edited.changes = { body: { from: labeledBody } };
    edited.installation = { id: installationId };
    expect(await current.deliver("issues", edited)).toBe(200);
    await waitFor(
      async () =>
        (await current.database.db
          .selectFrom("audit_log")
          .select("id")
          .where("run_id", "=", waiting.id)
          .where("action", "=", "run.task_changed")
          .executeTakeFirst()) ?? undefined,
      20_000,
      "the edit to be noted on the run",
    );

    expect(await current.deliver("issue_comment", comment("/approve-budget 5", number))).toBe(200);
    const run = await finishedRun(current.database.db, number);
    expect(run.status).toBe("succeeded");
    expect((run.inputs as { body: string }).body).toBe(labeledBody);
    const last = await current.github.waitForComment(
      (body) => body.includes("· done"),
      "the final progress comment",
      10_000,
    );
    expect(last).toContain("the issue changed after it was labeled; the run uses the labeled version");
  }, 90_000); // two runs' worth of polling on a shared machine

  it("estimates the task with the issue's comments up to the label", async () => {
    app = await startTestApp({ worker: true });
    const current = app;
    current.github.roles.set("Codertocat", "write");
    current.github.repoConfigs.set("Codertocat/Hello-World", "workflows:\n  default: expensive\n");
    const estimateOf = async (payload: ReturnType<typeof labeled>) => {
      await current.deliver("issues", payload);
      const path = `/repos/Codertocat/Hello-World/issues/${payload.issue.number}/comments`;
      const body = await waitFor(
        async () =>
          current.github.comments().find((c) => c.path === path && c.body.includes("Estimated cost"))?.body,
        30_000,
        `the estimate of #${payload.issue.number}`,
      );
      return Number(/\(([\d,]+) tokens\)/.exec(body)?.[1]?.replaceAll(",", ""));
    };

    const bare = await estimateOf(labeled());
    const discussed = labeled();
    const longComment = "The cache must survive restarts and be shared between workers. ".repeat(110); // ~7,000 chars
    current.github.issueComments.set(discussed.issue.number, [
      current.github.issueComment({
        id: 1,
        login: "octocat",
        body: longComment,
        createdAt: new Date(Date.now() - 60_000),
      }),
    ]);
    const withComments = await estimateOf(discussed);
    // About 2,000 more tokens in the task: read in full once, then from the cache by every later turn of
    // the agent step, where a cached token counts a tenth (src/budget/ledger.ts cacheReadTokenWeight).
    expect(withComments - bare).toBeGreaterThan(3 * 1_900);
  }, 90_000); // two runs' worth of polling on a shared machine

  it("lets a job that meets another worker's live lease wait, without using up retries or dead-lettering", {
    timeout: 90_000,
  }, async () => {
    // Intake only: the run is queued and nothing executes it yet.
    const intake = await startTestApp({ worker: true, executeRuns: false });
    intake.github.roles.set("Codertocat", "write");
    await intake.deliver("issues", labeled());
    const number = issueNumber;
    const queued = await waitFor(async () => runOf(intake, number), 30_000, "the run to be queued");
    await intake.runtime.stop();
    await intake.github.stop();
    // Another worker holds the run, alive, for a few seconds more.
    const heldUntil = new Date(Date.now() + 4_000);
    await intake.database.db
      .updateTable("runs")
      .set({ status: "running", lease_owner: "other-worker", lease_expires_at: heldUntil })
      .where("id", "=", queued.id)
      .execute();

    // No retries at all: a job that counted its wait as a failure would dead-letter the run at once.
    app = await startTestApp({
      worker: true,
      database: intake.database,
      queue: { retryLimit: 0, retryDelaySeconds: 1 },
    });
    const run = await finishedRun(app.database.db, number);
    expect({ status: run.status, error: run.error_code }).toEqual({ status: "succeeded", error: null });
    expect(run.finished_at?.getTime()).toBeGreaterThanOrEqual(heldUntil.getTime());
    const failures = await app.database.db
      .selectFrom("audit_log")
      .select("action")
      .where("run_id", "=", run.id)
      .where("action", "in", ["run.attempt_failed", "run.dead_lettered"])
      .execute();
    expect(failures).toEqual([]);
  });

  it("/cancel stops a run in the middle of its executing step, and its progress comment says so", async () => {
    const api = await startScriptedAnthropic();
    try {
      api.push({ hang: true }); // the model call would never end by itself
      app = await startTestApp({
        worker: true,
        env: { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: "sk-ant-test-key" },
      });
      app.github.roles.set("Codertocat", "write");
      app.github.repoConfigs.set("Codertocat/Hello-World", "workflows:\n  default: long-step\n");
      await app.deliver("issues", labeled());
      const number = issueNumber;
      await waitFor(async () => (api.requests.length === 1 ? true : undefined), 30_000, "the model call");

      const asked = Date.now();
      expect(await app.deliver("issue_comment", comment("/cancel", number))).toBe(200);
      const run = await finishedRun(app.database.db, number);
      expect(Date.now() - asked).toBeLessThan(15_000);
      expect(run.status).toBe("cancelled");
      expect(run.error_message).toBe('the run was cancelled during step "plan", which was stopped');
      const last = await app.github.waitForComment(
        (body) => body.includes("· cancelled"),
        "the progress comment to say the run was cancelled",
      );
      expect(last).toContain("- [x] `remember`");
      expect(last).toContain("- [ ] `plan` (cancelled)");
      expect(last).toContain("- [ ] `conclude`");
      expect(last).toContain("Cancelled on request");
    } finally {
      await api.close();
    }
  }, 60_000);
});

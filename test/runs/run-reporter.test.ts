import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/logger.ts";
import type { IssueThread } from "../../src/plugins/issue-thread.ts";
import { RunReporter } from "../../src/runs/run-reporter.ts";
import { shippedWorkflows } from "../engine/support/recording-ports.ts";
import { startRun } from "../engine/support/start-run.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

const workflows = shippedWorkflows();

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** A thread that records what the reporter sent it, and when. */
function recordingThread() {
  const sent: { kind: "comment" | "edit"; body: string; at: number }[] = [];
  const thread: IssueThread = {
    async comment(body) {
      sent.push({ kind: "comment", body, at: performance.now() });
      return 7;
    },
    async editComment(_id, body) {
      sent.push({ kind: "edit", body, at: performance.now() });
    },
  };
  return { thread, sent };
}

async function reporterFor(thread: IssueThread, minEditIntervalMs: number) {
  const { runId } = await startRun(database.db, workflows, {
    workflow: "implement-issue",
    inputs: { task_key: "acme/app#3", repository: "acme/app" },
  });
  const workflow = workflows.get("implement-issue");
  if (!workflow) throw new Error("implement-issue is a shipped workflow");
  return new RunReporter({
    db: database.db,
    runId,
    thread,
    workflow,
    appName: "ai-dev",
    log: createLogger({ level: "silent" }),
    commentId: null,
    minEditIntervalMs,
  });
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the progress comment's edits", () => {
  it("posts the first state at once, then folds the states asked for within the interval into one edit with the newest", async () => {
    const { thread, sent } = recordingThread();
    const reporter = await reporterFor(thread, 400);
    reporter.schedule(["first"]);
    await settle(100);
    expect(sent.map((s) => s.kind)).toEqual(["comment"]);
    for (const note of ["second", "third", "fourth"]) {
      reporter.schedule([note]);
      await settle(20);
    }
    // Still inside the interval: nothing more was sent.
    expect(sent).toHaveLength(1);
    await settle(500);
    expect(sent.map((s) => s.kind)).toEqual(["comment", "edit"]);
    expect(sent[1]?.body).toContain("fourth");
    expect(sent[1]?.body).not.toContain("third");
    const [posted, edited] = sent;
    expect((edited?.at ?? 0) - (posted?.at ?? 0)).toBeGreaterThanOrEqual(390);
  });

  it("sends an update at once, without waiting out the interval, and waits for GitHub to have it", async () => {
    const { thread, sent } = recordingThread();
    const reporter = await reporterFor(thread, 10_000);
    await reporter.update(["first"]);
    reporter.schedule(["held back by the interval"]);
    await settle(50);
    expect(sent).toHaveLength(1);
    const asked = performance.now();
    await reporter.update(["the run ended"]);
    expect(performance.now() - asked).toBeLessThan(2_000);
    expect(sent.map((s) => s.kind)).toEqual(["comment", "edit"]);
    expect(sent[1]?.body).toContain("the run ended");
  });

  it("never edits for a state that shows nothing new", async () => {
    const { thread, sent } = recordingThread();
    const reporter = await reporterFor(thread, 0);
    await reporter.update(["same"]);
    await reporter.update(["same"]);
    reporter.schedule(["same"]);
    await settle(50);
    expect(sent).toHaveLength(1);
  });
});

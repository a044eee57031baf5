import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookExample } from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { openDatabase } from "../../src/db/connect.ts";
import { createLogger } from "../../src/logging/logger.ts";
import type { IssueThread } from "../../src/plugins/issue-thread.ts";
import { isCommentRateLimited, rateLimitedThread } from "../../src/runs/comment-rate-limit.ts";
import { installationId, startTestApp } from "../support/app-harness.ts";
import { isPostgresUnderTest, openTestDatabase, type TestDatabase } from "../support/database.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** The thread a rate-limited thread passes through to: it records what reached it. */
function recordingThread() {
  const posted: string[] = [];
  const edited: string[] = [];
  const thread: IssueThread = {
    async comment(body) {
      posted.push(body);
      return posted.length;
    },
    async editComment(_id, body) {
      edited.push(body);
    },
  };
  return { thread, posted, edited };
}

describe("the app's comments per installation", () => {
  it("posts at most max_comments in a sliding window, across processes, and audits what it holds back", async () => {
    // A second process: its own connection to the same database (PGlite in memory has only one).
    const other = isPostgresUnderTest()
      ? await openDatabase({
          kind: "postgres",
          url: process.env.DATABASE_URL as string,
          schema: database.schema,
        })
      : database;
    try {
      const log = createLogger({ level: "silent" });
      const limit = { max_comments: 2, window_minutes: 60 };
      const start = new Date("2026-12-01T10:00:00Z");
      let now = start;
      const clock = () => now;
      const ref = { installationId: 7001, repository: "acme/app", number: 3 };
      const a = recordingThread();
      const b = recordingThread();
      const first = rateLimitedThread(a.thread, { db: database.db, ref, limit, log, now: clock });
      const second = rateLimitedThread(b.thread, {
        db: other.db,
        ref: { ...ref, number: 4 },
        limit,
        log,
        now: clock,
      });
      const elsewhere = recordingThread();
      const otherInstallation = rateLimitedThread(elsewhere.thread, {
        db: database.db,
        ref: { ...ref, installationId: 7002 },
        limit,
        log,
        now: clock,
      });

      await first.comment("one");
      now = new Date(start.getTime() + 60_000);
      await second.comment("two");
      now = new Date(start.getTime() + 120_000);
      const third = await first.comment("three").catch((error: unknown) => error);
      expect(isCommentRateLimited(third)).toBe(true);
      expect(a.posted).toEqual(["one"]);
      expect(b.posted).toEqual(["two"]);
      // Edits of a progress comment are not counted, and another installation has its own window.
      await first.editComment(1, "one, edited");
      expect(a.edited).toEqual(["one, edited"]);
      await otherInstallation.comment("elsewhere");
      expect(elsewhere.posted).toEqual(["elsewhere"]);

      const held = await database.db
        .selectFrom("audit_log")
        .selectAll()
        .where("action", "=", "comment.rate_limited")
        .where("repository", "=", "acme/app")
        .execute();
      expect(held).toMatchObject([{ target: "#3", details: { maxComments: 2, windowMinutes: 60 } }]);

      // An hour after the first comment it has left the window: one more may be posted, not two.
      now = new Date(start.getTime() + 3_600_000 + 1);
      await second.comment("four");
      expect(isCommentRateLimited(await first.comment("five").catch((error: unknown) => error))).toBe(true);
      expect([...a.posted, ...b.posted]).toEqual(["one", "two", "four"]);
    } finally {
      if (other !== database) await other.close();
    }
  });

  it("holds back the app's answers over the configured limit, end to end", async () => {
    const app = await startTestApp({
      worker: true,
      executeRuns: false,
      database: await openTestDatabase(),
      env: {
        AI_DEV_CONFIG: path.join(
          import.meta.dirname,
          "..",
          "fixtures",
          "intake",
          "comment-limit.config.yaml",
        ),
      },
    });
    try {
      // Three outsiders label three issues: each would be told why nothing happens.
      const ids = [1, 2, 3].map(() => randomUUID());
      for (const [index, id] of ids.entries()) {
        const payload = webhookExample("issues", "labeled") as {
          label: { name: string };
          issue: { number: number };
          sender: { login: string };
          installation?: { id: number };
        };
        payload.label.name = "ai-implement";
        payload.issue.number = 700 + index;
        payload.sender.login = `outsider-${index}`;
        payload.installation = { id: installationId };
        expect(await app.deliver("issues", payload, id)).toBe(200);
        await waitFor(
          async () => {
            const jobs = await app.runtime.queue.boss.findJobs("intake", { data: { deliveryId: id } });
            return jobs.some((job) => job.state === "completed") ? true : undefined;
          },
          20_000,
          `the intake of delivery ${id}`,
        );
      }
      expect(app.github.comments().map((c) => c.path)).toEqual([
        "/repos/Codertocat/Hello-World/issues/700/comments",
        "/repos/Codertocat/Hello-World/issues/701/comments",
      ]);
      const held = await app.database.db
        .selectFrom("audit_log")
        .selectAll()
        .where("action", "=", "comment.rate_limited")
        .execute();
      expect(held).toMatchObject([{ repository: "Codertocat/Hello-World", target: "#702" }]);
      // The refusal itself is still on record.
      const refusals = await app.database.db
        .selectFrom("audit_log")
        .select("target")
        .where("action", "=", "trigger.refused")
        .execute();
      expect(refusals).toHaveLength(3);
    } finally {
      await app.stop();
    }
  });
});

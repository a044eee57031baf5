import { type Kysely, sql } from "kysely";
import type { AppConfig } from "../config/schema.ts";
import type { Database } from "../db/schema.ts";
import type { Logger } from "../logging/logger.ts";
import type { IssueThread, ThreadRef } from "../plugins/issue-thread.ts";
import { audit } from "./audit.ts";

export type CommentRateLimit = AppConfig["security"]["comment_rate_limit"];

/** A comment the rate limit held back: logged and audited, not posted. */
export class CommentRateLimitedError extends Error {
  constructor(ref: ThreadRef, limit: CommentRateLimit) {
    super(
      `installation ${ref.installationId} reached its limit of ${limit.max_comments} comments in ${limit.window_minutes} minutes (security.comment_rate_limit); the comment on ${ref.repository}#${ref.number} was not posted`,
    );
    this.name = "CommentRateLimitedError";
  }
}

export function isCommentRateLimited(error: unknown): error is CommentRateLimitedError {
  return error instanceof CommentRateLimitedError;
}

/**
 * The app's own new comments per installation, counted in a sliding window kept in the database, so the
 * limit holds across processes and restarts: anyone who can open an issue can make the app answer, and a
 * flood of answers is spam on the repository and a way to get the app's token rate limited by GitHub.
 * Over the limit, `comment` throws CommentRateLimitedError after auditing it.
 *
 * Edits are not counted: the progress comment is edited in place as a run moves (one comment per run,
 * which GitHub does not notify anyone about), so limiting edits would only leave a run's state stale.
 */
export function rateLimitedThread(
  thread: IssueThread,
  options: {
    db: Kysely<Database>;
    ref: ThreadRef;
    limit: CommentRateLimit;
    log: Logger;
    now?: () => Date;
  },
): IssueThread {
  const { db, ref, limit, log } = options;
  return {
    async comment(body) {
      const now = options.now?.() ?? new Date();
      const slot = await takeCommentSlot(db, ref, limit, now);
      if (slot === undefined) {
        log.warn({ ...ref, limit }, "comment not posted: the installation's comment rate limit is reached");
        await audit(db, {
          actor: "ai-dev",
          action: "comment.rate_limited",
          repository: ref.repository,
          target: `#${ref.number}`,
          details: {
            maxComments: limit.max_comments,
            windowMinutes: limit.window_minutes,
            length: body.length,
          },
        });
        throw new CommentRateLimitedError(ref, limit);
      }
      try {
        return await thread.comment(body);
      } catch (error) {
        // Nothing was posted: the slot goes back, so a failed call does not count against the window.
        await db.deleteFrom("app_comments").where("id", "=", slot).execute();
        throw error;
      }
    },
    editComment: (commentId, body) => thread.editComment(commentId, body),
  };
}

/** Claims one comment of the window, or undefined when it is full; one installation at a time. */
async function takeCommentSlot(
  db: Kysely<Database>,
  ref: ThreadRef,
  limit: CommentRateLimit,
  now: Date,
): Promise<number | undefined> {
  const since = new Date(now.getTime() - limit.window_minutes * 60_000);
  return await db.transaction().execute(async (trx) => {
    // Two processes counting at once would both see room for the last comment.
    await sql`select pg_advisory_xact_lock(hashtext(${`app_comments:${ref.installationId}`}))`.execute(trx);
    const { count } = await trx
      .selectFrom("app_comments")
      .select((eb) => eb.fn.countAll<string | number>().as("count"))
      .where("installation_id", "=", ref.installationId)
      .where("posted_at", ">", since)
      .executeTakeFirstOrThrow();
    if (Number(count) >= limit.max_comments) return undefined;
    // What left the window counts no more; pruned here so the table stays one window long.
    await trx
      .deleteFrom("app_comments")
      .where("installation_id", "=", ref.installationId)
      .where("posted_at", "<=", since)
      .execute();
    const row = await trx
      .insertInto("app_comments")
      .values({
        installation_id: ref.installationId,
        repository: ref.repository,
        number: ref.number,
        posted_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return Number(row.id);
  });
}

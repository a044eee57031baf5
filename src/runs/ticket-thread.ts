import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import type { Logger } from "../logging/logger.ts";
import type { IssueThread, ThreadRef } from "../plugins/issue-thread.ts";
import type { TicketAccess } from "../plugins/ticket-access.ts";

/** How long one comment on a ticket may take before the caller moves on (and retries later). */
const commentTimeoutMs = 30_000;

/**
 * Posts a comment on a ticket through the tracker's adapter, once per idempotency key: a retried intake
 * job or a resumed run finds the comment it posted before instead of posting it again.
 */
export async function postTicketComment(
  tickets: TicketAccess,
  ticket: { key: string; idempotencyKey: string; runId?: string | undefined },
  body: string,
  log: Logger,
): Promise<number> {
  const posted = await tickets.tasks.add_comment(
    { task_key: ticket.key, body },
    {
      runId: ticket.runId ?? "intake",
      stepName: "report",
      idempotencyKey: ticket.idempotencyKey,
      leaseEpoch: 0,
      signal: AbortSignal.timeout(commentTimeoutMs),
      log,
    },
  );
  // The thread's ids are numbers (GitHub's); a tracker's (Jira's digits, Linear's UUID) become a stable one.
  return Number.parseInt(
    createHash("sha256").update(String(posted.comment_id)).digest("hex").slice(0, 12),
    16,
  );
}

/** The states a ticket hears about: a tracker cannot edit a comment in place the way an issue can. */
const toldStates = new Set(["waiting", "succeeded", "failed", "cancelled"]);

/**
 * A run's thread on its tracker ticket, for the same RunReporter that keeps a GitHub issue's progress
 * comment: its first comment says the run started, and instead of editing it at every step (a tracker
 * would notify the team each time) one more comment is posted when the run waits, ends or fails,
 * carrying the same text: the outcome, the cost, and on failure the reason and the way out.
 */
export function ticketRunThread(options: {
  db: Kysely<Database>;
  tickets: TicketAccess;
  taskKey: string;
  runId: string;
  log: Logger;
}): IssueThread {
  const { db, tickets, taskKey, runId, log } = options;
  const post = (state: string, body: string) =>
    postTicketComment(tickets, { key: taskKey, runId, idempotencyKey: `run:${runId}:${state}` }, body, log);
  return {
    comment: async (body) => post("started", body),
    editComment: async (_commentId, body, shows) => {
      // The state the text shows, not the run's state now: a text rendered a moment before the run
      // ended must not stand for its end (the next update, with the outcome, does).
      const status = shows?.runStatus ?? (await statusOf(db, runId));
      if (status && toldStates.has(status)) await post(status, body);
    },
  };
}

async function statusOf(db: Kysely<Database>, runId: string): Promise<string | undefined> {
  const run = await db.selectFrom("runs").select("status").where("id", "=", runId).executeTakeFirst();
  return run?.status;
}

/**
 * Where a run reports: its ticket when a tracker started it, otherwise the GitHub thread it came from.
 * Only a run (a ref with its id) can be a ticket's; answers to GitHub comments stay on GitHub.
 */
export function ticketAwareThreads(options: {
  db: Kysely<Database>;
  tickets: TicketAccess;
  github: (ref: ThreadRef) => Promise<IssueThread>;
  log: Logger;
}): (ref: ThreadRef) => Promise<IssueThread> {
  const { db, tickets, log } = options;
  return async (ref) => {
    const runId = (ref as ThreadRef & { runId?: unknown }).runId;
    if (typeof runId === "string") {
      const run = await db
        .selectFrom("runs")
        .select(["source", "task_key"])
        .where("id", "=", runId)
        .executeTakeFirst();
      if (run?.task_key && run.source === tickets.source) {
        return ticketRunThread({ db, tickets, taskKey: run.task_key, runId, log });
      }
    }
    return await options.github(ref);
  };
}

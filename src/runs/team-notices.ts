import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { getRun, type RunRecord } from "../engine/run-store.ts";
import type { Logger } from "../logging/logger.ts";
import type { CommunicationAdapter } from "../plugins/communication.ts";
import { audit } from "./audit.ts";
import type { RunRef } from "./run-ref.ts";

/** What the team's channel hears about a run besides its workflow's own notify steps. */
export type TeamNoticeKind = "run_failed" | "budget_reached";

export interface TeamNoticeDeps {
  db: Kysely<Database>;
  log: Logger;
  /** The communication plugin's adapter, when one is configured and enabled. */
  teamChannel?: (() => Promise<CommunicationAdapter | undefined>) | undefined;
}

/** How long telling the channel may take: a slow chat service must not hold a worker's job. */
const noticeTimeoutMs = 30_000;

/**
 * The words of a notice, as plain text (the adapter escapes it for its service). The reason is the
 * run's stored error or the budget gate's message, which already say what to do.
 */
export function teamNotice(
  kind: TeamNoticeKind,
  run: { runId: string; task: string; reason: string; url?: string | undefined },
): { message: string; level: "error" | "warning" } {
  const link = run.url ? `\n${run.url}` : "";
  return kind === "run_failed"
    ? { level: "error", message: `Run ${run.runId} for ${run.task} failed: ${run.reason}${link}` }
    : {
        level: "warning",
        message: `Run ${run.runId} for ${run.task} reached its budget: ${run.reason}${link}`,
      };
}

/**
 * Tells the team's channel that a run failed or was held by its budget, in the run's thread there.
 * Workflows notify on success with their own steps; failures and budget holds happen outside any step,
 * so the worker says them. A channel that cannot be reached never fails the run: it is logged.
 */
export async function tellTeam(
  deps: TeamNoticeDeps,
  ref: RunRef,
  kind: TeamNoticeKind,
  reason: string,
): Promise<void> {
  if (!deps.teamChannel) return;
  const log = deps.log.child({ runId: ref.runId, notice: kind });
  try {
    const channel = await deps.teamChannel();
    const run = channel ? await getRun(deps.db, ref.runId) : undefined;
    if (!channel || !run) return;
    const notice = teamNotice(kind, { runId: run.id, task: taskOf(run, ref), reason, url: urlOf(run) });
    await channel.notify(notice, {
      runId: run.id,
      stepName: `notice:${kind}`,
      idempotencyKey: `${run.id}:notice:${kind}:${run.leaseEpoch}`,
      leaseEpoch: run.leaseEpoch,
      signal: AbortSignal.timeout(noticeTimeoutMs),
      log,
    });
    await audit(deps.db, { actor: "ai-dev", action: "run.team_notified", runId: run.id, details: { kind } });
  } catch (err) {
    log.warn({ err }, "the team's channel was not told");
  }
}

/** The task as the team knows it: the workflow's task key (PROJ-123, owner/repo#12), else the issue. */
function taskOf(run: RunRecord, ref: RunRef): string {
  const key = run.inputs.task_key;
  return typeof key === "string" && key !== "" ? key : `${ref.repository}#${ref.number}`;
}

/** The issue or pull request the run answers on, where its progress comment is. */
function urlOf(run: RunRecord): string | undefined {
  const request = run.context.request as { trigger?: { target?: { url?: unknown } } } | undefined;
  const url = request?.trigger?.target?.url;
  return typeof url === "string" && url !== "" ? url : undefined;
}

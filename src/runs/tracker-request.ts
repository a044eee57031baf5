import { isUserFacingError } from "../errors.ts";
import { type Task, taskSchema } from "../plugins/task-management.ts";
import type { TicketAccess } from "../plugins/ticket-access.ts";
import { audit, isRecorded } from "./audit.ts";
import { authorizeActor } from "./authorize.ts";
import { installationOf } from "./chat-request.ts";
import { acceptRunRequest } from "./intake.ts";
import { effectiveRepoConfig, type TriggerProcessingDeps } from "./process-trigger.ts";
import type { RunRequest, RunTrigger } from "./run-request.ts";
import type { TaskSnapshot } from "./task-snapshot.ts";
import { postTicketComment } from "./ticket-thread.ts";
import type { TriggerEvent } from "./trigger-event.ts";
import { readTriggerRepository } from "./trigger-repository.ts";

type TrackerImplement = Extract<TriggerEvent, { kind: "tracker_implement" }>;

/** The audit action that marks a tracker trigger as decided: a retried job says nothing twice. */
export const trackerAnsweredAction = "tracker.answered";

interface Decision {
  outcome: string;
  runId?: string;
  /** Said on the ticket; nothing when the run's own reporting speaks for it. */
  text?: string;
}

/**
 * A ticket moved to the trigger status: the default workflow starts exactly as a GitHub issue's label
 * starts it (the same one-active-run rule, the same repository settings), with the ticket as it was at
 * the delivery as its task. When the tracker maps its people to GitHub logins, GitHub is asked whether
 * the mover's login may write to the repository; refusals and problems are said on the ticket, once.
 */
export async function processTrackerImplement(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  event: TrackerImplement,
): Promise<void> {
  if (await isRecorded(deps.db, deliveryId, trackerAnsweredAction)) return;
  const tickets = ticketsOf(deps, event.source);
  const decision = await startTicketImplement(deps, tickets, deliveryId, event);
  if (decision.text) {
    await postTicketComment(
      tickets,
      { key: event.ticket.key, idempotencyKey: `reply:${deliveryId}` },
      decision.text,
      deps.log,
    );
  }
  deps.log.info(
    { deliveryId, ticket: event.ticket.key, outcome: decision.outcome },
    "tracker trigger decided",
  );
  await audit(deps.db, {
    actor: event.mover.login ?? `${event.source}:${event.mover.id ?? "unknown"}`,
    action: trackerAnsweredAction,
    repository: `${event.repository.owner}/${event.repository.name}`,
    target: event.ticket.key,
    runId: decision.runId ?? null,
    deliveryId,
    details: { outcome: decision.outcome, reason: event.reason },
  });
}

/** The configured tracker, which must be the one the delivery came from (the endpoint is its). */
export function ticketsOf(deps: TriggerProcessingDeps, source: string): TicketAccess {
  if (!deps.tickets || deps.tickets.source !== source) {
    throw new Error(
      `a ${source} trigger arrived, but ${source} is not the configured task_management provider`,
    );
  }
  return deps.tickets;
}

/** The ticket as the tracker's adapter reads it now, for the intake of one delivery. */
export async function readTicket(
  deps: TriggerProcessingDeps,
  tickets: TicketAccess,
  key: string,
  deliveryId: string,
): Promise<Task> {
  return taskSchema.parse(
    await tickets.tasks.get_task(
      { task_key: key },
      {
        runId: "intake",
        stepName: "snapshot",
        idempotencyKey: `snapshot:${deliveryId}`,
        leaseEpoch: 0,
        signal: AbortSignal.timeout(30_000),
        log: deps.log,
      },
    ),
  );
}

/**
 * The default workflow on a ticket, once: its repository's installation, the mover's permission (unless
 * the asker is already known: an API token's write scope), the ticket as of the delivery, the run.
 * `known` holds what the caller has already: the asker, and the ticket it read to find the repository.
 */
export async function startTicketImplement(
  deps: TriggerProcessingDeps,
  tickets: TicketAccess,
  deliveryId: string,
  event: TrackerImplement,
  known: { asker?: RunTrigger["actor"]; task?: Task } = {},
): Promise<Decision> {
  const name = deps.config.system.name;
  const { owner, name: repo } = event.repository;
  const fullName = `${owner}/${repo}`;
  const installationId = await installationOf(await deps.github.appClient(), event.repository);
  if (installationId === undefined) {
    // Over the API the asker is known and asks again by calling again, not by moving the ticket.
    const again = known.asker ? "assign the ticket again" : "move the ticket again";
    return {
      outcome: "not_installed",
      text: `${name} did not start: it is not installed on ${fullName}, the repository this ticket's project is mapped to. Install the GitHub App there, then ${again}.`,
    };
  }
  const github = await deps.github.client(installationId);
  let actor: RunTrigger["actor"];
  if (known.asker) {
    actor = known.asker;
  } else if (event.mover.login) {
    // Asked of GitHub now, as for a label: the mapping says who the person is, never what they may do.
    const decision = await authorizeActor(github, event.repository, {
      login: event.mover.login,
      type: "User",
    });
    if (!decision.allowed) {
      await audit(deps.db, {
        actor: event.mover.login,
        action: "trigger.refused",
        repository: fullName,
        target: event.ticket.key,
        deliveryId,
        details: { event: event.event, reason: decision.reason, role: decision.role ?? null },
      });
      return {
        outcome: "refused",
        text: `${name} did not start: the person who moved this ticket is mapped to the GitHub login @${event.mover.login}, whose role on ${fullName} is ${decision.role ?? "none"}. Only people with write access can start work; ask a maintainer to move the ticket.`,
      };
    }
    actor = { login: event.mover.login, id: decision.userId ?? 0 };
  } else {
    // No users mapped: anyone who can move a ticket may start work (the README says so). The run's actor
    // names the tracker's person, not a GitHub account (id 0: not a GitHub id).
    actor = { login: `${event.source}:${event.mover.id ?? "unknown"}`, id: 0 };
  }
  const repository = await readTriggerRepository(github, owner, repo);
  const at = await receivedAt(deps, deliveryId);
  const task = known.task ?? (await readTicket(deps, tickets, event.ticket.key, deliveryId));
  const trigger: RunTrigger = {
    source: event.source,
    deliveryId,
    event: event.event,
    actor,
    installationId,
    repository,
    target: {
      kind: "issue",
      number: keyNumber(task.key),
      key: task.key,
      title: task.title,
      body: task.description,
      url: task.url,
    },
  };
  const effective = await effectiveRepoConfig(deps, trigger);
  if (typeof effective === "string")
    return { outcome: "invalid_repo_config", text: `${name} did not start: ${effective}` };
  const request: RunRequest = {
    kind: "implement",
    workflow: effective.defaultWorkflow,
    label: event.reason,
    trigger,
    snapshot: snapshotOf(task, at),
  };
  try {
    const outcome = await acceptRunRequest(deps, deliveryId, request, effective.limits);
    if (outcome.kind === "already_active") {
      return {
        outcome: outcome.kind,
        runId: outcome.runId,
        text: `${task.key} already has an active \`${request.workflow}\` run, \`${outcome.runId}\`: nothing new was started. Comment \`/status\` to see where it is.`,
      };
    }
    return { outcome: "queued", runId: outcome.runId };
  } catch (error) {
    if (!isUserFacingError(error)) throw error;
    return { outcome: "invalid", text: `${name} did not start: ${error.message}` };
  }
}

async function receivedAt(deps: TriggerProcessingDeps, deliveryId: string): Promise<Date> {
  const delivery = await deps.db
    .selectFrom("deliveries")
    .select("received_at")
    .where("id", "=", deliveryId)
    .executeTakeFirst();
  return delivery?.received_at ?? new Date();
}

/** ABC-12 → 12: the number a ticket's runs are counted under beside its key. */
function keyNumber(key: string): number {
  const number = Number(/-(\d+)$/.exec(key)?.[1]);
  if (!Number.isInteger(number) || number <= 0) throw new Error(`the ticket key ${key} ends in no number`);
  return number;
}

/**
 * The ticket as it was at the trigger, read through the tracker's adapter (its text converted to
 * Markdown): comments made after the delivery arrived are not part of the approved task.
 */
export function snapshotOf(task: Task, at: Date): TaskSnapshot {
  const comments = (task.comments ?? [])
    .map((c, index) => ({ ...c, index }))
    .filter((c) => !c.created_at || new Date(c.created_at).getTime() <= at.getTime())
    .map((c) => ({
      id: c.index + 1,
      author: c.author ?? "unknown",
      createdAt: new Date(c.created_at ?? at).toISOString(),
      body: c.body,
    }));
  return { title: task.title, body: task.description, comments, takenAt: at.toISOString() };
}

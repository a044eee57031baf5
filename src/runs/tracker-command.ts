import { z } from "zod";
import { isUserFacingError } from "../errors.ts";
import { audit, isRecorded } from "./audit.ts";
import { authorizeActor } from "./authorize.ts";
import { cancelCommand, statusCommand } from "./commands.ts";
import { acceptRunRequest } from "./intake.ts";
import { effectiveRepoConfig, type TriggerProcessingDeps } from "./process-trigger.ts";
import type { RunTrigger } from "./run-request.ts";
import { postTicketComment } from "./ticket-thread.ts";
import { ticketsOf } from "./tracker-request.ts";
import type { TriggerEvent } from "./trigger-event.ts";

type TrackerCommand = Extract<TriggerEvent, { kind: "tracker_command" }>;

const pullRequestSchema = z.object({ head: z.object({ ref: z.string().min(1) }), html_url: z.string() });

/**
 * A command in a ticket's comment, from a person the tracker maps to a GitHub login: `/status` and
 * `/cancel` act on the ticket's runs (found by its key), `/revise …` queues a revision of the pull
 * request the ticket's run opened. Cancelling and revising change work, so GitHub is asked whether the
 * login may write, as for a comment on GitHub. The answer is one comment on the ticket.
 */
export async function processTrackerCommand(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  event: TrackerCommand,
): Promise<void> {
  const action = `tracker.command.${event.command.name}`;
  if (await isRecorded(deps.db, deliveryId, action)) return;
  const tickets = ticketsOf(deps, event.source);
  const context = {
    runId: "intake",
    stepName: "command",
    idempotencyKey: `read:${deliveryId}`,
    leaseEpoch: 0,
    signal: AbortSignal.timeout(30_000),
    log: deps.log,
  };
  // A comment's webhook may name its ticket by an internal id: the ticket's key is what runs are kept by.
  const task = await tickets.tasks
    .get_task({ task_key: event.ticket.ref }, context)
    .catch((error: unknown) => {
      // A ticket the tracker does not know (or a reference it does not take): there is nowhere to answer.
      if (isUserFacingError(error)) return undefined;
      throw error;
    });
  if (!task) {
    deps.log.warn(
      { deliveryId, ticket: event.ticket.ref },
      "the ticket of a command comment could not be read",
    );
    await audit(deps.db, {
      actor: event.author.login,
      action,
      target: event.ticket.ref,
      deliveryId,
      details: { unreadable: true },
    });
    return;
  }
  const answer = await answerCommand(deps, deliveryId, event, task.key).catch((error: unknown) => {
    if (isUserFacingError(error)) return `${deps.config.system.name} could not do that: ${error.message}`;
    throw error;
  });
  await postTicketComment(
    tickets,
    { key: task.key, idempotencyKey: `reply:${deliveryId}` },
    answer,
    deps.log,
  );
  await audit(deps.db, {
    actor: event.author.login,
    action,
    target: task.key,
    deliveryId,
    details: { argument: event.command.argument },
  });
}

async function answerCommand(
  deps: TriggerProcessingDeps,
  deliveryId: string,
  event: TrackerCommand,
  taskKey: string,
): Promise<string> {
  const newest = await deps.db
    .selectFrom("runs")
    .select(["id", "repository", "installation_id", "target_number", "pull_request_number"])
    .where("task_key", "=", taskKey)
    .where("source", "=", event.source)
    .orderBy("created_at", "desc")
    .limit(10)
    .execute();
  const last = newest[0];
  if (!last?.repository || last.installation_id === null || last.target_number === null) {
    return "No run has been started for this ticket yet.";
  }
  const target = { repository: last.repository, number: last.target_number, taskKey };
  if (event.command.name === "status") return await statusCommand(deps.db, target);
  const installationId = Number(last.installation_id);
  const github = await deps.github.client(installationId);
  const [owner = "", name = ""] = last.repository.split("/");
  const decision = await authorizeActor(github, { owner, name }, { login: event.author.login, type: "User" });
  if (!decision.allowed) {
    return `You are mapped to the GitHub login @${event.author.login}, whose role on ${last.repository} is ${decision.role ?? "none"}: only people with write access can ${event.command.name === "cancel" ? "cancel" : "revise"} work.`;
  }
  if (event.command.name === "cancel") return await cancelCommand(deps.db, target, event.author.login);
  if (event.command.name === "approve-budget") {
    const amount = Number(event.command.argument.replace(/^\$/, ""));
    if (!event.command.argument || !Number.isFinite(amount) || amount <= 0) {
      return "Usage: `/approve-budget <amount in US dollars>`, e.g. `/approve-budget 12.50`.";
    }
    const effective = await effectiveRepoConfig(deps, {
      source: event.source,
      deliveryId,
      event: event.event,
      actor: { login: event.author.login, id: decision.userId ?? 0 },
      installationId,
      repository: { owner, name, fullName: last.repository },
      target: { kind: "issue", number: last.target_number, key: taskKey, title: taskKey, body: "", url: "" },
    });
    if (typeof effective === "string") return `${deps.config.system.name} could not do that: ${effective}`;
    return await deps.budget.approve(
      { ...target, installationId, limits: effective.limits, actor: event.author.login },
      amount,
    );
  }
  if (event.command.name !== "revise") return `\`/${event.command.name}\` works on GitHub, not on a ticket.`;
  const pullNumber = newest.find((r) => r.pull_request_number !== null)?.pull_request_number;
  if (pullNumber === undefined || pullNumber === null) {
    return "`/revise` works once this ticket's run has opened a pull request; none has yet.";
  }
  const pull = pullRequestSchema.parse(
    (
      await github.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
        owner,
        repo: name,
        pull_number: pullNumber,
      })
    ).data,
  );
  const instructions = [event.command.argument, event.command.rest].filter(Boolean).join("\n");
  // The revision is the pull request's work: it queues behind that pull request's runs, as a /revise
  // comment on GitHub would, and reports there.
  const trigger: RunTrigger = {
    source: "github",
    deliveryId,
    event: event.event,
    actor: { login: event.author.login, id: decision.userId ?? 0 },
    installationId,
    repository: { owner, name, fullName: last.repository },
    target: { kind: "pull_request", number: pullNumber, title: taskKey, body: "", url: pull.html_url },
  };
  const effective = await effectiveRepoConfig(deps, trigger);
  if (typeof effective === "string") return `${deps.config.system.name} did not start: ${effective}`;
  const request = {
    kind: "revise",
    workflow: "revise",
    instructions,
    branch: pull.head.ref,
    trigger,
  } as const;
  const outcome = await acceptRunRequest(deps, deliveryId, request, effective.limits);
  return `Queued a revision of ${pull.html_url} as run \`${outcome.runId}\`; its progress shows on the pull request.`;
}

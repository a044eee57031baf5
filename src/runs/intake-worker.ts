import { deadIntakeQueueName, type IntakeJob, intakeQueueName, pollingOptions } from "../queue/run-queue.ts";
import { processApiAssign } from "./api-assign.ts";
import { processApiProject } from "./api-project.ts";
import { audit } from "./audit.ts";
import { processChatRequest } from "./chat-request.ts";
import { triggerOf } from "./intake.ts";
import { processTriggerEvent, type TriggerProcessingDeps } from "./process-trigger.ts";
import { processTrackerCommand } from "./tracker-command.ts";
import { processTrackerImplement } from "./tracker-request.ts";
import { triggerEventSchema } from "./trigger-event.ts";

/**
 * Works through accepted triggers: authorizes them with GitHub and starts their runs. A GitHub outage
 * makes a job fail and come back later (the queue retries with backoff for about an hour); a trigger
 * that never gets through is dead-lettered and audited, never silently dropped.
 */
export async function startIntakeWorker(
  deps: TriggerProcessingDeps,
  options: { pollingIntervalSeconds?: number; concurrency?: number } = {},
): Promise<{ stop(): Promise<void> }> {
  const { boss } = deps.queue;
  const polling = pollingOptions(options.pollingIntervalSeconds);
  const workId = await boss.work<IntakeJob>(
    intakeQueueName,
    { ...polling, localConcurrency: options.concurrency ?? 4 },
    async ([job]) => {
      if (!job) return;
      const event = triggerEventSchema.parse(
        job.data.event ?? (await triggerOf(deps.db, job.data.deliveryId)),
      );
      if (event.kind === "chat_implement") await processChatRequest(deps, job.data.deliveryId, event);
      else if (event.kind === "api_assign") await processApiAssign(deps, job.data.deliveryId, event);
      else if (event.kind === "api_project") await processApiProject(deps, job.data.deliveryId, event);
      else if (event.kind === "tracker_implement")
        await processTrackerImplement(deps, job.data.deliveryId, event);
      else if (event.kind === "tracker_command")
        await processTrackerCommand(deps, job.data.deliveryId, event);
      else await processTriggerEvent(deps, job.data.deliveryId, event);
    },
  );
  const deadId = await boss.work<IntakeJob>(deadIntakeQueueName, polling, async ([job]) => {
    if (!job) return;
    deps.log.error({ deliveryId: job.data.deliveryId }, "trigger given up after its retries");
    await audit(deps.db, {
      actor: "ai-dev",
      action: "trigger.dead_lettered",
      deliveryId: job.data.deliveryId,
      details: {
        // What was asked for, when it is still there to read; the audit row is written either way.
        event: (job.data.event ??
          (await triggerOf(deps.db, job.data.deliveryId).catch(() => null))) as Record<
          string,
          unknown
        > | null,
      },
    });
  });
  return {
    stop: async () => {
      await boss.offWork(intakeQueueName, { id: workId, wait: true });
      await boss.offWork(deadIntakeQueueName, { id: deadId, wait: true });
    },
  };
}

import { type Kysely, sql } from "kysely";
import type { Limits } from "../config/schema.ts";
import type { Database } from "../db/schema.ts";
import { createRun } from "../engine/create-run.ts";
import type { WorkflowRegistry } from "../engine/loaded-workflow.ts";
import type { RunQueue } from "../queue/run-queue.ts";
import { audit } from "./audit.ts";
import { activeKeyOf, type RunRequest, targetKeyOf, workflowInputsOf } from "./run-request.ts";

export interface IntakeDeps {
  db: Kysely<Database>;
  queue: RunQueue;
  workflows: WorkflowRegistry;
  now?: () => Date;
}

export interface DeliveryInfo {
  id: string;
  source: "github" | "jira" | "linear" | "slack";
  event: string;
  installationId: number | null;
  repository: string | null;
}

export type IntakeOutcome =
  | { kind: "duplicate_delivery" }
  | { kind: "queued"; runId: string }
  /** The same work is already queued or running: the repeat joins it instead of starting another. */
  | { kind: "already_active"; runId: string };

/**
 * Accepts a run request durably: the delivery, the run and its job are committed in one transaction
 * before the sender gets its 2xx, so an accepted event is never lost and a redelivered one is
 * recognised by its delivery id. A database error propagates, and the sender gets a 5xx to retry.
 */
export async function acceptRunRequest(
  deps: IntakeDeps,
  delivery: DeliveryInfo,
  request: RunRequest,
  /** The caps for this run: the global limits narrowed by the repository's .github/ai-dev.yml. */
  limits: Limits,
): Promise<IntakeOutcome> {
  const now = deps.now?.() ?? new Date();
  return await deps.db.transaction().execute(async (trx) => {
    if (!(await insertDelivery(trx, delivery))) return { kind: "duplicate_delivery" } as const;
    const { trigger } = request;
    const target = `${trigger.target.kind === "issue" ? "issue" : "pull"}#${trigger.target.number}`;
    const activeKey = activeKeyOf(request);
    if (activeKey) {
      // Serialises intakes of the same work (labeled, unlabeled, labeled again within a second) so
      // the check below and the insert cannot interleave; released at commit.
      await sql`select pg_advisory_xact_lock(hashtext(${activeKey}))`.execute(trx);
      const active = await trx
        .selectFrom("runs")
        .select("id")
        .where("active_key", "=", activeKey)
        .where("status", "in", ["queued", "running", "waiting"])
        .executeTakeFirst();
      if (active) {
        await audit(trx, {
          actor: trigger.actor.login,
          action: "trigger.duplicate",
          repository: trigger.repository.fullName,
          target,
          runId: active.id,
          deliveryId: delivery.id,
          details: { event: trigger.event, workflow: request.workflow },
        });
        return { kind: "already_active", runId: active.id } as const;
      }
    }
    const runId = await createRun(
      trx,
      { workflow: request.workflow, inputs: workflowInputsOf(request), context: { request, limits } },
      { workflows: deps.workflows, now },
    );
    await trx
      .updateTable("runs")
      .set({
        source: trigger.source,
        repository: trigger.repository.fullName,
        installation_id: trigger.installationId,
        target_kind: trigger.target.kind,
        target_number: trigger.target.number,
        actor: trigger.actor.login,
        delivery_id: delivery.id,
        active_key: activeKey,
      })
      .where("id", "=", runId)
      .execute();
    await deps.queue.enqueue(trx, { runId }, targetKeyOf(trigger));
    await audit(trx, {
      actor: trigger.actor.login,
      action: "trigger.accepted",
      repository: trigger.repository.fullName,
      target,
      runId,
      deliveryId: delivery.id,
      details: { event: trigger.event, workflow: request.workflow },
    });
    return { kind: "queued", runId } as const;
  });
}

/** Records a delivery that starts no run (other events, commands, refusals); false when it is a repeat. */
export async function insertDelivery(db: Kysely<Database>, delivery: DeliveryInfo): Promise<boolean> {
  const inserted = await db
    .insertInto("deliveries")
    .values({
      id: delivery.id,
      source: delivery.source,
      event: delivery.event,
      installation_id: delivery.installationId,
      repository: delivery.repository,
    })
    .onConflict((oc) => oc.column("id").doNothing())
    .returning("id")
    .executeTakeFirst();
  return inserted !== undefined;
}

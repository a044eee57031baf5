import { type Kysely, sql } from "kysely";
import type { Limits } from "../config/schema.ts";
import type { Database } from "../db/schema.ts";
import { createRun } from "../engine/create-run.ts";
import type { WorkflowRegistry } from "../engine/loaded-workflow.ts";
import type { RunQueue } from "../queue/run-queue.ts";
import { audit } from "./audit.ts";
import { insertDeliveryRow } from "./delivery-writer.ts";
import { activeKeyOf, type RunRequest, targetKeyOf, triggerFacts, workflowInputs } from "./run-request.ts";
import type { TriggerEvent } from "./trigger-event.ts";

export interface IntakeDeps {
  db: Kysely<Database>;
  queue: RunQueue;
  workflows: WorkflowRegistry;
  now?: () => Date;
}

export interface DeliveryInfo {
  id: string;
  source: "github" | "jira" | "linear" | "slack" | "api";
  event: string;
  installationId: number | null;
  repository: string | null;
  /** SHA-256 of the raw body (hex), when the body is known: a repeat under a new id is a replay. */
  digest?: string;
  /** Set for a signed delivery that was refused (a payload of an unexpected shape): why. */
  rejectedReason?: string;
}

/**
 * How a delivery was recorded. A redelivery (GitHub's "Redeliver") repeats the id; a replay repeats
 * the body under a new id. Neither starts anything.
 */
export type DeliveryRecord = "recorded" | "duplicate_delivery" | "replayed_payload";

/**
 * The webhook's whole job once the signature is checked: the delivery is committed with its trigger, one
 * row, before the sender gets its 2xx, so an accepted event is never lost and a redelivery is recognised
 * by its id. The relay of this process queues the trigger's intake job right after the commit, without
 * holding up the answer (src/queue/intake-relay.ts: exactly one job per delivery, crashes included).
 * Everything that needs GitHub (who is asking, the repository's settings) happens in the intake worker,
 * where a GitHub outage means a retry, not a lost event.
 */
export async function acceptTriggerEvent(
  deps: Pick<IntakeDeps, "db" | "queue">,
  delivery: DeliveryInfo,
  event: TriggerEvent,
): Promise<"accepted" | Exclude<DeliveryRecord, "recorded">> {
  const recorded = await recordDelivery(deps.db, delivery, event);
  if (recorded !== "recorded") return recorded;
  deps.queue.intakeRelay.relay({ deliveryId: delivery.id });
  return "accepted";
}

export type IntakeOutcome =
  | { kind: "queued"; runId: string }
  /** The same work is already queued or running: the repeat joins it instead of starting another. */
  | { kind: "already_active"; runId: string }
  /** This delivery already made its run (the intake job ran again after a crash). */
  | { kind: "already_queued"; runId: string };

/**
 * Turns an authorized request into a run and its job, in one transaction: one delivery makes at most
 * one run, and work with an active key (a label, /plan, a review) never runs twice at once.
 */
export async function acceptRunRequest(
  deps: IntakeDeps,
  deliveryId: string,
  request: RunRequest,
  /** The caps for this run: the global limits narrowed by the repository's .github/ai-dev.yml. */
  limits: Limits,
): Promise<IntakeOutcome> {
  const now = deps.now?.() ?? new Date();
  return await deps.db.transaction().execute(async (trx) => {
    const { trigger } = request;
    const target =
      trigger.target.key ?? `${trigger.target.kind === "issue" ? "issue" : "pull"}#${trigger.target.number}`;
    const activeKey = activeKeyOf(request);
    // Serialises intakes of the same work (labeled, unlabeled, labeled again within a second) and of
    // the same delivery, so the checks below and the insert cannot interleave; released at commit.
    for (const key of [`delivery:${deliveryId}`, ...(activeKey ? [activeKey] : [])]) {
      await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
    }
    const made = await trx
      .selectFrom("runs")
      .select("id")
      .where("delivery_id", "=", deliveryId)
      .executeTakeFirst();
    if (made) return { kind: "already_queued", runId: made.id } as const;
    if (activeKey) {
      // A review and its comments arrive as separate deliveries, possibly after the run they made has
      // ended: one review makes one revision, ever. Other work may run again once the last run is over.
      const isReview =
        request.kind === "revise" && (request.reviewId !== undefined || request.checkSuiteId !== undefined);
      const active = await trx
        .selectFrom("runs")
        .select("id")
        .where("active_key", "=", activeKey)
        .$if(!isReview, (q) => q.where("status", "in", ["queued", "running", "waiting"]))
        .executeTakeFirst();
      if (active) {
        await audit(trx, {
          actor: trigger.actor.login,
          action: "trigger.duplicate",
          repository: trigger.repository.fullName,
          target,
          runId: active.id,
          deliveryId,
          details: { event: trigger.event, workflow: request.workflow },
        });
        return { kind: "already_active", runId: active.id } as const;
      }
    }
    const declared = Object.keys(deps.workflows.get(request.workflow)?.definition.inputs ?? {});
    const inputs = workflowInputs(declared, triggerFacts(request));
    const runId = await createRun(
      trx,
      { workflow: request.workflow, inputs, context: { request, limits } },
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
        task_key: trigger.target.key ?? null,
        actor: trigger.actor.login,
        delivery_id: deliveryId,
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
      deliveryId,
      details: { event: trigger.event, workflow: request.workflow },
    });
    return { kind: "queued", runId } as const;
  });
}

/** Records a delivery; false when it is a repeat (the same id, or the same body under a new id). */
export async function insertDelivery(db: Kysely<Database>, delivery: DeliveryInfo): Promise<boolean> {
  return (await recordDelivery(db, delivery)) === "recorded";
}

/**
 * Records a delivery once, with the trigger it carries for the intake relay when it has one. The id is
 * the primary key and the body's digest is unique, so a conflict on either inserts nothing; a replay
 * (a known body under a new id) is written to the audit log, as the only trace of that id.
 */
export async function recordDelivery(
  db: Kysely<Database>,
  delivery: DeliveryInfo,
  trigger?: TriggerEvent,
): Promise<DeliveryRecord> {
  const inserted = await insertDeliveryRow(db, {
    id: delivery.id,
    source: delivery.source,
    event: delivery.event,
    installation_id: delivery.installationId,
    repository: delivery.repository,
    digest: delivery.digest ?? null,
    rejected_reason: delivery.rejectedReason ?? null,
    trigger: trigger ? JSON.stringify(trigger) : null,
  });
  if (inserted) return "recorded";
  const byId = await db
    .selectFrom("deliveries")
    .select("id")
    .where("id", "=", delivery.id)
    .executeTakeFirst();
  if (byId || delivery.digest === undefined) return "duplicate_delivery";
  const first = await db
    .selectFrom("deliveries")
    .select("id")
    .where("digest", "=", delivery.digest)
    .executeTakeFirst();
  await audit(db, {
    actor: null,
    action: "delivery.replayed",
    repository: delivery.repository,
    deliveryId: delivery.id,
    details: { event: delivery.event, digest: delivery.digest, firstDeliveryId: first?.id ?? null },
  });
  return "replayed_payload";
}

/**
 * The trigger a delivery was accepted with, as the intake worker reads it for the delivery's job (the
 * job names only the delivery). A delivery with no trigger has no job to run: that is a bug, said so.
 */
export async function triggerOf(db: Kysely<Database>, deliveryId: string): Promise<unknown> {
  const row = await db
    .selectFrom("deliveries")
    .select("trigger")
    .where("id", "=", deliveryId)
    .executeTakeFirst();
  if (row?.trigger == null)
    throw new Error(`delivery ${deliveryId} has no recorded trigger for its intake job`);
  return row.trigger;
}

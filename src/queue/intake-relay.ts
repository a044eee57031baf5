import { setTimeout as sleep } from "node:timers/promises";
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.ts";
import type { Logger } from "../logging/logger.ts";
import type { IntakeJob } from "./run-queue.ts";

export interface IntakeRelayOptions {
  log: Logger;
  /** How often every process looks for deliveries that no process relayed. */
  sweepIntervalMs?: number;
  /**
   * How long a handed-over trigger waits for its pass, so the acknowledgements of those milliseconds
   * share it: under load the relay makes a few passes a second instead of one per delivery.
   */
  coalesceMs?: number;
  /** Deliveries per insert of jobs at most; a longer backlog takes several. */
  batchSize?: number;
}

/** The part of the run queue the relay writes to. */
interface IntakeQueue {
  enqueueIntakes(db: Kysely<Database>, jobs: readonly IntakeJob[]): Promise<number>;
}

const defaultSweepIntervalMs = 5_000;
const defaultCoalesceMs = 50;
const defaultBatchSize = 200;

/**
 * The relay of the webhook's transactional outbox. The acknowledgement commits one row, the delivery
 * with its trigger (deliveries.trigger), and hands the trigger to this relay without waiting for it; the
 * relay then queues its intake job. Writing the pg-boss job inside the acknowledgement cost most of its
 * time; here the acknowledgements of a few milliseconds share one insert of their jobs and one update
 * marking their rows relayed, and what was handed over in memory is never read back.
 *
 * Exactly one job per delivery, across crashes and processes: the job's id is derived from the
 * delivery id (intakeJobIdOf) and pg-boss skips an id it already holds, so a delivery relayed twice,
 * by two processes at once or again after a crash between its job and its mark, still has one job
 * (pg-boss keeps a finished job for days, and a sweep comes within seconds). relayed_at only keeps
 * sweeps small. A process that died between its commit and its relay leaves the
 * row unrelayed: every process sweeps the table at start and every few seconds.
 *
 * Each step is its own short statement, not one transaction: on PGlite a transaction holds the only
 * connection, and every acknowledgement would wait behind the whole pass. No LISTEN/NOTIFY either: the
 * process that committed relays at once, and a NOTIFY in the acknowledgement would make every commit
 * take PostgreSQL's global notification lock.
 */
export class IntakeRelay {
  readonly #db: Kysely<Database>;
  readonly #queue: IntakeQueue;
  readonly #log: Logger;
  readonly #sweepIntervalMs: number;
  readonly #coalesceMs: number;
  readonly #batchSize: number;
  /** Triggers this process committed and has not relayed yet. */
  #handedOver: IntakeJob[] = [];
  /** The last pass queued in this process: passes run one after another, never side by side. */
  #tail: Promise<unknown> = Promise.resolve();
  /** A pass is queued and has not started: whatever is handed over before it does, it takes. */
  #isPassQueued = false;
  /** The next pass also reads the table for deliveries no process relayed. */
  #isSweepDue = false;
  #isStopped = false;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(db: Kysely<Database>, queue: IntakeQueue, options: IntakeRelayOptions) {
    this.#db = db;
    this.#queue = queue;
    this.#log = options.log;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? defaultSweepIntervalMs;
    this.#coalesceMs = options.coalesceMs ?? defaultCoalesceMs;
    this.#batchSize = options.batchSize ?? defaultBatchSize;
  }

  /** Sweeps now, then every sweepIntervalMs, for deliveries a crashed process never relayed. */
  start(): void {
    this.#isStopped = false;
    this.#requestPass({ sweep: true });
    this.#sweeper ??= setInterval(() => this.#requestPass({ sweep: true }), this.#sweepIntervalMs);
    this.#sweeper.unref();
  }

  /**
   * Queues the intake job of a delivery that just committed with its trigger, soon and without
   * waiting. Should this process die first, the row is still there for the next sweep.
   */
  relay(job: IntakeJob): void {
    this.#handedOver.push(job);
    this.#requestPass({ sweep: false });
  }

  /**
   * Relays every delivery that committed before the call, at once, and resolves with how many intake
   * jobs this relay made (a delivery another process relayed first counts there).
   */
  async relayPending(): Promise<number> {
    return await this.#queuePass({ sweep: true, delayMs: 0 });
  }

  /** Stops sweeping and waits for the passes already queued. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    await this.#tail;
  }

  /** A pass in a moment, shared by every request until it starts; a request during a pass queues the next. */
  #requestPass(request: { sweep: boolean }): void {
    if (request.sweep) this.#isSweepDue = true;
    if (this.#isPassQueued || this.#isStopped) return;
    this.#queuePass({ sweep: request.sweep, delayMs: this.#coalesceMs }).catch((error: unknown) =>
      this.#log.error({ err: error }, "intake relay pass failed; the next sweep tries again"),
    );
  }

  #queuePass(request: { sweep: boolean; delayMs: number }): Promise<number> {
    this.#isPassQueued = true;
    if (request.sweep) this.#isSweepDue = true;
    const pass = this.#tail.then(async () => {
      if (request.delayMs > 0) await sleep(request.delayMs);
      this.#isPassQueued = false;
      const isSweep = this.#isSweepDue;
      this.#isSweepDue = false;
      // Taken off the list before they are written: on a failure the sweep finds them in the table.
      const handedOver = this.#handedOver.splice(0);
      let made = 0;
      for (let i = 0; i < handedOver.length; i += this.#batchSize) {
        made += await this.#relayJobs(handedOver.slice(i, i + this.#batchSize));
      }
      if (isSweep) made += await this.#sweep();
      return made;
    });
    this.#tail = pass.catch(() => undefined);
    return pass;
  }

  /** Relays what the table holds unrelayed, a batch at a time. */
  async #sweep(): Promise<number> {
    let made = 0;
    for (;;) {
      const pending = await this.#db
        .selectFrom("deliveries")
        .select("id")
        .where("trigger", "is not", null)
        .where("relayed_at", "is", null)
        .orderBy("received_at")
        .limit(this.#batchSize)
        .execute();
      if (pending.length > 0) {
        made += await this.#relayJobs(pending.map((row) => ({ deliveryId: row.id })));
      }
      if (pending.length < this.#batchSize) return made;
    }
  }

  async #relayJobs(jobs: readonly IntakeJob[]): Promise<number> {
    const made = await this.#queue.enqueueIntakes(this.#db, jobs);
    await this.#db
      .updateTable("deliveries")
      .set({ relayed_at: sql<Date>`now()` })
      .where(
        "id",
        "in",
        jobs.map((job) => job.deliveryId),
      )
      .where("relayed_at", "is", null)
      .execute();
    return made;
  }
}

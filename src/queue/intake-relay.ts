import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.ts";
import type { Logger } from "../logging/logger.ts";
import type { IntakeJob } from "./run-queue.ts";

export interface IntakeRelayOptions {
  log: Logger;
  /** How often every process looks for deliveries that no process relayed. */
  sweepIntervalMs?: number;
  /** Deliveries moved per transaction. */
  batchSize?: number;
}

/** The part of the run queue the relay writes to. */
interface IntakeQueue {
  enqueueIntakes(trx: Kysely<Database>, jobs: readonly IntakeJob[]): Promise<void>;
}

const defaultSweepIntervalMs = 5_000;
const defaultBatchSize = 200;

/**
 * The relay of the webhook's transactional outbox. The acknowledgement commits one row, the delivery
 * with its trigger (deliveries.trigger), and wakes this relay without waiting for it; the relay then
 * queues the trigger's intake job. Writing the pg-boss job inside the acknowledgement cost most of its
 * time; here a burst of acknowledgements shares one relay transaction.
 *
 * Exactly once, across crashes and processes: a pass takes unrelayed rows FOR UPDATE SKIP LOCKED,
 * queues their jobs and marks them relayed in one transaction, so a job exists exactly when its row
 * says relayed, and two processes never take the same row. A process that died between its commit and
 * its relay leaves the row unrelayed: every process sweeps at start and every few seconds. The job's id
 * is derived from the delivery id as well (see intakeJobIdOf), so no path can queue a trigger twice.
 *
 * No LISTEN/NOTIFY: the process that committed relays at once, and a NOTIFY in the acknowledgement
 * would make every commit take PostgreSQL's global notification lock, which is what this avoids.
 */
export class IntakeRelay {
  readonly #db: Kysely<Database>;
  readonly #queue: IntakeQueue;
  readonly #log: Logger;
  readonly #sweepIntervalMs: number;
  readonly #batchSize: number;
  /** The last pass queued in this process: passes run one after another, never side by side. */
  #tail: Promise<unknown> = Promise.resolve();
  /** A pass is queued and has not started: whatever commits before it starts, it will see. */
  #isPassQueued = false;
  #isStopped = false;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(db: Kysely<Database>, queue: IntakeQueue, options: IntakeRelayOptions) {
    this.#db = db;
    this.#queue = queue;
    this.#log = options.log;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? defaultSweepIntervalMs;
    this.#batchSize = options.batchSize ?? defaultBatchSize;
  }

  /** Sweeps now, then every sweepIntervalMs, for deliveries a crashed process never relayed. */
  start(): void {
    this.#isStopped = false;
    this.wake();
    this.#sweeper ??= setInterval(() => this.wake(), this.#sweepIntervalMs);
    this.#sweeper.unref();
  }

  /**
   * Relays soon, without waiting: called right after a delivery with a trigger commits. Wakes during
   * a pass queue one more pass, which picks up every delivery committed meanwhile.
   */
  wake(): void {
    if (this.#isPassQueued || this.#isStopped) return;
    this.#queuePass().catch((error: unknown) =>
      this.#log.error({ err: error }, "intake relay pass failed; the next sweep tries again"),
    );
  }

  /**
   * Relays every delivery this process can take that committed before the call, and resolves with how
   * many it relayed (rows another process holds are that process's to relay).
   */
  async relayPending(): Promise<number> {
    return await this.#queuePass();
  }

  /** Stops sweeping and waits for the pass in flight. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    await this.#tail;
  }

  #queuePass(): Promise<number> {
    this.#isPassQueued = true;
    const pass = this.#tail.then(async () => {
      this.#isPassQueued = false;
      let relayed = 0;
      for (;;) {
        const moved = await this.#relayBatch();
        relayed += moved;
        if (moved < this.#batchSize) return relayed;
      }
    });
    this.#tail = pass.catch(() => undefined);
    return pass;
  }

  async #relayBatch(): Promise<number> {
    return await this.#db.transaction().execute(async (trx) => {
      const taken = await trx
        .updateTable("deliveries")
        .set({ relayed_at: sql<Date>`now()` })
        .where("id", "in", (q) =>
          q
            .selectFrom("deliveries")
            .select("id")
            .where("trigger", "is not", null)
            .where("relayed_at", "is", null)
            .orderBy("received_at")
            .limit(this.#batchSize)
            .forUpdate()
            .skipLocked(),
        )
        .returning(["id", "trigger"])
        .execute();
      await this.#queue.enqueueIntakes(
        trx,
        taken.map((row) => ({ deliveryId: row.id, event: row.trigger })),
      );
      return taken.length;
    });
  }
}

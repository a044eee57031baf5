import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import { fromKysely, fromPglite, PgBoss } from "pg-boss";
import type { AppDatabase } from "../db/connect.ts";
import type { Database } from "../db/schema.ts";
import { createLogger, type Logger } from "../logging/logger.ts";
import { IntakeRelay, type IntakeRelayOptions } from "./intake-relay.ts";

export const runQueueName = "runs";
/** How long a run job's worker may go silent before its run is given to another worker. */
export const defaultHeartbeatSeconds = 30;
export const deadRunQueueName = "runs-dead";
/** Triggers waiting to be authorized and turned into runs (see src/runs/trigger-event.ts). */
export const intakeQueueName = "intake";
export const deadIntakeQueueName = "intake-dead";

export interface RunJob {
  runId: string;
}

/**
 * An intake job names its delivery; the trigger itself is in the delivery's row (deliveries.trigger),
 * written once with the acknowledgement, not again into the job.
 */
export interface IntakeJob {
  deliveryId: string;
  /** The TriggerEvent, on jobs queued before the job named only its delivery; read as it was then. */
  event?: unknown;
}

export interface RunQueueOptions {
  /** A job not finished within this many seconds is retried: longer than the longest allowed run. */
  expireInSeconds?: number;
  /**
   * A run job's worker heartbeats it every half of this; a job whose worker went silent this long
   * (SIGKILL, a lost machine) is failed and retried by the supervisor of any live worker. pg-boss's
   * minimum is 10.
   */
  heartbeatSeconds?: number;
  /** Attempts after the first before a job goes to the dead-letter queue. */
  retryLimit?: number;
  retryDelaySeconds?: number;
  /**
   * Whether this process does pg-boss's maintenance (expiring jobs, moving dead letters, queue
   * stats). Workers do; a web-only process need not, so its acknowledgements never wait behind it.
   */
  supervise?: boolean;
  /** Where the intake relay reports a failed pass; stdout at info level when not given. */
  log?: Logger;
  /** How often the intake relay sweeps for deliveries no process relayed, and how it batches. */
  relay?: Omit<IntakeRelayOptions, "log">;
}

/**
 * The intake job's id, derived from the delivery id (a UUID v5-style hash, since pg-boss's ids are
 * UUIDs and only GitHub's delivery ids are): pg-boss skips a job whose id it already holds, so a
 * delivery queued twice by any path still makes one job.
 */
export function intakeJobIdOf(deliveryId: string): string {
  const hash = createHash("sha1").update(`ai-dev intake\0${deliveryId}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50; // version 5
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * How often a worker looks for jobs. With LISTEN/NOTIFY a new job wakes it at once; polling at the same
 * pace stays underneath for what NOTIFY does not announce (a retry's or a requeue's `startAfter` coming
 * due, a notification lost while the listener reconnected).
 */
export function pollingOptions(seconds = 2): {
  pollingIntervalSeconds: number;
  notifyPollingIntervalSeconds: number;
} {
  return { pollingIntervalSeconds: seconds, notifyPollingIntervalSeconds: seconds };
}

/**
 * The durable queue of runs: pg-boss on the app's own database (PGlite included), so a queued run
 * survives a crash and any number of worker processes share the work on PostgreSQL.
 */
export class RunQueue {
  readonly boss: PgBoss;
  /** Moves accepted triggers into the intake queue right after their commit (src/queue/intake-relay.ts). */
  readonly intakeRelay: IntakeRelay;
  readonly #options: Required<Omit<RunQueueOptions, "log" | "relay">>;
  /** pg-boss's schema: beside the app's own when it has one, so apps sharing a server never mix queues. */
  readonly schema: string;

  constructor(database: AppDatabase, options: RunQueueOptions = {}) {
    this.#options = {
      supervise: options.supervise ?? true,
      expireInSeconds: options.expireInSeconds ?? 4 * 60 * 60,
      heartbeatSeconds: Math.max(10, options.heartbeatSeconds ?? defaultHeartbeatSeconds),
      retryLimit: options.retryLimit ?? 2,
      // Short, so a crashed worker's run resumes within a minute or two (it doubles on every retry).
      retryDelaySeconds: options.retryDelaySeconds ?? 5,
    };
    const appSchema = database.target.kind === "postgres" ? database.target.schema : undefined;
    this.schema = appSchema ? `${appSchema}_pgboss` : "pgboss";
    // The supervisor fails jobs whose heartbeat stopped: it must look often enough for a dead worker's
    // job to be noticed within about one heartbeat period.
    const superviseSeconds = Math.max(1, Math.round(this.#options.heartbeatSeconds / 3));
    const common = {
      schema: this.schema,
      schedule: false,
      supervise: this.#options.supervise,
      superviseIntervalSeconds: superviseSeconds,
      monitorIntervalSeconds: superviseSeconds,
      // A job wakes a waiting worker the moment its transaction commits (NOTIFY), instead of after the
      // next poll: two queue hops per run would otherwise add up to twice the polling interval.
      // Polling stays on underneath, so a lost notification only costs latency.
      useListenNotify: true,
    };
    if (database.pglite) {
      this.boss = new PgBoss({ ...common, db: fromPglite(database.pglite), backend: "pglite" });
    } else if (database.target.kind === "postgres") {
      this.boss = new PgBoss({ ...common, connectionString: database.target.url, max: 4 });
    } else {
      throw new Error("the run queue needs PGlite or a PostgreSQL URL");
    }
    this.intakeRelay = new IntakeRelay(database.db, this, {
      log: options.log ?? createLogger(),
      ...options.relay,
    });
  }

  /** Creates pg-boss's tables and the queues; safe to call from every process at once. */
  async start(): Promise<void> {
    await this.boss.start();
    await this.boss.createQueue(deadRunQueueName, { retentionSeconds: 30 * 24 * 3600 });
    await this.boss.createQueue(deadIntakeQueueName, { retentionSeconds: 30 * 24 * 3600 });
    // A trigger waits out a GitHub outage: retried with backoff for about an hour before it gives up.
    const intakeQueue = {
      notify: true,
      expireInSeconds: 10 * 60,
      retryLimit: 10,
      retryDelay: 5,
      retryBackoff: true,
      retryDelayMax: 15 * 60,
      deadLetter: deadIntakeQueueName,
    };
    await this.boss.createQueue(intakeQueueName, intakeQueue);
    const runQueue = {
      notify: true,
      expireInSeconds: this.#options.expireInSeconds,
      retryLimit: this.#options.retryLimit,
      retryDelay: this.#options.retryDelaySeconds,
      retryBackoff: true,
      retryDelayMax: 5 * 60,
      heartbeatSeconds: this.#options.heartbeatSeconds,
    };
    await this.boss.createQueue(runQueueName, { ...runQueue, deadLetter: deadRunQueueName });
    // createQueue leaves an existing queue as it was: bring one made by an older version up to date.
    await this.boss.updateQueue(runQueueName, runQueue);
    await this.boss.updateQueue(intakeQueueName, intakeQueue);
    // Every process sweeps for triggers a crashed process committed but never relayed.
    this.intakeRelay.start();
  }

  /**
   * Queues another job for a run outside any transaction: to resume it at once after this worker let
   * go of it (shutdown), or later when a live lease of another worker holds it. The job this worker
   * holds then completes, so waiting never uses up its retries.
   */
  async requeue(job: RunJob, groupId: string | null | undefined, startAfter?: Date): Promise<void> {
    const id = await this.boss.send(runQueueName, job, {
      ...(groupId ? { group: { id: groupId } } : {}),
      ...(startAfter ? { startAfter } : {}),
    });
    if (!id) throw new Error(`pg-boss did not queue run ${job.runId} again`);
  }

  /**
   * Queues a run inside the caller's transaction, so the job exists exactly when the run row and the
   * delivery do. Jobs of one target share a group, which runs one at a time.
   */
  async enqueue(trx: Kysely<Database>, job: RunJob, targetKey: string): Promise<string> {
    // The transaction's Kysely satisfies pg-boss's executeQuery shape.
    const id = await this.boss.send(runQueueName, job, {
      db: fromKysely(trx as Parameters<typeof fromKysely>[0]),
      group: { id: targetKey },
    });
    if (!id) throw new Error(`pg-boss did not queue run ${job.runId}`);
    return id;
  }

  /**
   * Queues accepted triggers (the intake relay's work) on `db`, the app's database or a transaction of
   * it, and says how many jobs it made. Each job's id is derived from its delivery's, so a trigger queued
   * again makes no second job.
   */
  async enqueueIntakes(db: Kysely<Database>, jobs: readonly IntakeJob[]): Promise<number> {
    if (jobs.length === 0) return 0;
    const made = await this.boss.insert(
      intakeQueueName,
      jobs.map((job) => ({ id: intakeJobIdOf(job.deliveryId), data: job })),
      { db: fromKysely(db as Parameters<typeof fromKysely>[0]), returnId: true },
    );
    return made?.length ?? 0;
  }

  /** The jobs waiting and in progress per queue, as pg-boss counts them (for /metrics). */
  async depths(): Promise<{ queue: string; queued: number; active: number; deferred: number }[]> {
    const names = [runQueueName, intakeQueueName, deadRunQueueName, deadIntakeQueueName];
    const queues = await Promise.all(names.map((name) => this.boss.getQueue(name)));
    return queues.flatMap((q) =>
      q ? [{ queue: q.name, queued: q.queuedCount, active: q.activeCount, deferred: q.deferredCount }] : [],
    );
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    // The relay's pass in flight finishes first; anything still unrelayed is swept by the next process.
    await this.intakeRelay.stop();
    // close: false: the database belongs to the app, which closes it after the queue stops.
    await this.boss.stop({ graceful: true, close: false, timeout: timeoutMs });
  }
}

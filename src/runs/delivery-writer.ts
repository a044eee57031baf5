import type { Insertable, Kysely } from "kysely";
import type { Database, DeliveriesTable } from "../db/schema.ts";

type DeliveryRow = Insertable<DeliveriesTable>;

interface Waiting {
  row: DeliveryRow;
  resolve(inserted: boolean): void;
  reject(error: unknown): void;
}

/** Rows per statement at most; a longer queue takes several. */
const maxBatch = 256;

/**
 * Group commit for the webhook's one write. Every acknowledgement waits for its delivery row to commit;
 * one statement per delivery makes each pay a whole commit (a WAL flush on PostgreSQL, the single
 * connection's turn on PGlite), and under load they queue behind each other. Here the rows that arrive
 * while a statement is in flight go together in the next one, a multi-row insert that commits once:
 * alone, a delivery is written at once, as before; under load, a few hundred share a commit. Nothing
 * waits on a timer, and nothing is answered before its row is durable.
 *
 * A statement that fails with several rows is retried row by row, so one row that cannot be written
 * (a constraint, a value the database refuses) fails only its own delivery.
 */
class DeliveryWriter {
  readonly #db: Kysely<Database>;
  #queue: Waiting[] = [];
  #isWriting = false;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Inserts the row unless its id or digest is already recorded; resolves with whether it was inserted. */
  write(row: DeliveryRow): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#queue.push({ row, resolve, reject });
      if (!this.#isWriting) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#isWriting = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, maxBatch);
        try {
          await this.#write(batch);
        } catch (error) {
          if (batch.length === 1) batch[0]?.reject(error);
          else for (const waiting of batch) await this.#write([waiting]).catch(waiting.reject);
        }
      }
    } finally {
      this.#isWriting = false;
    }
  }

  /**
   * A delivery id twice in one batch (a redelivery racing its original) is inserted once, for its first
   * row; the later ones were not inserted and find the first as a repeat.
   */
  async #write(batch: readonly Waiting[]): Promise<void> {
    const firstById = new Map<string, Waiting>();
    for (const waiting of batch) if (!firstById.has(waiting.row.id)) firstById.set(waiting.row.id, waiting);
    const inserted = await insertRows(
      this.#db,
      [...firstById.values()].map((waiting) => waiting.row),
    );
    for (const waiting of batch) {
      waiting.resolve(inserted.has(waiting.row.id) && firstById.get(waiting.row.id) === waiting);
    }
  }
}

/**
 * The ids of the rows inserted, in one statement. Two ids with one digest (a replay racing its original)
 * are sorted out by the unique index, which ON CONFLICT DO NOTHING applies between the rows of one
 * statement too.
 */
async function insertRows(db: Kysely<Database>, rows: readonly DeliveryRow[]): Promise<Set<string>> {
  const returned = await db
    .insertInto("deliveries")
    .values([...rows])
    .onConflict((oc) => oc.doNothing())
    .returning("id")
    .execute();
  return new Set(returned.map((row) => row.id));
}

const writers = new WeakMap<Kysely<Database>, DeliveryWriter>();

/**
 * Inserts a delivery row, sharing the commit with the deliveries written at the same moment. Inside a
 * transaction the row is the transaction's own and goes in with it, alone.
 */
export async function insertDeliveryRow(db: Kysely<Database>, row: DeliveryRow): Promise<boolean> {
  if (db.isTransaction) return (await insertRows(db, [row])).has(row.id);
  let writer = writers.get(db);
  if (!writer) {
    writer = new DeliveryWriter(db);
    writers.set(db, writer);
  }
  return await writer.write(row);
}

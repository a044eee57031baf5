import { sql } from "kysely";
import pg from "pg";
import { z } from "zod";
import { type AppDatabase, quoteIdent } from "../../db/connect.ts";
import type { Logger } from "../../logging/logger.ts";

/** The channel the triggers of migration 2026-12-03T1300-run-events announce on. */
export const runEventsChannel = "ai_dev_run_events";

const notificationSchema = z.object({ schema: z.string(), table: z.string(), run_id: z.string() });

export interface RunChangeListener {
  /** Called with the id of a run whose state, steps or agent activity changed, in any process. */
  onChange(runId: string): void;
  /**
   * Called after the connection to PostgreSQL was lost and made again: changes in between were not
   * heard, so whoever shows runs reads them again.
   */
  onResync(): void;
}

/**
 * Hears the database's announcements of run changes: on PGlite through its own LISTEN (the worker is in
 * this process), on PostgreSQL on a connection of its own outside the pool, reconnected when it drops,
 * so a run that a separate worker process executes shows here as it goes. Resolves once listening.
 */
export async function listenForRunChanges(
  database: AppDatabase,
  listener: RunChangeListener,
  log: Logger,
): Promise<{ stop(): Promise<void> }> {
  // A PostgreSQL server's channels are shared by all of its schemas: only this app's rows count.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
  const schema = rows[0]?.schema;
  const deliver = (payload: string | undefined) => {
    const parsed = notificationSchema.safeParse(safeJson(payload));
    if (parsed.success && parsed.data.schema === schema) listener.onChange(parsed.data.run_id);
  };
  if (database.pglite) {
    const unlisten = await database.pglite.listen(runEventsChannel, deliver);
    return {
      stop: async () => {
        if (!database.pglite?.closed) await unlisten();
      },
    };
  }
  if (database.target.kind !== "postgres") throw new Error("the database has neither PGlite nor a pool");
  const { url, schema: searchPath } = database.target;
  let client: pg.Client | undefined;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let backoffMs = 500;
  const connect = async () => {
    const next = new pg.Client({
      connectionString: url,
      ...(searchPath ? { options: `-c search_path=${quoteIdent(searchPath)}` } : {}),
    });
    next.on("notification", (message) => deliver(message.payload));
    // A lost connection loses the notifications sent meanwhile: connect again, then read everything.
    next.on("error", (err) => {
      log.warn({ err }, "the run events connection failed; connecting again");
      void next.end().catch(() => {});
      if (client === next) reconnectLater();
    });
    await next.connect();
    await next.query(`LISTEN ${quoteIdent(runEventsChannel)}`);
    client = next;
  };
  const reconnectLater = () => {
    client = undefined;
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(async () => {
      retryTimer = undefined;
      try {
        await connect();
        backoffMs = 500;
        listener.onResync();
      } catch (err) {
        log.warn({ err, retryInMs: backoffMs }, "could not listen for run events; trying again");
        backoffMs = Math.min(backoffMs * 2, 30_000);
        reconnectLater();
      }
    }, backoffMs);
    retryTimer.unref();
  };
  await connect();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => {});
    },
  };
}

function safeJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

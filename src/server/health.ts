import type { IncomingMessage, ServerResponse } from "node:http";
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.ts";

export interface HealthReport {
  status: "ok" | "unavailable";
  version: string;
  database: { ok: boolean; kind: string; error?: string };
  mode: "app" | "setup";
}

/** Whether the database answers a trivial query within the deadline: the app is useless without it. */
export async function checkDatabase(
  db: Kysely<Database>,
  timeoutMs = 2000,
): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([sql`select 1`.execute(db), deadline]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** GET /healthz: 200 with the version and the database state, 503 when the database does not answer. */
export function healthHandler(options: {
  db: Kysely<Database>;
  databaseKind: string;
  version: string;
  /** Asked per request: the mode is known only once the server has started. */
  mode: () => HealthReport["mode"];
}) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = req.url?.split("?")[0];
    if (path !== "/healthz" || (req.method !== "GET" && req.method !== "HEAD")) return false;
    const database = await checkDatabase(options.db);
    const report: HealthReport = {
      status: database.ok ? "ok" : "unavailable",
      version: options.version,
      database: { kind: options.databaseKind, ...database },
      mode: options.mode(),
    };
    res.writeHead(database.ok ? 200 : 503, {
      "content-type": "application/json",
      "cache-control": "no-store",
    });
    res.end(req.method === "HEAD" ? undefined : JSON.stringify(report));
    return true;
  };
}

import { mkdirSync } from "node:fs";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import pg from "pg";
import { RemotePGlite } from "./pglite-remote.ts";
import type { Database } from "./schema.ts";

/** Where the app keeps its state: a PostgreSQL server, or PGlite embedded in this process. */
export type DatabaseTarget =
  | { kind: "postgres"; url: string; schema?: string | undefined }
  | { kind: "pglite"; dataDir: string | undefined };

export interface AppDatabase {
  db: Kysely<Database>;
  target: DatabaseTarget;
  /**
   * The PGlite instance when embedded, in a thread of its own: pg-boss runs on the same one, since PGlite
   * opens a data directory in one process only.
   */
  pglite: RemotePGlite | undefined;
  /** The pg pool when on PostgreSQL, shared with pg-boss so one process holds one pool. */
  pool: pg.Pool | undefined;
  close(): Promise<void>;
}

/** DATABASE_URL picks PostgreSQL; without it the embedded PGlite keeps its files under DATA_DIR. */
export function databaseTargetFromEnv(env: NodeJS.ProcessEnv): DatabaseTarget {
  if (env.DATABASE_URL) return { kind: "postgres", url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA };
  return { kind: "pglite", dataDir: env.DATA_DIR ?? ".data" };
}

export async function openDatabase(target: DatabaseTarget): Promise<AppDatabase> {
  if (target.kind === "postgres") {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: 10,
      types: { getTypeParser: parseInt8AsNumber },
      // A separate schema lets tests and several apps share one server without colliding.
      ...(target.schema ? { options: `-c search_path=${quoteIdent(target.schema)}` } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, target, pglite: undefined, pool, close: () => db.destroy() };
  }
  if (target.dataDir) mkdirSync(target.dataDir, { recursive: true });
  const pglite = new RemotePGlite(target.dataDir);
  try {
    await pglite.waitReady;
  } catch (cause) {
    throw new Error(
      `could not open the embedded database in ${target.dataDir}: another ai-dev process may hold it (PGlite opens in one process only)`,
      { cause },
    );
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    target,
    pglite,
    pool: undefined,
    // Kysely's PGlite driver closes the PGlite instance on destroy.
    close: async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

/**
 * PGlite returns bigint columns as numbers and pg as strings; numbers on both keep one code path. The
 * app's bigints (micro-dollars, token counts, GitHub ids) stay far below 2^53.
 */
const int8Oid = 20;
function parseInt8AsNumber(oid: number, format?: "text" | "binary") {
  if (oid === int8Oid && format !== "binary") return (value: string) => Number(value);
  // biome-ignore lint/suspicious/noExplicitAny: pg's overloads take the same two arguments
  return pg.types.getTypeParser(oid, format as any);
}

/** The PostgreSQL schema the app lives in, when it was given one (DATABASE_SCHEMA). */
export function schemaOf(database: AppDatabase): string | undefined {
  return database.target.kind === "postgres" ? database.target.schema : undefined;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

import { existsSync } from "node:fs";
import path from "node:path";
import type { Kysely } from "kysely";
import { type DatabaseTarget, openDatabase } from "../db/connect.ts";
import type { Database } from "../db/schema.ts";
import { UserFacingError } from "../errors.ts";
import { type InstanceLock, liveInstanceLock } from "./instance-lock.ts";

/** What an operator command does with the database itself, or by asking the app that holds it. */
export interface DatabaseOrApp<T> {
  direct(db: Kysely<Database>): Promise<T>;
  /** The running app's answer, or why there is none. */
  viaApp(lock: InstanceLock): Promise<{ ok: true; value: T } | { ok: false; reason: string }>;
  /** A read-only command: the database refuses anything else. */
  readOnly: boolean;
}

/**
 * Operator commands (`ai-dev runs`, `ai-dev tokens`): on PostgreSQL they use the database directly. The
 * embedded database opens in one process only, so while a live app holds DATA_DIR they ask that app and
 * never open the files; only when no app holds them do they open PGlite themselves.
 */
export async function withDatabaseOrApp<T>(target: DatabaseTarget, access: DatabaseOrApp<T>): Promise<T> {
  if (target.kind === "postgres") return await openAndRun(target, access);
  const dataDir = path.resolve(target.dataDir ?? ".data");
  const holder = readLiveLock(dataDir);
  if (holder) {
    const reply = await access.viaApp(holder);
    if (reply.ok) return reply.value;
    throw new UserFacingError(
      "database_held",
      `the ai-dev app (pid ${holder.pid}) holds the embedded database at ${dataDir}; stop it or try again (${reply.reason})`,
    );
  }
  // Opening a directory without a database would create one: say where we looked instead.
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    throw new UserFacingError(
      "no_database",
      `there is no embedded database at ${dataDir}; run the command where the app runs, or set DATA_DIR or DATABASE_URL`,
    );
  }
  return await openAndRun({ kind: "pglite", dataDir }, access);
}

function readLiveLock(dataDir: string) {
  try {
    return liveInstanceLock(dataDir);
  } catch (cause) {
    throw new UserFacingError("unreadable_lock", cause instanceof Error ? cause.message : String(cause), {
      cause,
    });
  }
}

async function openAndRun<T>(target: DatabaseTarget, access: DatabaseOrApp<T>): Promise<T> {
  const database = await openDatabase(target);
  try {
    const transaction = database.db.transaction();
    return await (access.readOnly ? transaction.setAccessMode("read only") : transaction).execute((tx) =>
      access.direct(tx),
    );
  } catch (error) {
    if ((error as { code?: unknown }).code === "42P01") {
      throw new UserFacingError(
        "not_migrated",
        "the database is not migrated yet: run `npx ai-dev migrate` (the app also does at start)",
        { cause: error },
      );
    }
    throw error;
  } finally {
    await database.close();
  }
}

import { promises as fs } from "node:fs";
import path from "node:path";
import type { Kysely } from "kysely";
import { FileMigrationProvider, type MigrationResultSet, Migrator } from "kysely/migration";
import type { Database } from "./schema.ts";

const migrationFolder = path.join(import.meta.dirname, "migrations");

/**
 * Forward-only migrations, applied in file-name order (the names start with a timestamp). `schema`
 * names where Kysely keeps its own bookkeeping tables; without it Kysely may find another schema's
 * tables on a shared server and wrongly take them for this one's.
 */
export async function migrateToLatest(db: Kysely<Database>, schema?: string): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder }),
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(`database migration ${failed} failed`, { cause: result.error });
  }
  return result;
}

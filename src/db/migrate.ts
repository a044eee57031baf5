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
  let result = await migrator.migrateToLatest();
  // Kysely looks for its bookkeeping tables across every schema on the server; a schema dropped in the
  // middle of that look (another app or test sharing the server) fails it with 3F000, or with 42P01 for
  // one of its tables (seen in CI). Look again: a migration that fails so on its own fails every time,
  // and its transaction was rolled back.
  for (let retry = 0; retry < 3 && isVanishedSchema(result.error); retry++)
    result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(`database migration ${failed} failed`, { cause: result.error });
  }
  return result;
}

/** invalid_schema_name or undefined_table: what a concurrent DROP SCHEMA elsewhere looks like here. */
function isVanishedSchema(error: unknown): boolean {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === "3F000" || code === "42P01";
}

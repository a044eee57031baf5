import { databaseTargetFromEnv, openDatabase, schemaOf } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";

/** `ai-dev migrate`: applies what is pending and lists it. */
export async function migrate(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const database = await openDatabase(databaseTargetFromEnv(env));
  try {
    const result = await migrateToLatest(database.db, schemaOf(database));
    const applied = result.results ?? [];
    for (const r of applied) process.stdout.write(`${r.status.toLowerCase()}: ${r.migrationName}\n`);
    process.stdout.write(
      applied.length === 0 ? "database is up to date\n" : `${applied.length} migration(s) applied\n`,
    );
  } finally {
    await database.close();
  }
}

import { databaseTargetFromEnv, openDatabase, schemaOf } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { loadAppContext } from "./app-context.ts";
import { startRuntime } from "./runtime.ts";

export interface StartOptions {
  web: boolean;
  worker: boolean;
}

/**
 * `ai-dev start` (web and worker in one process, what `npm start` runs) and `ai-dev worker` (worker
 * only, any number of them beside the web process on one PostgreSQL database).
 */
export async function startApp(options: StartOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const context = loadAppContext(env);
  const database = await openDatabase(databaseTargetFromEnv(env));
  await migrateToLatest(database.db, schemaOf(database));
  context.log.info(
    { database: database.target.kind, config: context.loaded.file ?? "defaults" },
    "database ready",
  );
  const runtime = await startRuntime(context, database, options);

  const stop = async (signal: string) => {
    context.log.info({ signal }, "shutting down");
    await runtime.stop();
    await database.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

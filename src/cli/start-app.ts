import { databaseTargetFromEnv, openDatabase, schemaOf } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { apiTokenFromEnv } from "../ops/api-tokens.ts";
import { claimInstanceLock } from "../ops/instance-lock.ts";
import { loadAppContext } from "./app-context.ts";
import { loadConfiguredWorkflows, startRuntime } from "./runtime.ts";

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
  // Every workflow is checked before anything is opened: a bad file stops the start with its problems.
  const workflows = loadConfiguredWorkflows(context);
  const target = databaseTargetFromEnv(env);
  const envToken = apiTokenFromEnv(env);
  // PGlite opens in one process only: take DATA_DIR before opening it, and tell `ai-dev runs` where to ask.
  const lock = target.kind === "pglite" && target.dataDir ? claimInstanceLock(target.dataDir) : undefined;
  // Also on a crash, so the next start and `ai-dev runs` need not judge a stale lock by its pid alone.
  if (lock) process.once("exit", lock.release);
  const database = await openDatabase(target);
  // Without its database thread the app can only fail every request: end, so a supervisor starts it again.
  void database.pglite?.lost.then((error) => {
    context.log.fatal(
      { err: error },
      "the embedded database stopped; exiting so the app can be started again",
    );
    process.exit(1);
  });
  await migrateToLatest(database.db, schemaOf(database));
  context.log.info(
    { database: database.target.kind, config: context.loaded.file ?? "defaults" },
    "database ready",
  );
  const apiTokens = [lock?.token, envToken].filter((t): t is string => t !== undefined);
  const runtime = await startRuntime(context, database, { ...options, apiTokens, workflows });
  if (lock && runtime.server) lock.announcePort(runtime.server.port);

  const stop = async (signal: string) => {
    const graceMs = context.settings.shutdownGraceSeconds * 1000;
    context.log.info({ signal, graceMs }, "shutting down");
    // The workers stop their steps within the grace; this is the backstop if closing anything hangs.
    setTimeout(() => {
      context.log.error({ graceMs }, "shutdown took longer than the grace period; exiting");
      process.exit(1);
    }, graceMs + 5_000).unref();
    await runtime.stop();
    await database.close();
    lock?.release();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

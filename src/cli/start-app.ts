import { registerGithubHandlers } from "../../handlers/github.ts";
import { type AppDatabase, databaseTargetFromEnv, openDatabase } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { healthHandler } from "../server/health.ts";
import { type StartedServer, startServer } from "../server/start-server.ts";
import { appVersion } from "../version.ts";
import { type AppContext, loadAppContext } from "./app-context.ts";

/** `ai-dev start`: check the configuration, open and migrate the database, serve webhooks. */
export async function startApp(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const context = loadAppContext(env);
  const database = await openDatabase(databaseTargetFromEnv(env));
  await migrateToLatest(database.db);
  context.log.info(
    { database: database.target.kind, config: context.loaded.file ?? "defaults" },
    "database ready",
  );
  const started = await serveApp(context, database);

  const stop = async (signal: string) => {
    context.log.info({ signal }, "shutting down");
    await started.server.stop();
    await database.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

/** Wires the app onto an open, migrated database and starts listening; tests call it directly. */
export async function serveApp(context: AppContext, database: AppDatabase): Promise<StartedServer> {
  const { settings, log } = context;
  let mode: "app" | "setup" = "setup";
  const started = await startServer({
    settings,
    log,
    handlers: [
      healthHandler({
        db: database.db,
        databaseKind: database.target.kind,
        version: appVersion,
        mode: () => mode,
      }),
    ],
    app: (app) => registerGithubHandlers(app, { db: database.db, log }),
  });
  mode = started.mode;
  return started;
}

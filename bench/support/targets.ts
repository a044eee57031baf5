/**
 * The two servers the webhook benchmark compares: the whole app (web only, no worker) on a fresh
 * database with the fake GitHub in another thread, and a bare Probot app that does nothing, on the
 * same Server class, port setup, logger and secret.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Probot, Server } from "probot";
import { freePort } from "../../demo/free-port.ts";
import { throwawayPrivateKey } from "../../demo/stand-ins/webhook-examples.ts";
import { loadAppContext } from "../../src/cli/app-context.ts";
import { type Runtime, startRuntime } from "../../src/cli/runtime.ts";
import { type AppDatabase, openDatabase } from "../../src/db/connect.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { testAppEnv, webhookSecret } from "../../test/support/app-harness.ts";
import { openTestDatabase } from "../../test/support/database.ts";
import { type FakeGitHubThread, startFakeGitHubThread } from "./fake-github-worker.ts";

export const webhookPath = "/api/github/webhooks";
export const triggerActor = "Codertocat";

export interface Target {
  url: string;
  stop(): Promise<void>;
}

export interface AppTarget extends Target {
  database: AppDatabase;
  runtime: Runtime;
  github: FakeGitHubThread;
}

/**
 * PGlite on disk in a temporary directory, as `npm start` keeps it (.data), rather than in memory: the
 * commit should cost what it costs in production. PostgreSQL: a private schema, dropped afterwards.
 */
async function openBenchDatabase(
  kind: "pglite" | "postgres",
): Promise<{ db: AppDatabase; drop(): Promise<void> }> {
  if (kind === "postgres") {
    const database = await openTestDatabase(); // reads DATABASE_URL
    return { db: database, drop: database.drop };
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "ai-dev-bench-"));
  const database = await openDatabase({ kind: "pglite", dataDir });
  await migrateToLatest(database.db, undefined);
  return {
    db: database,
    drop: async () => {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startAppTarget(kind: "pglite" | "postgres"): Promise<AppTarget> {
  const github = await startFakeGitHubThread([[triggerActor, "write"]]);
  const { db: database, drop } = await openBenchDatabase(kind);
  const port = await freePort();
  const context = loadAppContext({ ...testAppEnv({ port, githubHost: github.host }), LOG_LEVEL: "silent" });
  const runtime = await startRuntime(context, database, { web: true, worker: false });
  return {
    url: `http://127.0.0.1:${runtime.server?.port ?? port}${webhookPath}`,
    database,
    runtime,
    github,
    stop: async () => {
      await runtime.stop();
      await drop();
      await github.stop();
    },
  };
}

/** Probot 14 with an app that registers one handler doing nothing: the floor any Probot app stands on. */
export async function startBareProbot(): Promise<Target> {
  const port = await freePort();
  const log = createLogger({ level: "silent" });
  const server = new Server({
    port,
    host: "127.0.0.1",
    webhookPath,
    log,
    Probot: Probot.defaults({ appId: 123, privateKey: throwawayPrivateKey(), secret: webhookSecret, log }),
  });
  await server.load((app) => {
    app.onAny(async () => {});
  });
  await server.start();
  return { url: `http://127.0.0.1:${port}${webhookPath}`, stop: () => server.stop() };
}

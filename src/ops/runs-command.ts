import { existsSync } from "node:fs";
import path from "node:path";
import type { Kysely } from "kysely";
import { type DatabaseTarget, databaseTargetFromEnv, openDatabase } from "../db/connect.ts";
import type { Database } from "../db/schema.ts";
import { UserFacingError } from "../errors.ts";
import { askApp, type RunsAnswer, type RunsQuery } from "./app-runs-client.ts";
import { liveInstanceLock } from "./instance-lock.ts";
import { getRunDetail, listRecentRuns } from "./list-runs.ts";
import { renderJson, renderRunDetail, renderRunsTable } from "./render-runs.ts";

export interface RunsOutput {
  json: boolean;
}

/**
 * `ai-dev runs` and `ai-dev runs show <id>`. On PostgreSQL it reads the database directly. The embedded
 * database opens in one process only, so while a live app holds DATA_DIR the command asks that app and
 * never opens the files itself; only when no app holds them does it open PGlite for the read.
 */
export async function runsCommand(
  query: RunsQuery,
  output: RunsOutput,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const answer = await findRuns(query, databaseTargetFromEnv(env));
  process.stdout.write(printed(answer, output));
}

async function findRuns(query: RunsQuery, target: DatabaseTarget): Promise<RunsAnswer> {
  if (target.kind === "postgres") return await readDatabase(target, query);
  const dataDir = path.resolve(target.dataDir ?? ".data");
  const holder = readLiveLock(dataDir);
  if (holder) {
    const reply = await askApp(holder, query);
    if (reply.ok) return reply.answer;
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
  return await readDatabase({ kind: "pglite", dataDir }, query);
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

async function readDatabase(target: DatabaseTarget, query: RunsQuery): Promise<RunsAnswer> {
  const database = await openDatabase(target);
  try {
    // A read-only transaction: the command looks, and the database refuses anything else.
    return await database.db
      .transaction()
      .setAccessMode("read only")
      .execute((tx) => answer(tx, query));
  } catch (error) {
    if ((error as { code?: unknown }).code === "42P01") {
      throw new UserFacingError(
        "not_migrated",
        "the database has no runs table yet: run `npx ai-dev migrate` (the app also does at start)",
        { cause: error },
      );
    }
    throw error;
  } finally {
    await database.close();
  }
}

async function answer(db: Kysely<Database>, query: RunsQuery): Promise<RunsAnswer> {
  if (query.kind === "list") return { kind: "list", runs: await listRecentRuns(db, query.limit) };
  const detail = await getRunDetail(db, query.runId);
  return detail ? { kind: "show", detail } : { kind: "not_found", runId: query.runId };
}

function printed(answer: RunsAnswer, output: RunsOutput): string {
  switch (answer.kind) {
    case "list":
      return output.json ? renderJson({ runs: answer.runs }) : renderRunsTable(answer.runs);
    case "show":
      return output.json ? renderJson(answer.detail) : renderRunDetail(answer.detail);
    case "not_found":
      throw new UserFacingError(
        "run_not_found",
        `there is no run ${answer.runId}; \`npx ai-dev runs\` lists the recent ones`,
      );
  }
}

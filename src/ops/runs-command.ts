import type { Kysely } from "kysely";
import { type DatabaseTarget, databaseTargetFromEnv } from "../db/connect.ts";
import type { Database } from "../db/schema.ts";
import { UserFacingError } from "../errors.ts";
import { askApp, type RunsAnswer, type RunsQuery } from "./app-runs-client.ts";
import { withDatabaseOrApp } from "./database-or-app.ts";
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
  return await withDatabaseOrApp(target, {
    readOnly: true,
    direct: (db) => answer(db, query),
    viaApp: async (lock) => {
      const reply = await askApp(lock, query);
      return reply.ok ? { ok: true, value: reply.answer } : reply;
    },
  });
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

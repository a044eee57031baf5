import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/connect.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { createRun } from "../../src/engine/create-run.ts";
import { executeRun } from "../../src/engine/execute-run.ts";
import { loadWorkflows } from "../../src/engine/load-workflows.ts";
import { getRun, listStepRuns } from "../../src/engine/run-store.ts";
import { pluginCatalog } from "../../src/plugins/catalog.ts";
import { isPostgresUnderTest, openTestDatabase, type TestDatabase } from "../support/database.ts";
import { fileLoggingAdapters, readCallLog } from "./support/call-log.ts";
import { fixturePromptsDir, recordingAgents, recordingModel, silentLog } from "./support/recording-ports.ts";

const workerScript = path.join(import.meta.dirname, "support", "run-worker.ts");
const workflows = loadWorkflows({
  dir: path.join(import.meta.dirname, "fixtures", "resumable"),
  promptsDir: fixturePromptsDir,
  catalog: pluginCatalog,
});
const scratch = mkdtempSync(path.join(tmpdir(), "ai-dev-resume-"));
let postgres: TestDatabase | undefined;
afterAll(async () => {
  await postgres?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

describe("a run interrupted by a killed process", () => {
  it("resumes from the unfinished step in a new process without repeating finished steps", async () => {
    const callLog = path.join(scratch, "calls.jsonl");
    const marker = path.join(scratch, "blocked");
    const dataDir = path.join(scratch, "pglite");

    // PGlite opens in one process at a time: the test closes its handle while the worker runs.
    let databaseEnv: Record<string, string>;
    let runId: string;
    if (isPostgresUnderTest()) {
      postgres = await openTestDatabase();
      runId = await createRun(
        postgres.db,
        { workflow: "resumable", inputs: { task_key: "PROJ-1" } },
        { workflows },
      );
      databaseEnv = {
        DATABASE_URL: process.env.DATABASE_URL as string,
        DATABASE_SCHEMA: postgres.schema as string,
      };
    } else {
      const setup = await openDatabase({ kind: "pglite", dataDir });
      await migrateToLatest(setup.db);
      runId = await createRun(
        setup.db,
        { workflow: "resumable", inputs: { task_key: "PROJ-1" } },
        { workflows },
      );
      await setup.close();
      databaseEnv = { DATA_DIR: dataDir };
    }

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...databaseEnv,
      RUN_ID: runId,
      CALL_LOG: callLog,
      BLOCKED_MARKER: marker,
    };
    if (!isPostgresUnderTest()) delete env.DATABASE_URL;
    const worker = spawn(process.execPath, ["--import", "tsx", workerScript], {
      env,
      stdio: ["ignore", "inherit", "inherit"],
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      worker.on("exit", (code, signal) => resolve(signal ?? code)),
    );
    await waitFor(() => existsSync(marker), exited, "the worker to block in step 2");
    worker.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    const beforeResume = readCallLog(callLog);
    expect(beforeResume.map((c) => c.action)).toEqual([
      "task_management.update_status",
      "version_control.open_pull_request",
    ]);

    const database = postgres ?? (await openDatabase({ kind: "pglite", dataDir }));
    try {
      const interrupted = await listStepRuns(database.db, runId);
      expect(interrupted.map((s) => [s.stepName, s.status])).toEqual([
        ["first", "succeeded"],
        ["second", "running"],
      ]);
      // The dead worker's lease is still in the row; the new process comes after it has expired.
      const later = new Date(Date.now() + 60 * 60_000);
      const outcome = await executeRun(database.db, runId, {
        workflows,
        adapters: fileLoggingAdapters(callLog),
        model: recordingModel().model,
        agents: recordingAgents(() => ({})).agents,
        log: silentLog,
        workerId: "resumer",
        clock: () => later,
        // The killed worker's step cannot still be running: no grace to wait out before resuming it.
        stopGraceMs: 0,
      });
      expect(outcome).toEqual({ status: "succeeded", executed: true });

      const calls = readCallLog(callLog);
      const byAction = (action: string) => calls.filter((c) => c.action === action);
      expect(byAction("task_management.update_status")).toHaveLength(1);
      expect(byAction("communication.notify")).toHaveLength(1);
      expect(byAction("communication.notify")[0]?.pid).toBe(process.pid);
      const pullRequests = byAction("version_control.open_pull_request");
      expect(pullRequests.map((c) => c.pid)).toEqual([worker.pid, process.pid]);
      // Both attempts carry the same key, so a real adapter can find the PR the dead worker opened.
      expect(pullRequests[0]?.idempotencyKey).toBe(`${runId}/main/second`);
      expect(pullRequests[1]?.idempotencyKey).toBe(`${runId}/main/second`);

      const steps = await listStepRuns(database.db, runId);
      expect(steps.map((s) => [s.stepName, s.status, s.attempt])).toEqual([
        ["first", "succeeded", 1],
        ["second", "succeeded", 2],
        ["third", "succeeded", 1],
      ]);
      expect(byAction("communication.notify")[0]?.input.message).toBe(
        "Opened https://github.com/acme/app/pull/7",
      );
      expect((await getRun(database.db, runId))?.status).toBe("succeeded");
    } finally {
      if (!postgres) await database.close();
    }
  });
});

/** Polls for a condition with a deadline; fails at once if the worker exits first. */
async function waitFor(condition: () => boolean, exited: Promise<unknown>, what: string): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (gone) throw new Error(`the worker exited before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

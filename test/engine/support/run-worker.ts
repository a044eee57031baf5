/**
 * A worker process for the crash test: executes one run until its second step, which blocks until the
 * test kills this process with SIGKILL. Configured by environment variables, as a real worker would be.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { databaseTargetFromEnv, openDatabase } from "../../../src/db/connect.ts";
import { executeRun } from "../../../src/engine/execute-run.ts";
import { loadWorkflows } from "../../../src/engine/load-workflows.ts";
import { pluginCatalog } from "../../../src/plugins/catalog.ts";
import { fileLoggingAdapters } from "./call-log.ts";
import { fixturePromptsDir, recordingAgents, recordingModel, silentLog } from "./recording-ports.ts";

const runId = required("RUN_ID");
const callLog = required("CALL_LOG");
const blockedMarker = required("BLOCKED_MARKER");

const database = await openDatabase(databaseTargetFromEnv(process.env));
const workflows = loadWorkflows({
  dir: path.join(import.meta.dirname, "..", "fixtures", "resumable"),
  promptsDir: fixturePromptsDir,
  catalog: pluginCatalog,
});
const adapters = fileLoggingAdapters(callLog, {
  "version_control.open_pull_request": () => {
    writeFileSync(blockedMarker, String(process.pid));
    // Never answers: the test kills this process here, half-way through the step.
    return new Promise(() => setInterval(() => {}, 1000));
  },
});
await executeRun(database.db, runId, {
  workflows,
  adapters,
  model: recordingModel().model,
  agents: recordingAgents(() => ({})).agents,
  log: silentLog,
  workerId: `worker-${process.pid}`,
});
throw new Error("the run finished, but the test should have killed this worker first");

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

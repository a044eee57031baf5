import type { Kysely } from "kysely";
import type { Database } from "../../../src/db/schema.ts";
import { type CreateRunRequest, createRun } from "../../../src/engine/create-run.ts";
import { executeRun, type RunOutcome } from "../../../src/engine/execute-run.ts";
import type { WorkflowRegistry } from "../../../src/engine/loaded-workflow.ts";
import type { ExecuteRunDeps } from "../../../src/engine/run-execution.ts";
import { testDeps } from "./recording-ports.ts";

export interface StartedRun {
  runId: string;
  /** Executes the run with `testDeps` over the same workflows, the given fakes replacing the defaults. */
  execute(overrides?: Partial<ExecuteRunDeps>): Promise<RunOutcome>;
}

/** Creates a run of one of the workflows; the test executes it when its fakes are ready. */
export async function startRun(
  db: Kysely<Database>,
  workflows: WorkflowRegistry,
  request: CreateRunRequest,
): Promise<StartedRun> {
  const runId = await createRun(db, request, { workflows });
  return {
    runId,
    execute: (overrides = {}) => executeRun(db, runId, testDeps(workflows, overrides)),
  };
}

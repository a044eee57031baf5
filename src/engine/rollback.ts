import { stepKey } from "./loaded-workflow.ts";
import type { RunExecution } from "./run-execution.ts";
import { runStep } from "./run-step.ts";
import { setStepStatus } from "./run-store.ts";

/**
 * Undoes what the run did: for each completed step with a `rollback:` list, last step first, runs its
 * rollback steps in the order written. Best effort: a failing rollback step is recorded and the others
 * still run. Returns false when the run was interrupted, so the rollback resumes later.
 */
export async function rollBack(exec: RunExecution): Promise<boolean> {
  for (const step of [...exec.workflow.definition.steps].reverse()) {
    const state = exec.steps[step.name];
    if (state?.status !== "succeeded" || !step.rollback) continue;
    let allUndone = true;
    for (const [position, rollbackStep] of step.rollback.entries()) {
      const done = exec.rollbackRows.get(stepKey(rollbackStep.name, step.name));
      if (done && (done.status === "succeeded" || done.status === "skipped")) continue;
      const outcome = await runStep(exec, rollbackStep, { phase: "rollback", position, parent: step.name });
      if (outcome.status === "interrupted") return false;
      if (outcome.status === "failed") allUndone = false;
    }
    const status = allUndone ? "rolled_back" : "rollback_failed";
    await setStepStatus(
      exec.db,
      exec.fence,
      { runId: exec.run.id, stepName: step.name, phase: "main" },
      status,
    );
    state.status = status;
    exec.log.info({ step: step.name, status }, "step rolled back");
  }
  return true;
}

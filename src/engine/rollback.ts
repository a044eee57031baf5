import { findAction, pluginCatalog } from "../plugins/catalog.ts";
import { stepKey } from "./loaded-workflow.ts";
import type { RunExecution, StepState } from "./run-execution.ts";
import { runStep } from "./run-step.ts";
import { setStepStatus } from "./run-store.ts";
import { type AnyStepDefinition, stepKindOf } from "./workflow-schema.ts";

/**
 * Undoes what the run did: for each step with a `rollback:` list, last step first, runs its rollback
 * steps in the order written. A step is undone when it finished, or when it failed after part of its
 * work took effect (it kept outputs, see PartialEffectError); rollback actions are idempotent (deleting
 * a branch that is gone succeeds), so undoing a half-done step is safe.
 *
 * Delivered work is never destroyed: once a step whose action delivers (opens a pull request) succeeded,
 * the steps before it are left as they are, since the delivery stands on them (its branch, the task's
 * status). The delivering step's own rollback runs instead of an undo: the shipped workflows use it to
 * say the failure on the pull request and on the task. Steps after the delivery are undone as usual,
 * and no rollback step, wherever it is written, runs an action that can take delivered work away.
 *
 * Best effort: a failing rollback step is recorded and the others still run. Returns false when the
 * run was interrupted, so the rollback resumes later.
 */
export async function rollBack(exec: RunExecution): Promise<boolean> {
  const steps = exec.workflow.definition.steps;
  const delivery = lastDelivery(exec, steps);
  for (let index = steps.length - 1; index >= 0; index -= 1) {
    const step = steps[index] as (typeof steps)[number];
    const state = exec.steps[step.name];
    if (!state || !isUndoable(state) || !step.rollback) continue;
    if (delivery !== undefined && index < delivery) {
      exec.log.info({ step: step.name }, "step kept: the run delivered work that stands on it");
      continue;
    }
    let allUndone = true;
    for (const [position, rollbackStep] of step.rollback.entries()) {
      const done = exec.rollbackRows.get(stepKey(rollbackStep.name, step.name));
      if (done && (done.status === "succeeded" || done.status === "skipped")) continue;
      if (delivery !== undefined && undoesDelivery(rollbackStep)) {
        exec.log.warn(
          { step: step.name, rollbackStep: rollbackStep.name },
          "rollback step kept from undoing the delivery",
        );
        continue;
      }
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

/** A finished step, or a failed one that kept outputs of what it did; and, on resume, one marked done. */
function isUndoable(state: StepState): boolean {
  if (state.status === "succeeded") return true;
  return state.status === "failed" && Object.keys(state.outputs).length > 0;
}

/**
 * The position of the last step that delivered: a plugin step whose action the catalog marks as
 * delivering, which succeeded (or was already rolled back, i.e. notified, before a resume).
 */
function lastDelivery(exec: RunExecution, steps: readonly AnyStepDefinition[]): number | undefined {
  let found: number | undefined;
  for (const [index, step] of steps.entries()) {
    const status = exec.steps[step.name]?.status;
    if (status !== "succeeded" && status !== "rolled_back" && status !== "rollback_failed") continue;
    if (actionOf(step)?.delivers) found = index;
  }
  return found;
}

function undoesDelivery(step: AnyStepDefinition): boolean {
  return actionOf(step)?.undoesDelivery === true;
}

function actionOf(step: AnyStepDefinition) {
  if (stepKindOf(step) !== "plugin") return undefined;
  return findAction(pluginCatalog, String(step.plugin), String(step.action));
}

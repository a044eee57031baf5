import { UserFacingError } from "../../errors.ts";
import type { StepOutputs } from "./step-context.ts";

/** `type: set`: its inputs become run variables (and its outputs). */
export function executeSetStep(inputs: Record<string, unknown>): StepOutputs {
  return { ...inputs };
}

/** `type: fail`: stops the run with the workflow author's message, e.g. when a task has no description. */
export function executeFailStep(inputs: Record<string, unknown>): never {
  const code = typeof inputs.code === "string" && inputs.code !== "" ? inputs.code : "workflow_failed";
  throw new UserFacingError(code, String(inputs.message));
}

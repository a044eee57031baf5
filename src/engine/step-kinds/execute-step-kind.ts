import type { AnyStepDefinition } from "../workflow-schema.ts";
import { stepKindOf } from "../workflow-schema.ts";
import { executeAgentStep } from "./agent-step.ts";
import { executeAiActionStep } from "./ai-action-step.ts";
import { executeFailStep, executeSetStep } from "./builtin-steps.ts";
import { executePluginStep } from "./plugin-step.ts";
import type { StepContext, StepOutputs } from "./step-context.ts";

/** Runs a step by its kind with resolved inputs. */
export async function executeStepKind(
  step: AnyStepDefinition,
  inputs: Record<string, unknown>,
  ctx: StepContext,
): Promise<StepOutputs> {
  const kind = stepKindOf(step);
  switch (kind) {
    case "plugin":
      return executePluginStep(step, inputs, ctx);
    case "ai_action":
      return executeAiActionStep(step, inputs, ctx);
    case "agent":
      return executeAgentStep(step.agent as NonNullable<typeof step.agent>, inputs, ctx);
    case "set":
      return executeSetStep(inputs);
    case "fail":
      return executeFailStep(inputs);
    default:
      throw new Error(`step ${step.name} has no kind`);
  }
}

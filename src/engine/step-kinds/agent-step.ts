import type { AgentName } from "../agent-port.ts";
import { paidCostOf } from "../model-port.ts";
import type { StepContext, StepOutputs } from "./step-context.ts";

/** Runs an agent to completion; its result is the step's outputs. */
export async function executeAgentStep(
  agent: AgentName,
  inputs: Record<string, unknown>,
  ctx: StepContext,
): Promise<StepOutputs> {
  const result = await ctx.agents
    .run(agent, inputs, {
      runId: ctx.runId,
      stepName: ctx.stepKey,
      idempotencyKey: ctx.idempotencyKey,
      leaseEpoch: ctx.leaseEpoch,
      signal: ctx.signal,
      log: ctx.log,
    })
    .catch((error: unknown) => {
      // An agent that fails after paying for model calls marks its error (markPaidFailure): the run
      // and the workflow's limits.max_cost_usd still count what it spent.
      ctx.addCost(paidCostOf(error));
      throw error;
    });
  if (typeof result.costUsd === "number" && Number.isFinite(result.costUsd)) ctx.addCost(result.costUsd);
  return result;
}

import { UserFacingError } from "../../errors.ts";
import { findAction, pluginCatalog } from "../../plugins/catalog.ts";
import type { RollbackStepDefinition } from "../workflow-schema.ts";
import { PermanentStepError, type StepContext, type StepOutputs } from "./step-context.ts";

type AdapterMethod = (input: unknown, ctx: unknown) => Promise<unknown>;

/** Calls one action of an adapter, with its input and output checked against the plugin catalog. */
export async function executePluginStep(
  step: Pick<RollbackStepDefinition, "plugin" | "action">,
  inputs: Record<string, unknown>,
  ctx: StepContext,
): Promise<StepOutputs> {
  const slot = step.plugin as keyof typeof pluginCatalog;
  const action = step.action as string;
  const adapter = ctx.adapters[slot];
  if (!adapter) {
    throw new UserFacingError(
      "plugin_not_configured",
      `step "${ctx.stepKey}" needs the ${slot} plugin, which is not configured: enable plugins.${slot} in ai-dev.config.yaml, or give the step "if: plugins.${slot}"`,
    );
  }
  const spec = findAction(pluginCatalog, slot, action);
  const method = (adapter as unknown as Record<string, AdapterMethod | undefined>)[action];
  if (!spec || typeof method !== "function") {
    throw new PermanentStepError(`the ${slot} adapter has no action ${action}`);
  }
  const input = spec.input.safeParse(inputs);
  if (!input.success) {
    const problems = input.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new PermanentStepError(
      `inputs of ${slot}.${action} in step "${ctx.stepKey}" are invalid: ${problems}`,
    );
  }
  const result = await method.call(adapter, input.data, {
    runId: ctx.runId,
    stepName: ctx.stepKey,
    idempotencyKey: ctx.idempotencyKey,
    leaseEpoch: ctx.leaseEpoch,
    signal: ctx.signal,
    log: ctx.log,
  });
  const output = spec.output.safeParse(result);
  if (!output.success) {
    const problems = output.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new PermanentStepError(`the ${slot} adapter returned an invalid ${action} result: ${problems}`);
  }
  return output.data as StepOutputs;
}

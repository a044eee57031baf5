import { UserFacingError } from "../../errors.ts";
import { paidCostOf } from "../model-port.ts";
import { renderPrompt } from "../template.ts";
import type { RollbackStepDefinition } from "../workflow-schema.ts";
import { PermanentStepError, type StepContext, type StepOutputs } from "./step-context.ts";

/**
 * Renders the step's prompt with its inputs (untrusted text is fenced by the template's `untrusted`
 * filter), asks the model, and with an output_schema turns the answer's JSON into the step's outputs.
 */
export async function executeAiActionStep(
  step: Pick<
    RollbackStepDefinition,
    "prompt_template" | "output_schema" | "model" | "fallback_model" | "max_tokens"
  >,
  inputs: Record<string, unknown>,
  ctx: StepContext,
): Promise<StepOutputs> {
  const name = step.prompt_template as string;
  const template = ctx.workflow.prompts.get(name);
  if (!template) throw new PermanentStepError(`prompt ${name} was not loaded with the workflow`);
  let rendered: { system: string; prompt: string };
  try {
    rendered = await renderPrompt(ctx.liquid, template, inputs);
  } catch (cause) {
    throw new PermanentStepError(`prompt ${name} could not be rendered: ${(cause as Error).message}`, {
      cause,
    });
  }
  const result = await ctx.model
    .complete({
      runId: ctx.runId,
      stepName: ctx.stepKey,
      idempotencyKey: ctx.idempotencyKey,
      system: rendered.system,
      prompt: rendered.prompt,
      jsonSchema: step.output_schema,
      model: step.model,
      fallbackModel: step.fallback_model,
      maxTokens: step.max_tokens,
      signal: ctx.signal,
    })
    .catch((error: unknown) => {
      // A call that failed after it was paid for (invalid JSON, a timed-out or aborted call) still
      // counts against the run and the workflow's limits.max_cost_usd.
      ctx.addCost(paidCostOf(error));
      throw error;
    });
  ctx.addCost(result.costUsd);
  if (!step.output_schema) return { text: result.text, model: result.model };

  const answer = result.json !== undefined ? result.json : parseJsonAnswer(result.text, ctx.stepKey);
  const schema = ctx.workflow.outputSchemas.get(ctx.stepKey);
  const checked = schema ? schema.safeParse(answer) : { success: true as const, data: answer };
  if (!checked.success) {
    const problems = checked.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new UserFacingError(
      "invalid_model_output",
      `the model's answer to step "${ctx.stepKey}" does not match its output_schema: ${problems}`,
    );
  }
  const data = checked.data;
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new UserFacingError(
      "invalid_model_output",
      `the model's answer to step "${ctx.stepKey}" must be a JSON object; give output_schema "type: object"`,
    );
  }
  return data as StepOutputs;
}

/** The JSON in a model's text answer, tolerating a ```json fence around it. */
function parseJsonAnswer(text: string, stepKey: string): unknown {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)\n```/.exec(text);
  const body = (fenced?.[1] ?? text).trim();
  try {
    return JSON.parse(body);
  } catch (cause) {
    const preview = body.length > 80 ? `${body.slice(0, 80)}…` : body;
    throw new UserFacingError(
      "invalid_model_output",
      `the model's answer to step "${stepKey}" is not JSON (${(cause as Error).message}): ${JSON.stringify(preview)}`,
      { cause },
    );
  }
}

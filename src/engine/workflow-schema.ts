import { z } from "zod";
import { durationSchema } from "./duration.ts";

/**
 * The workflow file format (workflows/*.yml). This schema is the source of truth for the types, the
 * error messages and the JSON Schema editors use (schemas/workflow.schema.json, generated from it).
 * Checks that need more than one field at a time (references, the plugin catalog, prompt files) are in
 * check-workflow.ts.
 */
const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, "expected lower_snake_case: a lowercase letter, then letters, digits or _");

export const agentNames = ["planning", "development", "revision"] as const;
export const stepTypes = ["plugin", "ai_action", "agent", "set", "fail"] as const;
export type StepKind = (typeof stepTypes)[number];

export const inputDeclarationSchema = z.strictObject({
  type: z.enum(["string", "number", "integer", "boolean", "object", "array"]),
  description: z.string().optional(),
  required: z
    .boolean()
    .default(false)
    .describe("A run without this input is refused (unless it has a default)."),
  default: z.unknown().optional(),
  enum: z
    .array(z.union([z.string(), z.number()]))
    .min(1)
    .optional(),
});
export type InputDeclaration = z.infer<typeof inputDeclarationSchema>;

const backoffSchema = z.strictObject({
  initial: durationSchema.default("1s").describe("The wait before the first retry."),
  factor: z.number().min(1).default(2).describe("Each wait is the previous one times this."),
  max: durationSchema.default("60s").describe("No wait is longer than this."),
});

const stepFields = {
  name: identifier.describe("Unique in the workflow; other steps refer to it as steps.<name>."),
  description: z.string().optional(),
  type: z
    .enum(stepTypes)
    .optional()
    .describe("The kind of step; a step with plugin + action is a plugin step."),
  plugin: z
    .enum(["task_management", "version_control", "documentation", "communication"])
    .optional()
    .describe("The adapter slot a plugin step calls."),
  action: z.string().optional().describe("The slot's action, e.g. get_task."),
  prompt_template: z
    .string()
    .min(1)
    .optional()
    .describe(
      "An ai_action's Liquid prompt file ({{ task.title }} for values): a name in the prompts directory (pr-description.liquid), or a path relative to the workflow file (./prompts/code_gen.txt), any extension. A path may not leave the workflow's directory or the prompts directory.",
    ),
  output_schema: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("A JSON Schema: the model answers JSON matching it, which becomes the step's outputs."),
  model: z.string().optional().describe("The model an ai_action uses instead of the configured one."),
  fallback_model: z.string().optional().describe("A cheaper model to use when the budget runs low."),
  max_tokens: z.int().positive().optional(),
  agent: z.enum(agentNames).optional().describe("The agent an agent step runs."),
  inputs: z
    .record(z.string(), z.unknown())
    .default({})
    .describe("The step's inputs; strings may hold ${var} or ${steps.x.outputs.y | filter} references."),
  outputs: z
    .record(identifier, z.string())
    .default({})
    .describe(
      "Run variables to set from the step's result, in either form. A value with a ${…} reference is an expression and its key the variable: pr_url: \"${result.url}\". A value that is a plain lower_snake_case name is the variable and its key a field of the result: task: task_data stores the result's task as ${task_data}.",
    ),
  if: z.string().optional().describe("A Liquid condition; the step is skipped when it is false."),
  on_error: z.enum(["fail", "continue", "retry"]).default("fail"),
  retries: z.int().min(1).max(10).optional().describe("With on_error: retry, how many times to retry."),
  backoff: backoffSchema.optional(),
  timeout: durationSchema.optional().describe("The step fails when it runs longer than this."),
};

const stepFieldsObject = z.strictObject(stepFields);
type StepFieldsShape = z.output<typeof stepFieldsObject>;

/** Which kind a step is, from the fields it has: plugin + action, or its type. */
export function stepKindOf(step: Pick<StepFieldsShape, "type" | "plugin" | "action">): StepKind | undefined {
  if (step.type) return step.type;
  if (step.plugin !== undefined || step.action !== undefined) return "plugin";
  return undefined;
}

const kindFields: Record<StepKind, (keyof StepFieldsShape)[]> = {
  plugin: ["plugin", "action"],
  ai_action: ["prompt_template", "output_schema", "model", "fallback_model", "max_tokens"],
  agent: ["agent"],
  set: [],
  fail: [],
};
const requiredFields: Record<StepKind, (keyof StepFieldsShape)[]> = {
  plugin: ["plugin", "action"],
  ai_action: ["prompt_template"],
  agent: ["agent"],
  set: [],
  fail: [],
};

/** The rules zod cannot say field by field: one kind per step, and the fields each kind needs. */
function checkKindFields(step: StepFieldsShape, ctx: z.RefinementCtx): void {
  const kind = stepKindOf(step);
  if (!kind) {
    ctx.addIssue({
      code: "custom",
      path: ["name"],
      message:
        "a step needs one kind: plugin + action, type: ai_action + prompt_template, type: agent + agent, or type: set | fail",
    });
    return;
  }
  for (const field of requiredFields[kind]) {
    if (step[field] === undefined)
      ctx.addIssue({ code: "custom", path: [field], message: `a ${kind} step needs ${field}` });
  }
  for (const [otherKind, fields] of Object.entries(kindFields)) {
    if (otherKind === kind) continue;
    for (const field of fields) {
      if (step[field] !== undefined && !kindFields[kind].includes(field)) {
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: `${field} belongs to ${otherKind} steps, not ${kind} steps`,
        });
      }
    }
  }
  if (step.on_error === "retry" && step.retries === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["on_error"],
      message: "on_error: retry needs retries (how many times)",
    });
  }
  if (step.on_error !== "retry" && (step.retries !== undefined || step.backoff !== undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["retries"],
      message: "retries and backoff apply only with on_error: retry",
    });
  }
}

/** A step that undoes its parent's effect (e.g. deletes the branch it pushed); it has no rollback itself. */
export const rollbackStepSchema = stepFieldsObject.superRefine(checkKindFields);

export const stepSchema = z
  .strictObject({
    ...stepFields,
    rollback: z
      .array(rollbackStepSchema)
      .min(1)
      .optional()
      .describe(
        "Steps that undo this step's effect; they run, in reverse step order, when a later step fails.",
      ),
  })
  .superRefine(checkKindFields);

export const workflowSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .describe(
      'A title for people ("My Custom Workflow"). Runs, triggers and workflows.default name a workflow by its file name without the extension (implement-issue).',
    ),
  description: z.string().min(1).optional(),
  inputs: z.record(identifier, inputDeclarationSchema).default({}),
  limits: z
    .strictObject({
      max_cost_usd: z
        .number()
        .positive()
        .describe("The run stops before a step once it has spent this much."),
    })
    .optional(),
  steps: z.array(stepSchema).min(1, "a workflow needs at least one step"),
});

export type WorkflowDefinition = z.infer<typeof workflowSchema>;
export type StepDefinition = z.infer<typeof stepSchema>;
export type RollbackStepDefinition = z.infer<typeof rollbackStepSchema>;
/** A main step or a rollback step: what the executor runs. */
export type AnyStepDefinition = StepDefinition | RollbackStepDefinition;

import type { Kysely } from "kysely";
import { z } from "zod";
import type { Database } from "../db/schema.ts";
import { UserFacingError } from "../errors.ts";
import type { WorkflowRegistry } from "./loaded-workflow.ts";
import { insertRun } from "./run-store.ts";
import type { InputDeclaration, WorkflowDefinition } from "./workflow-schema.ts";

export interface CreateRunRequest {
  workflow: string;
  inputs: Record<string, unknown>;
  /** Opaque trigger information (repository, issue number, actor…) that steps read as context.*. */
  context?: Record<string, unknown>;
}

/**
 * Queues a run of a workflow after checking its inputs against the workflow's declared inputs; defaults
 * are filled in here, so the stored inputs are exactly what the run used.
 */
export async function createRun(
  db: Kysely<Database>,
  request: CreateRunRequest,
  options: { workflows: WorkflowRegistry; now?: Date; id?: string },
): Promise<string> {
  const { workflows } = options;
  const workflow = workflows.get(request.workflow);
  if (!workflow) {
    throw new UserFacingError(
      "unknown_workflow",
      `there is no workflow "${request.workflow}"; the workflows are: ${workflows.names().join(", ")}`,
    );
  }
  const inputs = parseRunInputs(workflow.definition, request.inputs);
  return insertRun(db, {
    workflow: request.workflow,
    inputs,
    context: request.context ?? {},
    now: options.now ?? new Date(),
    ...(options.id ? { id: options.id } : {}),
  });
}

export function parseRunInputs(
  workflow: WorkflowDefinition,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const result = runInputsSchema(workflow).safeParse(inputs);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "inputs"}: ${i.message}`).join("; ");
  throw new UserFacingError(
    "invalid_run_inputs",
    `workflow ${workflow.name} cannot start with these inputs: ${problems}`,
  );
}

function runInputsSchema(workflow: WorkflowDefinition) {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, declaration] of Object.entries(workflow.inputs)) shape[name] = inputSchema(declaration);
  return z.strictObject(shape);
}

function inputSchema(declaration: InputDeclaration): z.ZodType {
  let schema: z.ZodType = {
    string: z.string(),
    number: z.number(),
    integer: z.int(),
    boolean: z.boolean(),
    object: z.record(z.string(), z.unknown()),
    array: z.array(z.unknown()),
  }[declaration.type];
  if (declaration.enum) {
    const allowed = declaration.enum;
    schema = schema.refine((value) => allowed.includes(value as string | number), {
      message: `expected one of: ${allowed.join(", ")}`,
    });
  }
  if (declaration.default !== undefined) return schema.default(declaration.default as never);
  return declaration.required ? schema : schema.optional();
}

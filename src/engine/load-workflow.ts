import { readFileSync } from "node:fs";
import path from "node:path";
import { canonicalAction } from "../plugins/catalog.ts";
import { parseYamlSource, type SourceIssue, SourceValidationError } from "../validation/yaml-source.ts";
import {
  type CheckableWorkflow,
  type CheckOptions,
  checkWorkflow,
  type UnparsedStep,
} from "./check-workflow.ts";
import type { LoadedWorkflow } from "./loaded-workflow.ts";
import { outputBindings } from "./references.ts";
import {
  type AnyStepDefinition,
  inputDeclarationSchema,
  type StepDefinition,
  stepSchema,
  type WorkflowDefinition,
  workflowSchema,
} from "./workflow-schema.ts";

/**
 * Reads one workflow file and checks it completely: YAML syntax, the schema, then the catalog, prompt
 * files and references. Throws a SourceValidationError with every problem found, each with file:line:col.
 */
export function loadWorkflowFile(file: string, options: CheckOptions): LoadedWorkflow {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new SourceValidationError([
      { file, position: undefined, path: [], message: `cannot read the file: ${(cause as Error).message}` },
    ]);
  }
  return loadWorkflowText(text, file, options);
}

/** How runs, triggers and workflows.default name a workflow: its file name without .yml / .yaml. */
export function workflowIdOf(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/i, "");
}

const workflowId = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export function loadWorkflowText(text: string, file: string, options: CheckOptions): LoadedWorkflow {
  const source = parseYamlSource(text, file);
  const id = workflowIdOf(file);
  const idIssues: SourceIssue[] = workflowId.test(id)
    ? []
    : [
        {
          file,
          position: undefined,
          path: [],
          message: `the file name "${id}" is the workflow's id and may hold only letters, digits, - and _: rename the file`,
        },
      ];
  const parsed = workflowSchema.safeParse(source.value);
  if (!parsed.success) {
    // The schema's problems, and the whole-workflow checks on every step it accepted: a wrong top-level
    // field must not hide a step's unknown action or broken reference until the next attempt.
    const schemaIssues = parsed.error.issues.flatMap((i) =>
      // An unknown key is shown where it stands, not at the object that holds it.
      i.code === "unrecognized_keys"
        ? i.keys.map((key) => source.issue([...i.path, key], `unknown field "${key}"`))
        : [source.issue(i.path, i.message)],
    );
    const { issues } = checkWorkflow(partialWorkflow(source.value), source, options);
    throw new SourceValidationError([...idIssues, ...schemaIssues, ...issues]);
  }
  const { issues, warnings, prompts, outputSchemas } = checkWorkflow(parsed.data, source, options);
  if (idIssues.length + issues.length > 0) throw new SourceValidationError([...idIssues, ...issues]);
  return { id, file, definition: withCatalogActions(parsed.data), prompts, outputSchemas, warnings };
}

/** As much of a workflow as the schema accepts, field by field and step by step. */
function partialWorkflow(raw: unknown): CheckableWorkflow {
  const record = asRecord(raw);
  const inputs: Record<string, unknown> = {};
  for (const [name, declaration] of Object.entries(asRecord(record.inputs))) {
    const checked = inputDeclarationSchema.safeParse(declaration);
    inputs[name] = checked.success ? checked.data : {};
  }
  const rawSteps = Array.isArray(record.steps) ? (record.steps as unknown[]) : [];
  const steps = rawSteps.map((item): StepDefinition | UnparsedStep => {
    const checked = stepSchema.safeParse(item);
    if (checked.success) return checked.data;
    const step = asRecord(item);
    const outputs = Object.fromEntries(
      Object.entries(asRecord(step.outputs)).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
    const variables = outputBindings(outputs).map((b) => b.variable);
    if (step.type === "set") variables.push(...Object.keys(asRecord(step.inputs)));
    return { unparsed: true, name: typeof step.name === "string" ? step.name : undefined, variables };
  });
  return { inputs, steps };
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The plan's action names (update_task_status, …) stored as the catalog's, so the engine sees one name. */
function withCatalogActions(definition: WorkflowDefinition): WorkflowDefinition {
  const rename = <S extends AnyStepDefinition>(step: S): S =>
    step.plugin && step.action ? { ...step, action: canonicalAction(step.plugin, step.action) } : step;
  return {
    ...definition,
    steps: definition.steps.map((step) => {
      const renamed = rename(step);
      return step.rollback ? { ...renamed, rollback: step.rollback.map(rename) } : renamed;
    }),
  };
}

import { readFileSync } from "node:fs";
import { parseWithSchema, parseYamlSource, SourceValidationError } from "../validation/yaml-source.ts";
import { type CheckOptions, checkWorkflow } from "./check-workflow.ts";
import type { LoadedWorkflow } from "./loaded-workflow.ts";
import { workflowSchema } from "./workflow-schema.ts";

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

export function loadWorkflowText(text: string, file: string, options: CheckOptions): LoadedWorkflow {
  const source = parseYamlSource(text, file);
  const definition = parseWithSchema(source, workflowSchema);
  const { issues, prompts, outputSchemas } = checkWorkflow(definition, source, options);
  if (issues.length > 0) throw new SourceValidationError(issues);
  return { file, definition, prompts, outputSchemas };
}

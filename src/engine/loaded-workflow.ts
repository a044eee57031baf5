import type { Liquid } from "liquidjs";
import type { z } from "zod";
import type { PromptTemplate } from "./template.ts";
import type { WorkflowDefinition } from "./workflow-schema.ts";

/** A workflow that passed every load-time check, with what its steps need already parsed. */
export interface LoadedWorkflow {
  file: string;
  definition: WorkflowDefinition;
  /** Parsed prompt files by their prompt_template name. */
  prompts: ReadonlyMap<string, PromptTemplate>;
  /** An ai_action's output_schema compiled to zod, by step key (`name`, or `parent/name` in a rollback). */
  outputSchemas: ReadonlyMap<string, z.ZodType>;
}

/** The workflows of a directory, by name; the engine runs only what is in here. */
export interface WorkflowRegistry {
  readonly liquid: Liquid;
  get(name: string): LoadedWorkflow | undefined;
  names(): string[];
}

export function stepKey(name: string, parent?: string): string {
  return parent ? `${parent}/${name}` : name;
}
